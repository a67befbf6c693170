import factory

from institutions.choices import InstitutionKind
from institutions.models import Institution
from skilleval.choices import Role
from skilleval.demo import make_uscc
from skilleval.models import Occupation, OccupationLevel, Region, User


def region(code: str) -> Region:
    """Regions are reference data loaded by a migration; tests look them up, never create them."""
    return Region.objects.get(code=code)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试评价机构{n}")
    kind = InstitutionKind.SOCIAL_ORG
    county = factory.LazyFunction(lambda: region("320115"))  # 江宁区
    city = factory.LazyAttribute(lambda o: o.county.parent)
    uscc = factory.Sequence(lambda n: make_uscc("320100", 500000 + n))
    responsible_person = "张三"
    contact_phone = "025-12345678"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.PROVINCE_ADMIN
    password = factory.django.Password("Correct-horse-9")


class OccupationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupation
        django_get_or_create = ["code"]

    code = "6-18-01-01"
    name = "车工"

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        for level in extracted if extracted is not None else (1, 2, 3, 4, 5):
            OccupationLevel.objects.get_or_create(occupation=self, level=level)
