"""A competition's filings (54号 二, 附件1) and the recognitions proposed from its results
(实施意见 十五)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from competitions.choices import (
    CompetitionFilingStatus,
    FilingLevel,
    FilingReason,
    RecognitionStatus,
)
from competitions.models.competitions import Competition
from competitions.models.contestants import Contestant
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import Level, Role
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.competitions import DirectRecognition


class CompetitionFilingQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        """The filings of the competitions the user may see: the organiser's own, a city's or
        county's competitions, everything for the province."""
        return Competition.objects.all().scope_through("competition", user)

    def waiting_for(self, user):
        """Submitted filings on this user's desk (CompetitionFiling.may_be_decided_by): the
        province decides the provincial and cross-city ones, a city its own; a county gives its
        opinion on competitions held in it."""
        waiting = self.filter(status=CompetitionFilingStatus.SUBMITTED)
        if user.is_province_admin:
            return waiting.exclude(level=FilingLevel.CITY)
        if user.role == Role.CITY_STAFF:
            return waiting.filter(level=FilingLevel.CITY, authority_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return waiting.filter(competition__host_region_id=user.county_id, county_opinion="")
        return waiting.none()


class CompetitionFiling(models.Model):
    """A filing with the HR department one level up (54号 二, 附件1), with the opinions recorded."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="filings")
    reason = models.CharField(_("备案事由"), max_length=20, choices=FilingReason.choices)
    level = models.CharField(_("备案层级"), max_length=10, choices=FilingLevel.choices)
    authority = models.ForeignKey(
        "skilleval.Region", verbose_name=_("备案机关"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CompetitionFilingStatus.choices,
        default=CompetitionFilingStatus.SUBMITTED,
    )
    county_opinion = models.CharField(_("区（县）人社局意见"), max_length=500, blank=True)
    city_opinion = models.CharField(_("设区市人社局意见"), max_length=500, blank=True)
    province_opinion = models.CharField(_("省人社厅意见"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = CompetitionFilingQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("竞赛备案")
        verbose_name_plural = _("竞赛备案")

    def __str__(self):
        return f"{self.competition} {self.get_reason_display()}"

    def may_be_decided_by(self, user) -> bool:
        if self.level == FilingLevel.CITY:
            return user.is_province_admin or (
                user.role == Role.CITY_STAFF and user.city_id == self.authority_id
            )
        return user.is_province_admin

    def opinion_field(self, user) -> str | None:
        """The line of the 附件1 form the user's level writes: county, city or province."""
        if user.is_province_admin:
            return "province_opinion"
        return {Role.COUNTY_STAFF: "county_opinion", Role.CITY_STAFF: "city_opinion"}.get(user.role)

    def record_opinion(self, *, user, opinion: str) -> None:
        """County, city and province each write their opinion on the 附件1 form."""
        field = self.opinion_field(user)
        if field is None:
            raise Forbidden(gettext("无权填写意见"))
        setattr(self, field, opinion.strip()[:500])
        self.save(update_fields=[field])

    def decide(self, *, user, approve: bool, opinion: str = "") -> None:
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该备案不由您审核"))
        with transaction.atomic():
            if opinion:
                self.record_opinion(user=user, opinion=opinion)
            moved = audited_update(
                self,
                {"status": CompetitionFilingStatus.SUBMITTED},
                status=CompetitionFilingStatus.APPROVED
                if approve
                else CompetitionFilingStatus.REJECTED,
                decided_by=user,
                decided_at=timezone.now(),
            )
            if not moved:
                raise ValidationError(gettext("该备案已审核"))


class RecognitionQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        """The recognitions of the contestants of the competitions the user may see."""
        return Competition.objects.all().scope_through("contestant__competition", user)


class Recognition(models.Model):
    """A level recognised directly from a competition result (实施意见 十五)."""

    contestant = models.OneToOneField(
        Contestant, on_delete=models.CASCADE, related_name="recognition"
    )
    level = models.PositiveSmallIntegerField(
        _("认定等级"), choices=Level.choices, null=True, blank=True
    )
    decided_by = models.CharField(_("认定部门"), max_length=20)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RecognitionStatus.choices,
        default=RecognitionStatus.PROPOSED,
    )
    reason = models.CharField(_("说明"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecognitionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("竞赛直接认定")
        verbose_name_plural = _("竞赛直接认定")

    def __str__(self):
        return f"{self.contestant} → {self.level}"

    @classmethod
    def propose_for(
        cls, competition: Competition, *, on: date | None = None
    ) -> list["Recognition"]:
        """Propose a recognition for every ranked, eligible contestant. A competition that lacks a
        required filing earns none (54号 二); a recognised level must be a promotion over the
        contestant's current level (54号 一). Asked as of the competition's last day, when its
        results exist (实施意见 十五), unless `on` says otherwise."""
        if not competition.incentives_eligible:
            raise ValidationError(
                gettext(
                    "该竞赛应当备案而未备案，不得享受竞赛支持激励政策，获奖选手不予直接认定（苏人社办函〔2022〕54号 二）"
                )
            )
        proposals = []
        for contestant in competition.contestants.filter(eligible=True, rank__isnull=False):
            decision = rules.evaluate(
                DirectRecognition.id,
                {
                    "competition_kind": competition.kind,
                    "competition_class": competition.competition_class,
                    "rank": contestant.rank,
                },
                on or competition.ends_on,
            )
            if decision.not_in_force:
                # No direct recognition before 实施意见 十五: nothing to propose on that day.
                raise ValidationError(decision.text)
            level, reason = decision.result["level"], decision.zh
            if level and contestant.current_level and contestant.current_level <= level:
                level, reason = (
                    None,
                    f"现有等级已不低于{Level(decision.result['level']).label}，不构成晋升（54号 一）",
                )
            recognition, _ = cls.objects.update_or_create(
                contestant=contestant,
                defaults={
                    "level": level,
                    "decided_by": decision.result["decided_by"],
                    "reason": reason[:500],
                },
            )
            proposals.append(recognition)
        return proposals
