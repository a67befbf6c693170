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
        skip_postgeneration_save = True

    code = "6-18-01-01"
    name = "车工"

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        for level in extracted if extracted is not None else (1, 2, 3, 4, 5):
            OccupationLevel.objects.get_or_create(occupation=self, level=level)


def occupation_with_resources(code="6-18-01-01", name="车工", levels=(1, 2, 3, 4, 5), **resources):
    """An occupation whose levels carry technical resources (default: national standard + bank)."""
    occupation = OccupationFactory(code=code, name=name, levels=levels)
    flags = {"has_national_standard": True, "has_question_bank": True, **resources}
    OccupationLevel.objects.filter(occupation=occupation).update(**flags)
    return occupation


def approved_filing(
    institution, items, *, regions=("320000",), valid_from=None, valid_until=None, authority=None
):
    """An approved filing written straight to the database, for tests that need an existing scope.
    `items` is a list of (occupation, level)."""
    from datetime import date

    from institutions.choices import FilingStatus
    from institutions.models import Filing, FilingItem

    user = UserFactory(
        username=f"filer-{institution.pk}", role=Role.INSTITUTION_STAFF, institution=institution
    )
    filing = Filing.objects.create(
        institution=institution,
        authority=authority or institution.city,
        status=FilingStatus.APPROVED,
        valid_from=valid_from or date(2024, 1, 1),
        valid_until=valid_until or date(2099, 12, 31),
        created_by=user,
    )
    filing.region_scope.set(Region.objects.filter(code__in=regions))
    for occupation, level in items:
        FilingItem.objects.create(filing=filing, occupation=occupation, level=level)
    return filing


def make_candidate(batch, n: int, **fields):
    """A roster row written straight to the database (the roster upload has its own tests)."""
    from decimal import Decimal

    from institutions.models import Candidate
    from skilleval import personal_data
    from skilleval.demo import make_resident_id

    id_number = make_resident_id("320102", f"19{80 + n % 20:02d}0101", n)
    values = {
        "name": f"考生{n}",
        "gender": "male",
        "education": 3,
        "work_years": Decimal(8),
        "id_number_encrypted": personal_data.encrypt(id_number),
        "id_number_hash": personal_data.keyed_hash(id_number),
        "id_number_masked": personal_data.mask_id_number(id_number),
        **fields,
    }
    return Candidate.objects.create(batch=batch, **values)
