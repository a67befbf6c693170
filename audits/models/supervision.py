"""Supervision (54号 五, 实施意见 二十五): the inspector pool and 双随机 spot checks with their
findings, credit flags, province-wide notices and complaints (举报)."""

import hashlib
import json
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audits.choices import ComplaintStatus, ComplaintTarget, FindingOutcome, Population
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import INSTITUTION_ROLES, Role
from skilleval.querysets import ScopedQuerySet
from skilleval.rules import require
from skilleval.rules.audits import ComplaintOutcomePublishable

# --- 双随机、一公开 -----------------------------------------------------------------------------


def canonical_json(value) -> str:
    """Sorted keys, no spaces: equal values always give the same text, and so the same digest."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class JSONText(str):
    """JSON already serialized: JSONTextField writes it as it is, and its digest is of this text."""


def json_digest(value) -> str:
    """SHA-256 of the canonical JSON of a value (of the text itself for JSONText)."""
    text = value if isinstance(value, JSONText) else canonical_json(value)
    return hashlib.sha256(text.encode()).hexdigest()


class JSONTextField(models.JSONField):
    """JSON kept as written: PostgreSQL `json`, not `jsonb`. A draw's inputs (100k rows) are only
    ever read whole; jsonb would re-parse every number on each write (~50 ms) for lookups nothing
    makes. On PostgreSQL written in canonical form; on SQLite it is the plain JSONField."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, JSONText):
            return str(value)
        if connection.vendor == "postgresql":
            return canonical_json(value)  # a plain string parameter, which PostgreSQL takes as json
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value, expression, connection):
        # psycopg decodes `json` columns itself; SQLite hands over the text.
        if isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value


class InspectorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Inspector(models.Model):
    """A member of the inspector pool for random spot checks."""

    name = models.CharField(_("姓名"), max_length=50)
    city = models.ForeignKey(
        "skilleval.Region", verbose_name=_("所在设区市"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("所在单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    field = models.CharField(_("专业领域"), max_length=100, blank=True)
    active = models.BooleanField(_("在库"), default=True)

    objects = InspectorQuerySet.as_manager()

    class Meta:
        ordering = ["city_id", "name"]
        verbose_name = _("检查人员")
        verbose_name_plural = _("检查人员")

    def __str__(self):
        return f"{self.name}（{self.city}）"


class SpotCheckQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        if user.role == Role.CITY_STAFF:
            return Q(entities__institution__city_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return Q(entities__institution__county_id=user.county_id)
        if user.role in INSTITUTION_ROLES:
            return Q(entities__institution_id=user.institution_id)
        return None

    def visible_to(self, user):
        # The scope joins the entities, one row each: every draw once, by id rather than by
        # DISTINCT, which json columns (inputs, also of a select_related draw) cannot take.
        return self.filter(pk__in=super().visible_to(user).values("pk"))

    def open(self):
        """Draws still in force (not replaced by a redraw) and not yet published."""
        return self.filter(replaced_by__isnull=True, published_at__isnull=True)

    def awaiting_findings(self):
        """Open draws with an entity still without its finding."""
        return self.open().filter(entities__finding__isnull=True).distinct()

    def ready_to_publish(self):
        """Open draws whose every entity has its finding."""
        return self.open().exclude(entities__finding__isnull=True).distinct()


class SpotCheckManager(models.Manager.from_queryset(SpotCheckQuerySet)):
    def get_queryset(self):
        # The inputs are megabytes at 100k batches, read only to reproduce or describe one draw.
        return super().get_queryset().defer("inputs")


class SpotCheck(models.Model):
    """One random draw (双随机): its population, ratio and seed are recorded so anyone can repeat it.
    A redraw is a new draw that names the one it replaces; nothing is redrawn silently."""

    population = models.CharField(_("抽查对象"), max_length=20, choices=Population.choices)
    filters = models.JSONField(_("范围条件"), default=dict, blank=True)
    # Everything the draw used: population with weights, inspector pool. With the seed, it
    # reproduces the draw exactly (audits/draws.py).
    inputs = JSONTextField(_("抽取输入"), default=dict)
    # The audit log keeps this digest of the inputs instead of the inputs themselves; empty for
    # draws recorded before it, whose log entry holds the inputs.
    inputs_sha256 = models.CharField(_("抽取输入摘要"), max_length=64, blank=True, editable=False)
    ratio = models.DecimalField(_("抽查比例"), max_digits=5, decimal_places=4)
    seed = models.CharField(_("随机种子"), max_length=64)
    population_size = models.PositiveIntegerField(_("总体数量"))
    sample_size = models.PositiveIntegerField(_("抽取数量"))
    inspectors_per_entity = models.PositiveSmallIntegerField(_("每对象检查人员数"), default=2)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替代的抽查"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    redraw_reason = models.CharField(_("重新抽取原因"), max_length=300, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    objects = SpotCheckManager()
    # The change log records these by their digest column (skilleval/changelog/signals.py).
    logged_by_digest = ("inputs",)

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = _("双随机抽查")
        verbose_name_plural = _("双随机抽查")
        constraints = [
            models.CheckConstraint(
                condition=Q(ratio__gt=0, ratio__lte=1), name="spot_check_ratio_0_to_1"
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(redraw_reason=""),
                name="spot_check_redraw_has_reason",
            ),
        ]

    def __str__(self):
        return gettext("抽查 #%(pk)s %(population)s %(drawn_on)s") % {
            "pk": self.pk,
            "population": self.get_population_display(),
            "drawn_on": f"{self.drawn_at:%Y-%m-%d}",
        }

    def save(self, *args, **kwargs):
        if self._state.adding and not self.inputs_sha256:
            self.inputs_sha256 = json_digest(self.inputs)
        super().save(*args, **kwargs)

    def inputs_intact(self) -> bool | None:
        """Whether the stored inputs are those whose digest the audit log holds; None for a draw
        recorded before digests (its log entry holds the inputs themselves)."""
        return json_digest(self.inputs) == self.inputs_sha256 if self.inputs_sha256 else None


class SpotCheckEntity(models.Model):
    """An institution or batch drawn for inspection, with its draw weight and position."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.PROTECT, related_name="entities")
    position = models.PositiveIntegerField()
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "institutions.Batch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weight = models.DecimalField(max_digits=8, decimal_places=3)
    inspectors = models.ManyToManyField(Inspector, related_name="assignments")

    class Meta:
        ordering = ["spot_check", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["spot_check", "position"], name="spot_check_entity_position"
            )
        ]

    def __str__(self):
        return str(self.batch or self.institution)


class Finding(models.Model):
    """What the inspectors found at one drawn entity, and the action taken (published: 一公开)."""

    entity = models.OneToOneField(SpotCheckEntity, on_delete=models.PROTECT, related_name="finding")
    outcome = models.CharField(_("检查结果"), max_length=20, choices=FindingOutcome.choices)
    detail = models.TextField(_("情况说明"))
    action_taken = models.CharField(_("处理措施"), max_length=300, blank=True)
    institution_response = models.TextField(_("机构回应"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")

    def __str__(self):
        return f"{self.entity} {self.get_outcome_display()}"


# --- sanctions and notices (54号 五) -------------------------------------------------------------


class CreditFlag(models.Model):
    """A credit-check flag on an institution (启动信用核查联动机制, 54号 五)."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="credit_flags"
    )
    reason = models.CharField(_("原因"), max_length=500)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("信用核查标记")
        verbose_name_plural = _("信用核查标记")

    def __str__(self):
        return f"{self.institution}: {self.reason}"

    @classmethod
    def raise_on(cls, institution, *, reason: str, user) -> "CreditFlag":
        """启动信用核查联动机制 (54号 五): raised by the province's auditors and admins."""
        if not user.sees_everything:
            raise Forbidden(gettext("只有省级督查员和管理员可以标记信用核查"))
        return cls.objects.create(institution=institution, reason=reason, raised_by=user)


class Notice(models.Model):
    """A province-wide notice (全省通报) shown on the public pages."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("通报")
        verbose_name_plural = _("通报")

    def __str__(self):
        return self.title


# --- complaints (举报) ----------------------------------------------------------------------------


def new_complaint_reference() -> str:
    # Unguessable: the reference alone lets the public follow the complaint's status.
    return "JB" + timezone.localdate().strftime("%Y%m%d") + secrets.token_hex(4).upper()


class ComplaintQuerySet(ScopedQuerySet):
    def published(self):
        """The outcomes made public (实施意见 二十五), newest first."""
        return self.filter(published_at__isnull=False).order_by("-published_at", "-pk")

    def scope_for(self, user):
        # Institutions never see complaints about them: the complainant must stay protected.
        if user.role == Role.CITY_STAFF:
            return Q(city_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return Q(institution__county_id=user.county_id)
        return None


class Complaint(models.Model):
    """A complaint (举报) from the public against an institution, batch, competition or certificate,
    handled through assigned → investigating → concluded."""

    reference = models.CharField(
        _("受理编号"), max_length=24, unique=True, default=new_complaint_reference
    )
    target_type = models.CharField(
        _("举报对象类型"), max_length=20, choices=ComplaintTarget.choices
    )
    target_description = models.CharField(_("举报对象"), max_length=200)
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    batch = models.ForeignKey(
        "institutions.Batch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    competition = models.ForeignKey(
        "competitions.Competition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    city = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("所属设区市"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content = models.TextField(_("举报内容"))
    contact = models.CharField(_("联系方式（选填）"), max_length=100, blank=True)
    attachment = models.FileField(_("附件"), upload_to="complaints/%Y/%m/", blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("办理结果"), blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    # 处理结果及时向社会公开 (实施意见 二十五): what the public reads is a summary the handler
    # writes for it, never the complainant's content, contact or attachment.
    public_summary = models.TextField(_("公开的处理结果摘要"), blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公开人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ComplaintStatus.CONCLUDED)
                | (~Q(outcome="") & Q(concluded_at__isnull=False)),
                name="complaint_conclusion_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | (
                    Q(status=ComplaintStatus.CONCLUDED)
                    & ~Q(public_summary="")
                    & Q(published_by__isnull=False)
                ),
                name="complaint_published_after_conclusion",
                violation_error_message=_(
                    "处理结果办结后才能公开，并须有公开摘要和公开人（实施意见 二十五）"
                ),
            ),
        ]

    def __str__(self):
        return self.reference

    FLOW = {
        ComplaintStatus.RECEIVED: ComplaintStatus.ASSIGNED,
        ComplaintStatus.ASSIGNED: ComplaintStatus.INVESTIGATING,
        ComplaintStatus.INVESTIGATING: ComplaintStatus.CONCLUDED,
    }

    def advance(self, *, user, assignee=None, outcome: str = "") -> None:
        """Move to the next step; assigning names a handler, concluding records the outcome."""
        if not (
            user.sees_everything or (user.role == Role.CITY_STAFF and user.city_id == self.city_id)
        ):
            raise PermissionDenied(gettext("无权办理该举报"))
        target = self.FLOW.get(self.status)
        if target is None:
            raise ValidationError(gettext("举报已办结"))
        fields = {"status": target}
        if target == ComplaintStatus.ASSIGNED:
            if assignee is None:
                raise ValidationError(gettext("请指定承办人"))
            fields["assigned_to"] = assignee
        if target == ComplaintStatus.CONCLUDED:
            if not outcome.strip():
                raise ValidationError(gettext("请填写办理结果"))
            fields.update(outcome=outcome.strip(), concluded_at=timezone.now())
        if not audited_update(self, {"status": self.status}, **fields):
            raise ValidationError(gettext("举报状态已变化，请刷新"))

    @staticmethod
    def may_publish(user, complaint) -> bool:
        """Province staff, and the city staff of the complaint's city (who handled it)."""
        return user.sees_everything or (
            user.role == Role.CITY_STAFF and user.city_id == complaint.city_id
        )

    def publish(self, *, user, summary: str) -> None:
        """处理结果及时向社会公开 (实施意见 二十五): publish the concluded outcome in a summary the
        handler writes for the public; refused before conclusion, a second time, and when the
        summary carries an ID or phone number."""
        if not self.may_publish(user, self):
            raise Forbidden(gettext("只有省级人社部门和举报所属设区市人社局可以公开处理结果"))
        if self.published_at is not None:
            raise ValidationError(
                gettext("处理结果已于 %(date)s 公开")
                % {"date": f"{timezone.localtime(self.published_at):%Y-%m-%d}"}
            )
        summary = (summary or "").strip()
        require(
            ComplaintOutcomePublishable.id,
            {"concluded": self.status == ComplaintStatus.CONCLUDED, "summary": summary},
        )
        fields = {"public_summary": summary, "published_at": timezone.now(), "published_by": user}
        if not audited_update(
            self, {"status": ComplaintStatus.CONCLUDED, "published_at__isnull": True}, **fields
        ):
            raise ValidationError(gettext("举报状态已变化，请刷新"))
