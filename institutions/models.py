from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from stdnum.cn import uscc

from institutions.choices import InstitutionKind
from skilleval.choices import INSTITUTION_ROLES, RegionKind, Role
from skilleval.querysets import ScopedQuerySet


def validate_uscc(value: str) -> None:
    # GB 32100-2015: 18 characters, the last a check character.
    if not uscc.is_valid(value):
        raise ValidationError(
            "统一社会信用代码无效（GB 32100 校验位不符）/ Invalid unified social credit code "
            "(GB 32100 check character)",
            code="invalid_uscc",
        )


class InstitutionQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        if user.role == Role.CITY_STAFF:
            return Q(city_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return Q(county_id=user.county_id)
        if user.role in INSTITUTION_ROLES:
            return Q(pk=user.institution_id)
        return None


class Institution(models.Model):
    """An evaluation institution (评价机构): an employer, a social training evaluation organisation,
    a technical school or an appraisal centre, located in one city (属地, 41号 三(四))."""

    name = models.CharField("机构名称", max_length=200)
    kind = models.CharField("机构类型", max_length=20, choices=InstitutionKind.choices)
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc]
    )
    city = models.ForeignKey(
        "skilleval.Region",
        verbose_name="所在设区市",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": RegionKind.CITY},
    )
    county = models.ForeignKey(
        "skilleval.Region",
        verbose_name="所在区（县）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": RegionKind.COUNTY},
    )
    responsible_person = models.CharField("负责人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=40)
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["city_id", "name"]
        verbose_name = "评价机构"
        verbose_name_plural = "评价机构"

    def __str__(self):
        return self.name

    def clean(self):
        if self.county_id and self.city_id and self.county.parent_id != self.city_id:
            raise ValidationError(
                {"county": "区（县）不属于所选设区市 / The county is not in the chosen city"}
            )
