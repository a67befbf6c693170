from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skilleval.choices import INSTITUTION_ROLES, PROVINCE_ROLES, RegionKind, Role


class User(AbstractUser):
    """A staff account with one role and the city, county or institution the role is scoped to.

    A superuser sees and may do everything a province admin may.
    """

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    city = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所属设区市"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": RegionKind.CITY},
    )
    county = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所属区（县）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": RegionKind.COUNTY},
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("所属评价机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    organisation = models.CharField(_("所属单位"), max_length=200, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.CITY_STAFF) | Q(city__isnull=False),
                name="user_city_staff_has_city",
                violation_error_message=_("设区市人员须指定设区市"),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.COUNTY_STAFF) | Q(county__isnull=False),
                name="user_county_staff_has_county",
                violation_error_message=_("区县人员须指定区县"),
            ),
            models.CheckConstraint(
                condition=~Q(role__in=INSTITUTION_ROLES) | Q(institution__isnull=False),
                name="user_institution_roles_have_institution",
                violation_error_message=_("机构人员须指定评价机构"),
            ),
        ]

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in PROVINCE_ROLES

    @property
    def is_province_admin(self) -> bool:
        return self.is_superuser or self.role == Role.PROVINCE_ADMIN

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of these roles; a superuser holds the province admin's."""
        if self.is_superuser and Role.PROVINCE_ADMIN in roles:
            return True
        return self.role in roles

    @property
    def scope_label(self) -> str:
        """Where this account's view ends, in words, for the page header."""
        if self.sees_everything:
            return "江苏省"
        if self.role == Role.CITY_STAFF:
            return str(self.city)
        if self.role == Role.COUNTY_STAFF:
            return f"{self.county.parent}{self.county}"
        if self.institution_id:
            return str(self.institution)
        return self.organisation
