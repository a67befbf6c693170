"""Contestants (54号 一): the person and the ID number's encrypted, hashed and masked forms
(IdentifiedPerson, shared with honours), and who may compete where."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from competitions.choices import ContestantGroup
from competitions.models.competitions import Competition, Event, region_within
from institutions.choices import IdType
from skilleval import rules
from skilleval.choices import Level
from skilleval.imports import Bad, check_id_document, normalise_id_number
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.competitions import ContestantEligible


def check_id_number(id_type: str, raw: str) -> tuple[str, tuple[str, str] | None]:
    """The ID number normalised, and (zh, en) of what is wrong with it, or None — the roster's
    check (skilleval.imports.check_id_document), for the form, the API and the spreadsheet."""
    number = normalise_id_number(raw)
    try:
        check_id_document(
            number,
            passport=id_type == IdType.PASSPORT,
            permit=id_type == IdType.HMT_RESIDENCE_PERMIT,
            today=timezone.localdate(),
        )
    except Bad as problem:
        return number, (problem.zh, problem.en)
    return number, None


class ContestantQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        return Competition.objects.all().scope_through("competition", user)


class IdentifiedPerson(models.Model):
    """A person named with an ID number kept as personal_data.identity_fields() stores it:
    encrypted, by keyed hash, and masked for display — never in plain (contestants, honours)."""

    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number_encrypted = models.TextField()
    id_number_hash = models.CharField(max_length=64, db_index=True)
    id_number_masked = models.CharField(_("证件号码"), max_length=40)

    class Meta:
        abstract = True


class Contestant(IdentifiedPerson):
    """A contestant with the basis of their eligibility (54号 一) and whether they count as
    out-of-area (their basis region is outside the host region)."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="contestants"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="contestants")
    group = models.CharField(_("组别"), max_length=10, choices=ContestantGroup.choices)
    pension_region = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("养老保险参保地（省内）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pension_months = models.PositiveSmallIntegerField(
        _("省内参保月数"),
        default=0,
        help_text=_("在江苏省参加基本养老保险的月数（54号 一：一年以上即满 12 个月）"),
    )
    hukou_region = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("户籍地（省内）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    school_name = models.CharField(_("就读院校"), max_length=100, blank=True)
    school_region = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("院校所在地（省内）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    current_level = models.PositiveSmallIntegerField(
        _("现有等级"), choices=Level.choices, null=True, blank=True
    )
    work_years = models.DecimalField(
        _("从业年限"), max_digits=4, decimal_places=1, default=Decimal(0)
    )
    eligible = models.BooleanField(_("符合参赛资格"), default=False)
    basis = models.CharField(_("资格依据"), max_length=10, blank=True)
    basis_region = models.ForeignKey(
        "skilleval.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    out_of_area = models.BooleanField(_("异地选手"), default=False)
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContestantQuerySet.as_manager()

    class Meta:
        ordering = ["competition", "event", "rank", "pk"]
        verbose_name = _("参赛选手")
        verbose_name_plural = _("参赛选手")
        constraints = [
            models.CheckConstraint(
                condition=Q(pension_months__gte=0, pension_months__lte=1200),
                name="contestant_pension_months_in_range",
                violation_error_message=_("省内参保月数应为 0–1200（苏人社办函〔2022〕54号 一）"),
            ),
            models.UniqueConstraint(
                fields=["event", "id_number_hash"], name="contestant_once_per_event"
            ),
            models.UniqueConstraint(
                fields=["event", "rank"],
                name="contestant_rank_unique_in_event",
                condition=Q(rank__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.id_number_masked}"

    def save(self, *args, **kwargs):
        self.assess()
        super().save(*args, **kwargs)

    def assess(self):
        """Decide eligibility (54号 一) and out-of-area status from the contestant's facts."""
        decision = rules.evaluate(
            ContestantEligible.id,
            {
                "group": self.group,
                "pension_months_in_province": self.pension_months if self.pension_region_id else 0,
                "hukou_in_province": self.hukou_region_id is not None,
                "enrolled_in_province_school": self.school_region_id is not None,
            },
            self.competition.rules_date,
        )
        if decision.not_in_force:
            # Before 54号 一 no ground was required: eligible, on no basis, hence not out of area.
            self.eligible, self.basis, self.basis_region, self.out_of_area = True, "", None, False
            return decision
        self.eligible = decision.result["eligible"]
        self.basis = decision.result["basis"] or ""
        self.basis_region = {
            "pension": self.pension_region,
            "hukou": self.hukou_region,
            "school": self.school_region,
        }.get(self.basis)
        self.out_of_area = self.eligible and not region_within(
            self.basis_region, self.competition.host_region
        )
        return decision
