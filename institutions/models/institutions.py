from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from institutions.choices import CatalogAction, CatalogStatus, InstitutionKind
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, RegionKind, Role
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.institutions import BranchAnnounced, EligibleAsSocialOrg


def validate_uscc(value: str) -> None:
    # GB 32100-2015: 18 characters, the last a check character.
    if not uscc.is_valid(value):
        raise ValidationError(
            gettext("统一社会信用代码无效（GB 32100 校验位不符）"),
            code="invalid_uscc",
        )


def institution_scope(user, path: str = "") -> Q | None:
    """The institutions a user who does not see the whole province may see, as a condition on
    `path` (e.g. "institution__" from a batch or a certificate); None for none."""
    if user.role == Role.CITY_STAFF:
        return Q(**{f"{path}city_id": user.city_id})
    if user.role == Role.COUNTY_STAFF:
        return Q(**{f"{path}county_id": user.county_id})
    if user.role in INSTITUTION_ROLES:
        # An organisation sees its own branches too.
        return Q(**{f"{path}pk": user.institution_id}) | Q(
            **{f"{path}parent_id": user.institution_id}
        )
    return None


class InstitutionQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        return institution_scope(user)

    def in_catalog(self, on: date | None = None):
        """The public catalog (54号 五, 附件2): in the catalog, with a filing approved and valid on
        the day. Branches still in their announcement period are listed separately."""
        from institutions.models.filings import Filing

        on = on or timezone.localdate()
        return (
            self.filter(
                Exists(Filing.objects.valid_on(on).filter(institution=OuterRef("pk"))),
                catalog_status=CatalogStatus.ACTIVE,
            )
            # A branch leaves the catalog with its organisation.
            .exclude(parent__catalog_status__in=[CatalogStatus.SUSPENDED, CatalogStatus.REMOVED])
        )


@dataclass
class ScopeCheck:
    """Whether an institution may evaluate an occupation-level in a region on a day, and why not."""

    allowed: bool
    problems: list[str] = field(default_factory=list)
    filing: "object | None" = None


class Institution(models.Model):
    """An evaluation institution (评价机构): an employer, a social training evaluation organisation,
    a technical school or an appraisal centre, located in one city (属地, 41号 三(四)). A branch
    (分支机构) of a social training evaluation organisation is an institution with a parent."""

    name = models.CharField(_("机构名称"), max_length=200)
    kind = models.CharField(_("机构类型"), max_length=20, choices=InstitutionKind.choices)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc]
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属社会培训评价组织（分支机构填写）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
    )
    city = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所在设区市"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": RegionKind.CITY},
    )
    county = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所在区（县）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": RegionKind.COUNTY},
    )
    responsible_person = models.CharField(_("负责人"), max_length=50)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # 41号 二(一): who may not be a social training evaluation organisation.
    is_government_department = models.BooleanField(_("是否政府部门"), default=False)
    owned_by_government = models.BooleanField(_("是否政府部门所属单位"), default=False)
    association_decoupled = models.BooleanField(
        _("协会是否已与主管部门脱钩"),
        null=True,
        blank=True,
        help_text=_("非协会留空"),
    )
    non_professional_association = models.BooleanField(_("是否非专业行业协会"), default=False)
    catalog_status = models.CharField(
        _("目录状态"), max_length=12, choices=CatalogStatus.choices, default=CatalogStatus.ACTIVE
    )
    catalog_reason = models.CharField(_("目录状态原因"), max_length=300, blank=True)
    # A branch's online announcement (网上公示, 41号 三(五)) starts when its filing is approved.
    announced_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    # Codes inside certificate numbers (人社鉴发〔2019〕2号): the ministry's 4-digit code ("0000" when
    # filed with the province) and the 6-digit serial the province assigns; for vocational
    # qualification stations, the station type (0–4) and 3-digit serial.
    ministry_code = models.CharField(_("人社部机构代码"), max_length=4, default="0000")
    province_serial = models.CharField(
        _("省级机构序号"), max_length=6, null=True, blank=True, unique=True
    )
    vq_station_type = models.PositiveSmallIntegerField(
        _("鉴定站类型"),
        null=True,
        blank=True,
        choices=[
            (0, _("指导中心")),
            (1, _("国家站")),
            (2, _("地方站")),
            (3, _("行业站")),
            (4, _("企业站")),
        ],
    )
    vq_station_serial = models.CharField(_("鉴定站序号"), max_length=3, blank=True)
    # 54号 一: an employer's exceptional promotion (破格) needs a written policy published to all staff.
    promotion_policy = models.FileField(
        _("破格晋升制度"), upload_to="institutions/policies/", blank=True
    )
    promotion_policy_published_on = models.DateField(
        _("破格晋升制度公布日期"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["city_id", "name"]
        verbose_name = _("评价机构")
        verbose_name_plural = _("评价机构")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="institution_not_its_own_branch",
            ),
            models.CheckConstraint(
                condition=Q(ministry_code__regex=r"^[0-9]{4}$"),
                name="institution_ministry_code_4_digits",
            ),
            models.CheckConstraint(
                condition=Q(province_serial__isnull=True) | Q(province_serial__regex=r"^[0-9]{6}$"),
                name="institution_province_serial_6_digits",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InstitutionKind.SOCIAL_ORG, non_professional_association=True),
                name="social_org_not_non_professional_association",
                violation_error_message=_("非专业行业协会不得作为社会培训评价组织（41号 二(一)）"),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.parent_id is not None

    def may_be_managed_by(self, user) -> bool:
        """Staff of the institution, or of the organisation it is a branch of, act for it."""
        return (
            user.has_role(*INSTITUTION_ROLES)
            and user.institution_id is not None
            and user.institution_id in (self.pk, self.parent_id)
        )

    def require_managed_by(self, user):
        """Refuse (403) anyone who does not act for the institution (its contacts, its filings)."""
        if not self.may_be_managed_by(user):
            raise Forbidden(gettext("您无权执行此操作"))

    def may_register_branch(self, user) -> bool:
        """41号 三(四): a social training evaluation organisation registers branches, a branch
        none of its own."""
        return (
            self.may_be_managed_by(user)
            and self.kind == InstitutionKind.SOCIAL_ORG
            and not self.is_branch
        )

    def clean(self):
        if self.county_id and self.city_id and self.county.parent_id != self.city_id:
            raise ValidationError({"county": gettext("区（县）不属于所选设区市")})
        if self.parent_id and self.parent.parent_id:
            raise ValidationError(gettext("分支机构不能再设分支机构"))
        if self.parent_id and (
            self.kind != InstitutionKind.SOCIAL_ORG
            or self.parent.kind != InstitutionKind.SOCIAL_ORG
        ):
            raise ValidationError(gettext("分支机构仅限社会培训评价组织设立"))
        if self.kind == InstitutionKind.SOCIAL_ORG:
            rules.require(EligibleAsSocialOrg.id, self.eligibility_facts)

    @property
    def eligibility_facts(self) -> dict:
        return {
            "is_government_department": self.is_government_department,
            "owned_by_government": self.owned_by_government,
            "association_decoupled": self.association_decoupled,
            "non_professional_association": self.non_professional_association,
        }

    # --- scope ----------------------------------------------------------------------------

    def filed_scope(self, on: date | None = None):
        """The union of this institution's filings valid on the day (FilingQuerySet.scopes)."""
        from institutions.models.filings import FiledScope

        on = on or timezone.localdate()
        return self.filings.scopes(on).get(self.pk) or FiledScope(on=on)

    def branch_announcement(self, day: date):
        return rules.evaluate(
            BranchAnnounced.id, {"announced_on": self.announced_on, "on": day}, day
        )

    def check_scope(
        self, occupation, level: int, region=None, on: date | None = None
    ) -> ScopeCheck:
        """May this institution run an evaluation of this occupation-level, in this region, on
        this day? Every reason it may not is listed, each with its clause."""
        on = on or timezone.localdate()
        problems = []
        if self.catalog_status != CatalogStatus.ACTIVE:
            problems.append(
                f"机构目录状态为“{self.get_catalog_status_display()}”，不得开展评价（苏人社办函〔2022〕54号 五）"
            )
        if self.parent_id and self.parent.catalog_status != CatalogStatus.ACTIVE:
            problems.append(
                f"所属社会培训评价组织目录状态为“{self.parent.get_catalog_status_display()}”，分支机构不得开展评价（54号 五）"
            )
        scope = self.filed_scope(on)
        granting = scope.filings_granting(occupation, level)
        filing = next((f for f in granting if region is None or f.covers_region(region)), None)
        if not scope:
            problems.append(
                gettext(
                    "%(on)s 无有效备案（备案未批准或已过有效期限）（苏人社办函〔2022〕54号 五）"
                )
                % {"on": on}
            )
        elif not granting:
            problems.append(
                gettext("备案范围不含 %(occupation)s %(level)s级（苏人社办函〔2022〕54号 五）")
                % {"occupation": occupation, "level": level}
            )
        elif filing is None:
            problems.append(
                gettext("%(region)s 不在备案地域范围内（54号 五）") % {"region": region}
            )
        if self.is_branch:
            announcement = self.branch_announcement(on)
            # Before 41号 三(五) a branch needed no announcement: not in force refuses nothing.
            if not announcement.not_in_force and not announcement.result["may_run"]:
                problems.append(announcement.text)
        return ScopeCheck(allowed=not problems, problems=problems, filing=filing)

    # --- the catalog (能进能出) --------------------------------------------------------------

    CATALOG_MOVES = {
        CatalogAction.SUSPEND: ([CatalogStatus.ACTIVE], CatalogStatus.SUSPENDED),
        CatalogAction.RESTORE: ([CatalogStatus.SUSPENDED], CatalogStatus.ACTIVE),
        CatalogAction.REMOVE: (
            [CatalogStatus.ACTIVE, CatalogStatus.SUSPENDED],
            CatalogStatus.REMOVED,
        ),
    }

    def change_catalog_status(self, action: str, *, actor, reason: str) -> "CatalogEvent":
        """Province admins suspend, restore or remove an institution, with a reason (实施意见 二十三)."""
        if not actor.is_province_admin:
            raise Forbidden(gettext("仅省级管理员可调整目录"))
        if not reason.strip():
            raise ValidationError({"reason": gettext("请填写原因")})
        allowed_from, to = self.CATALOG_MOVES[action]
        with transaction.atomic():
            moved = audited_update(
                self,
                {"catalog_status__in": allowed_from},
                catalog_status=to,
                catalog_reason=reason.strip(),
            )
            if not moved:
                raise ValidationError(
                    gettext("当前状态“%(catalog_status)s”不能%(label)s")
                    % {
                        "catalog_status": self.get_catalog_status_display(),
                        "label": CatalogAction(action).label,
                    }
                )
            return CatalogEvent.objects.create(
                institution=self, action=action, reason=reason.strip(), actor=actor
            )


class CatalogEvent(models.Model):
    """One suspension, restoration or removal of an institution from the catalog, with its reason."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="catalog_events"
    )
    action = models.CharField(_("操作"), max_length=10, choices=CatalogAction.choices)
    reason = models.CharField(_("原因"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("目录调整记录")
        verbose_name_plural = _("目录调整记录")

    def __str__(self):
        return f"{self.institution} {self.get_action_display()}"
