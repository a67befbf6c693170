"""The twice-yearly quality review (54号 五: 高质量实施一年两次技能人才评价质量专项评估).

A review is a kept report: one row per institution with the indicators of the half-year, the
flags they raised and the evidence behind the batch flags. Running the same half-year again adds a
new version; no review is ever replaced or edited (audits/reviews.py computes them).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.models import Institution
from skilleval.choices import INSTITUTION_ROLES, Role
from skilleval.querysets import ScopedQuerySet


class Half(models.IntegerChoices):
    FIRST = 1, _("上半年")
    SECOND = 2, _("下半年")


class ReviewFlag(models.TextChoices):
    """What a review row can be flagged for; each code names the indicator that raised it."""

    OUT_OF_SCOPE = "out_of_scope", _("超出备案范围发证")
    OUTSIDE_VALIDITY = "outside_validity", _("备案有效期外发证")
    RUSH_ISSUANCE = "rush_issuance", _("突击发证")
    PASS_RATE = "pass_rate", _("合格率异常偏高")
    ELIGIBILITY_OVERRIDES = "eligibility_overrides", _("人工认定报名资格")
    COMPLAINTS = "complaints", _("收到举报")
    LATE_PUBLICITY = "late_publicity", _("成绩公示不及时")


class QualityReviewQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        # Every staff role sees the list of reviews; which rows it sees is ReviewRow's scope.
        if user.role in (Role.CITY_STAFF, Role.COUNTY_STAFF, *INSTITUTION_ROLES):
            return Q()
        return None

    def latest_of(self, year: int, half: int):
        return self.filter(year=year, half=half).order_by("-version").first()


class QualityReview(models.Model):
    """One run of the half-year quality review (54号 五). Re-running a half-year adds version 2, 3 …;
    the latest version of a half-year is the one in force, the earlier ones are kept."""

    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.PositiveSmallIntegerField(_("半年"), choices=Half.choices)
    version = models.PositiveSmallIntegerField(_("版本"))
    period_start = models.DateField(_("评估期自"))
    period_end = models.DateField(_("评估期至"))
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    # Empty when the beat schedule ran it (the system actor).
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The latest review of the previous half-year when this one was generated: the page's deltas.
    compared_with = models.ForeignKey(
        "self",
        verbose_name=_("对比的上期评估"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Sums per indicator, flag counts, thresholds in force and the run time.
    totals = models.JSONField(_("汇总"), default=dict)

    objects = QualityReviewQuerySet.as_manager()

    class Meta:
        app_label = "audits"
        ordering = ["-year", "-half", "-version"]
        verbose_name = _("质量专项评估")
        verbose_name_plural = _("质量专项评估")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "half", "version"],
                name="quality_review_one_version_number",
                violation_error_message=_("该半年度已有此版本"),
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="quality_review_half_1_or_2"),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="quality_review_version_from_1"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="quality_review_period_in_order",
            ),
        ]

    def __str__(self):
        return _("%(period)s质量专项评估 第%(version)s版") % {
            "period": self.label,
            "version": self.version,
        }

    @property
    def label(self) -> str:
        return _("%(year)s年%(half)s") % {"year": self.year, "half": self.get_half_display()}


class ReviewRowQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        # The institution's scope, seen from the row: city staff their city, institutions their own.
        condition = Institution.objects.all().scope_for(user)
        if condition is None:
            return None
        return Q(institution__in=Institution.objects.filter(condition))


class ReviewRow(models.Model):
    """One institution's indicators in one quality review, with the flags they raised."""

    review = models.ForeignKey(QualityReview, on_delete=models.CASCADE, related_name="rows")
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("评价机构"),
        on_delete=models.PROTECT,
        related_name="review_rows",
    )
    certificates_issued = models.PositiveIntegerField(_("发证数"), default=0)
    out_of_scope = models.PositiveIntegerField(_("超范围发证"), default=0)
    outside_validity = models.PositiveIntegerField(_("有效期外发证"), default=0)
    rush_issued = models.PositiveIntegerField(_("截止前15日发证"), default=0)
    rush_share = models.DecimalField(
        _("截止前15日发证占比（%）"), max_digits=5, decimal_places=1, default=0
    )
    batches = models.PositiveIntegerField(_("评价批次"), default=0)
    pass_rate_anomalies = models.PositiveIntegerField(_("合格率异常批次"), default=0)
    eligibility_overrides = models.PositiveIntegerField(_("人工认定资格人数"), default=0)
    complaints = models.PositiveIntegerField(_("举报"), default=0)
    late_publicity = models.PositiveIntegerField(_("公示不及时批次"), default=0)
    flags = models.JSONField(_("问题标记"), default=list)
    flag_count = models.PositiveSmallIntegerField(_("标记数"), default=0)
    # The batches behind the batch flags as they were at review time (pass rate and norm,
    # publicity delay), so the drill-down shows what the review saw.
    evidence = models.JSONField(_("依据"), default=dict)

    objects = ReviewRowQuerySet.as_manager()

    class Meta:
        app_label = "audits"
        ordering = ["-flag_count", "institution_id"]
        verbose_name = _("质量专项评估机构指标")
        verbose_name_plural = _("质量专项评估机构指标")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "institution"], name="review_row_one_per_institution"
            ),
        ]
        indexes = [models.Index(fields=["review", "flag_count"], name="review_row_flag_count")]

    def __str__(self):
        return f"{self.review} · {self.institution_id}"

    @property
    def flag_labels(self) -> list[str]:
        return [ReviewFlag(code).label for code in self.flags if code in ReviewFlag.values]
