from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.choices import CertificateKind
from certificates.models import Certificate
from certificates.numbering import SEQUENCE_WIDTH, allocate, prefix_for
from competitions.choices import (
    TOP_HONOURS,
    CompetitionFilingStatus,
    CompetitionKind,
    ContestantGroup,
    FilingLevel,
    FilingReason,
    HonourKind,
    HonourStatus,
    RecognitionStatus,
    Span,
)
from institutions.choices import CatalogStatus, FilingStatus, IdType, InstitutionKind
from institutions.models import Institution
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.changelog.signals import audited_update
from skilleval.choices import Level, Role
from skilleval.imports import Bad, check_id_document, normalise_id_number
from skilleval.models import Region
from skilleval.models.regions import PROVINCE_CODE
from skilleval.personal_data import identity_fields
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.competitions import (
    CertificateIssuer,
    ContestantEligible,
    CrossRegionFiling,
    DirectRecognition,
    FeesAllowed,
    HonourRecognition,
    OutOfAreaFiling,
)
from skilleval.rules.engine import in_reader_language
from skilleval.rules.occupations import OccupationEvaluable


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


def region_within(region, host) -> bool:
    """Is `region` (a Jiangsu region, or None for outside Jiangsu) inside the host region?"""
    if region is None:
        return False
    if host.code == PROVINCE_CODE:
        return True
    return region.code == host.code or region.parent_id == host.code


def certificates_of(competition):
    """The competition certificates issued for this competition (its serial sits in the number:
    2 letters, 32, city, year, then the five-digit serial)."""
    return Certificate.objects.filter(
        kind=CertificateKind.COMPETITION,
        number__regex=rf"^[A-Z]{{2}}32[0-9]{{4}}{competition.pk:05d}[0-9]{{4}}$",
    )


class CompetitionQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        if user.role == Role.COMPETITION_ORGANISER:
            return Q(created_by=user)
        if user.role == Role.CITY_STAFF:
            return (
                Q(host_region_id=user.city_id)
                | Q(host_region__parent_id=user.city_id)
                | Q(regions_involved=user.city_id)
            )
        if user.role == Role.COUNTY_STAFF:
            return Q(host_region_id=user.county_id) | Q(regions_involved=user.county_id)
        return None

    def visible_to(self, user):
        return super().visible_to(user).distinct()


class Competition(models.Model):
    """A vocational skill competition (职业技能竞赛): its organiser, level and class, host region,
    the regions involved, its events, and no fees (54号 二)."""

    name = models.CharField(_("竞赛名称"), max_length=200)
    organiser_name = models.CharField(_("主办单位"), max_length=200)
    kind = models.CharField(_("竞赛级别"), max_length=12, choices=CompetitionKind.choices)
    competition_class = models.PositiveSmallIntegerField(
        _("类别"), null=True, blank=True, choices=[(1, _("一类赛")), (2, _("二类赛"))]
    )
    host_region = models.ForeignKey(
        "skilleval.Region", verbose_name=_("举办地"), on_delete=models.PROTECT, related_name="+"
    )
    regions_involved = models.ManyToManyField(
        "skilleval.Region", verbose_name=_("涉及参赛地区"), related_name="+", blank=True
    )
    other_provinces = models.CharField(
        _("涉及的其他省份"), max_length=200, blank=True, help_text=_("逗号分隔；无则留空")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    conditions = models.TextField(_("参赛条件"), blank=True)
    contact_phone = models.CharField(_("报名电话"), max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CompetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("职业技能竞赛")
        verbose_name_plural = _("职业技能竞赛")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="competition_dates_in_order"
            ),
        ]

    def __str__(self):
        return self.name

    # --- fees (54号 二: none, of any name) ---------------------------------------------------

    def fee_list(self) -> list[dict]:
        """The competition's fees as the rule competition.fees_allowed reads them."""
        return [{"name": fee.name, "amount": fee.amount} for fee in self.fees.all()]

    def set_fee(self, name: str, amount: Decimal, *, user=None) -> "CompetitionFee":
        """Record a fee item the competition lists (its amount can only be 0: any fee of any name
        is refused by the rule, naming it, and by the database). `user` None: the API serializer,
        whose permission already checked the organiser."""
        if user is not None:
            self.require_organiser(user)
        fee = CompetitionFee(competition=self, name=(name or "").strip(), amount=amount)
        # The rule names the fee and cites 54号 二; the database check stands behind it.
        fee.full_clean(validate_unique=False, validate_constraints=False)
        with transaction.atomic():
            Competition.objects.select_for_update().filter(pk=self.pk).first()
            fee, _created = CompetitionFee.objects.update_or_create(
                competition=self, name=fee.name, defaults={"amount": fee.amount}
            )
        return fee

    def set_fees(self, fees: list[dict]) -> None:
        """Replace the fee list at once (the API): all refused together, naming each fee."""
        rules.require(FeesAllowed.id, {"fees": fees})
        with transaction.atomic():
            self.fees.all().delete()
            for fee in fees:
                self.set_fee(fee["name"], fee["amount"])

    # --- filings (54号 二) -------------------------------------------------------------------

    @property
    def span(self) -> str:
        """How far beyond its host region the competition reaches (54号 二). Regions inside the host
        region do not count: a city's competition for its own districts is not cross-region, and
        maps to the rule's "within_county" (no filing)."""
        if self.other_provinces.strip():
            return Span.ACROSS_PROVINCES
        host = self.host_region
        outside = [r for r in self.regions_involved.all() if not region_within(r, host)]
        if not outside:
            return Span.WITHIN_COUNTY
        if host.kind == "county" and all(
            (r.parent_id if r.kind == "county" else r.code) == host.parent_id for r in outside
        ):
            return Span.ACROSS_COUNTIES
        return Span.ACROSS_CITIES

    @property
    def rules_date(self) -> date:
        """The day whose notices govern how the competition is organised: its first day. A
        competition held in 2021 owes no filing that 54号 (in force 2022-05-01) introduced, however
        late its record is looked at; one held after it owes them even if recorded early."""
        return self.starts_on

    def out_of_area_decision(self):
        contestants = self.contestants.filter(eligible=True)
        return rules.evaluate(
            OutOfAreaFiling.id,
            {
                "contestants_total": contestants.count(),
                "contestants_out_of_area": contestants.filter(out_of_area=True).count(),
            },
            self.rules_date,
        )

    def cross_region_decision(self):
        return rules.evaluate(CrossRegionFiling.id, {"span": self.span}, self.rules_date)

    def required_filings(self) -> list[tuple[str, str]]:
        """(reason, level) of every filing this competition needs now."""
        needed = []
        for reason, decision in (
            (FilingReason.CROSS_REGION, self.cross_region_decision()),
            (FilingReason.OUT_OF_AREA, self.out_of_area_decision()),
        ):
            # A filing 54号 二 requires is owed only while 54号 二 is in force.
            if decision.not_in_force:
                continue
            if decision.result["required_filing"] != "none":
                needed.append((reason, decision.result["required_filing"]))
        return needed

    def missing_filings(self) -> list[tuple[str, str]]:
        approved = set(
            self.filings.filter(status=CompetitionFilingStatus.APPROVED).values_list(
                "reason", "level"
            )
        )
        return [need for need in self.required_filings() if not self._covered(need, approved)]

    @staticmethod
    def _covered(need, approved) -> bool:
        # A filing approved at a higher level covers a lower one (the province covers the city).
        order = {"city": 1, "province": 2, "co_signed": 3}
        reason, level = need
        return any(r == reason and order[lv] >= order[level] for r, lv in approved)

    @property
    def incentives_eligible(self) -> bool:
        """54号 二: a competition that needed a filing and has none gets no support or incentive
        policy, so its results earn no direct recognition."""
        return not self.missing_filings()

    def is_organised_by(self, user) -> bool:
        """The organiser who created the competition edits it, registers its contestants and
        files it (54号 二)."""
        return user.role == Role.COMPETITION_ORGANISER and self.created_by_id == user.pk

    def require_organiser(self, user, message=None):
        if not self.is_organised_by(user):
            raise Forbidden(message or gettext("只有主办单位可以修改"))

    def file(self, reason: str, *, user) -> "CompetitionFiling":
        """Submit the filing a rule requires. Cross-region filings are made in advance (提前报备)."""
        self.require_organiser(user, gettext("只有主办单位可以报备"))
        level = dict(self.required_filings()).get(reason)
        if level is None:
            raise ValidationError(gettext("该竞赛目前无需此项备案"))
        if reason == FilingReason.CROSS_REGION and timezone.localdate() >= self.starts_on:
            raise ValidationError(
                gettext("跨区域办赛应在比赛开始前报备，已开赛不予受理（苏人社办函〔2022〕54号 二）")
            )
        if self.filings.filter(reason=reason, status=CompetitionFilingStatus.SUBMITTED).exists():
            raise ValidationError(gettext("已有待审核的备案"))
        authority = (
            self.host_region.city if level == FilingLevel.CITY and self.host_region.city else None
        )
        return CompetitionFiling.objects.create(
            competition=self,
            reason=reason,
            level=level,
            authority=authority or Region.objects.get(code=PROVINCE_CODE),
            submitted_by=user,
        )

    # --- certificates (54号 四) --------------------------------------------------------------

    def refuse_results_before_the_end(self, on: date | None = None) -> None:
        """Ranks, recognitions and certificates come from a competition that has taken place:
        not before its last day."""
        on = on or timezone.localdate()
        if on < self.ends_on:
            raise ValidationError(
                gettext("竞赛于 %(ends_on)s 结束，结束后方可录入成绩、提出认定和核发证书")
                % {"ends_on": self.ends_on}
            )

    # What decides which filings and which issuer a competition needs; frozen once a filing, a
    # delegation, a recognition or a certificate rests on it.
    BASIS_FIELDS = (
        "kind",
        "competition_class",
        "host_region",
        "regions_involved",
        "other_provinces",
    )

    def is_basis_frozen(self) -> bool:
        return (
            self.filings.exists()
            or CertificateDelegation.objects.filter(competition=self).exists()
            or Recognition.objects.filter(contestant__competition=self).exists()
            or certificates_of(self).exists()
        )

    def refuse_basis_change(self, changed: set[str]) -> None:
        frozen = changed & set(self.BASIS_FIELDS)
        if frozen and self.is_basis_frozen():
            raise ValidationError(
                gettext(
                    "已有备案、委托、认定或证书依据本竞赛的级别、类别和举办地区，不能再修改（苏人社办函〔2022〕54号 二、四）"
                )
            )

    @property
    def delegation(self) -> "CertificateDelegation | None":
        return CertificateDelegation.objects.filter(competition=self).first()

    def certificate_issuer_decision(self):
        if self.kind not in (CompetitionKind.CITY, CompetitionKind.COUNTY):
            return None
        delegation = self.delegation
        return rules.evaluate(
            CertificateIssuer.id,
            {
                "competition_level": self.kind,
                "competition_class": self.competition_class,
                # 54号 四: delegation and the organiser's authority are the city's recorded
                # decision, never the organiser's own say.
                "delegated_to_organiser": delegation is not None,
                "organiser_has_authority": delegation is not None
                and delegation.institution_has_authority(),
            },
            self.rules_date,
        )

    def may_delegate_certificates(self, user) -> bool:
        """The host city's HR staff (or the province) decide whether a city class-2 competition's
        certificates are issued by the organiser (54号 四)."""
        city = self.host_region.city
        return user.is_province_admin or (
            user.role == Role.CITY_STAFF and city is not None and user.city_id == city.code
        )

    def remove_event(self, event) -> None:
        """An event goes only while nobody is entered in it (the organiser's page checks who)."""
        if event.contestants.exists():
            raise ValidationError(gettext("该赛项已有选手，不能删除"))
        event.delete()

    def remove_contestant(self, contestant) -> None:
        """A contestant goes only before a direct recognition rests on their result."""
        if Recognition.objects.filter(contestant=contestant).exists():
            raise ValidationError(gettext("该选手已有直接认定记录，不能删除"))
        contestant.delete()

    def delegate_certificates(self, institution, *, user, note: str) -> "CertificateDelegation":
        if not self.may_delegate_certificates(user):
            raise Forbidden(gettext("证书核发委托由举办地设区市人社局或省人社厅决定（54号 四）"))
        if self.kind != CompetitionKind.CITY or self.competition_class != 2:
            raise ValidationError(
                gettext(
                    "只有市级二类赛的证书可委托具有认定权限的主办方核发（苏人社办函〔2022〕54号 四）"
                )
            )
        delegation = CertificateDelegation(
            competition=self, institution=institution, decided_by=user, note=note.strip()
        )
        if not delegation.institution_has_authority():
            raise ValidationError(
                gettext(
                    "%(institution)s 不在评价机构目录中或没有有效备案，不具有职业技能等级认定权限（54号 四）"
                )
                % {"institution": institution}
            )
        if not delegation.note:
            raise ValidationError(gettext("请写明委托依据"))
        with transaction.atomic():
            Competition.objects.select_for_update().filter(pk=self.pk).first()
            if CertificateDelegation.objects.filter(competition=self).exists():
                raise ValidationError(gettext("该竞赛已有委托决定"))
            delegation.save()
        return delegation

    def certificate_issuer(self):
        """The institution that issues this competition's certificates: the city appraisal centre
        (on behalf, 代章) unless a city class-2 competition delegated it to an organiser with
        certification authority."""
        decision = self.certificate_issuer_decision()
        if decision is None:
            return None
        # Before 54号 四 nothing could be delegated: the city appraisal centre issued, as it does
        # for every competition not delegated.
        if not decision.not_in_force and decision.result["issuer"] == "organiser":
            return self.delegation.institution
        return Institution.objects.filter(
            kind=InstitutionKind.APPRAISAL_CENTRE, city_id=self.host_region.city.code
        ).first()


class CertificateDelegation(models.Model):
    """54号 四: the host city's HR bureau (or the province) delegates issuing a city class-2
    competition's certificates to an organiser's evaluation institution with certification
    authority. A recorded decision: who decided, when, for which institution, on what basis."""

    competition = models.OneToOneField(
        Competition, on_delete=models.PROTECT, related_name="+", verbose_name=_("竞赛")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("受托核发证书的评价机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("委托依据"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("竞赛证书核发委托")
        verbose_name_plural = _("竞赛证书核发委托")

    def __str__(self):
        return f"{self.competition} → {self.institution}"

    def institution_has_authority(self, on=None) -> bool:
        """Certification authority: in the catalog with an approved filing valid on the day."""
        on = on or timezone.localdate()
        institution = self.institution
        return (
            institution.catalog_status == CatalogStatus.ACTIVE
            and institution.filings.filter(
                status=FilingStatus.APPROVED, valid_from__lte=on, valid_until__gte=on
            ).exists()
        )


class CompetitionFee(models.Model):
    """A fee item a competition lists (54号 二 "不得收取任何报名费、参赛费以及证书核发等费用"): any
    name, and never more than 0 — the rule refuses it naming the fee, the database too."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("费用名称"), max_length=50)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=10, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("竞赛费用")
        verbose_name_plural = _("竞赛费用")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=0),
                name="competition_fee_is_zero",
                violation_error_message=_(
                    "职业技能大赛不得收取任何报名费、参赛费以及证书核发等费用（苏人社办函〔2022〕54号 二）"
                ),
            ),
            models.UniqueConstraint(
                fields=["competition", "name"],
                name="competition_fee_name_unique",
                violation_error_message=_("同一竞赛的费用名称不能重复"),
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.amount}"

    def clean(self):
        if not self.name.strip():
            raise ValidationError({"name": gettext("请填写费用名称")})
        rules.require(FeesAllowed.id, {"fees": [{"name": self.name, "amount": self.amount}]})


class Event(models.Model):
    """A 赛项: exactly one occupation (工种) of the 大典, never part of one (54号 三、四)."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="events")
    occupation = models.ForeignKey(
        "skilleval.Occupation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["occupation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "occupation"],
                name="event_one_per_occupation",
                violation_error_message=_("每个赛项对应一个职业（工种）"),
            )
        ]

    def __str__(self):
        return self.occupation.name

    def clean(self):
        rules.require(OccupationEvaluable.id, {"occupation_code": self.occupation.code})


class ContestantQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        condition = Competition.objects.all().scope_for(user)
        return (
            None if condition is None else Q(competition__in=Competition.objects.filter(condition))
        )


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


class CompetitionFilingQuerySet(models.QuerySet):
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


# --- honours (实施意见 十六) ----------------------------------------------------------------


def provincial_appraisal_centre():
    """The provincial appraisal centre: the appraisal centre registered in the province's own
    region rather than a city's. It issues the level-1 certificates the province recognises."""
    return (
        Institution.objects.filter(kind=InstitutionKind.APPRAISAL_CENTRE, city_id=PROVINCE_CODE)
        .order_by("pk")
        .first()
    )


def area_appraisal_centre(region):
    """The appraisal centre of a city or county: the county's own if one is registered there,
    else its city's (as 54号 四 has the city centre issue for county competitions)."""
    city = region.city
    if city is None:
        return None
    centres = Institution.objects.filter(kind=InstitutionKind.APPRAISAL_CENTRE, city_id=city.code)
    if region.code != city.code:
        own = centres.filter(county_id=region.code).order_by("pk").first()
        if own is not None:
            return own
    return centres.order_by("pk").first()


class HonourQuerySet(ScopedQuerySet):
    def scope_for(self, user):
        # The province sees every honour; a city its own and its counties'; a county its own.
        if user.role == Role.CITY_STAFF:
            return Q(region_id=user.city_id) | Q(region__parent_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return Q(region_id=user.county_id)
        return None

    def waiting_for(self, user):
        """Recorded honours this user's body recognises or refuses (Honour.may_be_decided_by):
        the province the top honours, a city or county those it recorded."""
        recorded = self.filter(status=HonourStatus.RECORDED)
        if user.is_province_admin:
            return recorded.filter(kind__in=TOP_HONOURS)
        if user.role == Role.CITY_STAFF:
            return recorded.filter(kind=HonourKind.OTHER, region_id=user.city_id)
        if user.role == Role.COUNTY_STAFF:
            return recorded.filter(kind=HonourKind.OTHER, region_id=user.county_id)
        return recorded.none()


class Honour(IdentifiedPerson):
    """A skill-talent honour recorded for direct recognition of a skill level (实施意见 十六): the
    top three honours by the province as level 1; other government honours by the city or county
    HR department, at level 2 (技师) or below. Recognising it issues one skill-level certificate
    from the body that recognised it."""

    kind = models.CharField(_("荣誉类别"), max_length=30, choices=HonourKind.choices)
    title = models.CharField(
        _("荣誉名称"), max_length=100, help_text=_("表彰文件中的荣誉称号，如“南京市技术能手”")
    )
    awarding_body = models.CharField(_("表彰部门"), max_length=100)
    document_number = models.CharField(_("表彰文号"), max_length=60)
    awarded_on = models.DateField(_("表彰日期"))
    occupation = models.ForeignKey(
        "skilleval.Occupation",
        verbose_name=_("职业（工种）"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(_("认定等级"), choices=Level.choices)
    region = models.ForeignKey(
        "skilleval.Region",
        verbose_name=_("认定部门所在地"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=HonourStatus.choices, default=HonourStatus.RECORDED
    )
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    certificate = models.OneToOneField(
        Certificate,
        verbose_name=_("证书"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honour",
    )

    objects = HonourQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("表彰认定")
        verbose_name_plural = _("表彰认定")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=TOP_HONOURS) & Q(level=1))
                | (Q(kind=HonourKind.OTHER) & Q(level__gte=2, level__lte=5)),
                name="honour_level_by_kind",
                violation_error_message=_(
                    "中华技能大奖、全国技术能手、江苏技能大奖认定为一级/高级技师；其他政府表彰认定二级/技师及以下（实施意见 十六）"
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TOP_HONOURS, region_id=PROVINCE_CODE)
                | (Q(kind=HonourKind.OTHER) & ~Q(region_id=PROVINCE_CODE)),
                name="honour_recognised_by_the_right_level",
                violation_error_message=_(
                    "三项最高荣誉由省级人社部门认定，其他表彰由市、县人社部门认定（实施意见 十六）"
                ),
            ),
            models.UniqueConstraint(
                fields=["id_number_hash", "kind", "document_number"],
                condition=~Q(status=HonourStatus.REFUSED),
                name="honour_once_per_person",
                violation_error_message=_("此人的该项表彰已登记"),
            ),
            models.CheckConstraint(
                condition=~Q(status=HonourStatus.RECOGNISED) | Q(certificate__isnull=False),
                name="honour_recognised_has_certificate",
                violation_error_message=_("已认定的表彰须有证书"),
            ),
            models.CheckConstraint(
                condition=~Q(status=HonourStatus.REFUSED) | ~Q(reason=""),
                name="honour_refusal_has_reason",
                violation_error_message=_("不予认定须说明理由"),
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.title}"

    @property
    def is_top(self) -> bool:
        return self.kind in TOP_HONOURS

    # --- who ---------------------------------------------------------------------------------

    @staticmethod
    def recording_region(user, kind):
        """The body that recognises an honour of this kind, if this user speaks for it
        (实施意见 十六): the province for the top honours; a city or county HR department, for its
        own area, for the others. Else Forbidden, saying who does."""
        if kind in TOP_HONOURS:
            if not user.is_province_admin:
                raise Forbidden(
                    gettext(
                        "中华技能大奖、全国技术能手、江苏技能大奖由省级人力资源社会保障部门认定（实施意见 十六）"
                    )
                )
            return Region.objects.get(code=PROVINCE_CODE)
        if user.role == Role.CITY_STAFF and user.city_id:
            return Region.objects.get(code=user.city_id)
        if user.role == Role.COUNTY_STAFF and user.county_id:
            return Region.objects.get(code=user.county_id)
        raise Forbidden(
            gettext("其他各级政府部门技能人才表彰由市、县人力资源社会保障部门认定（实施意见 十六）")
        )

    def may_be_decided_by(self, user) -> bool:
        """The body that recorded it issues or refuses: the province for level 1, the city or
        county HR department of its area for the others."""
        if self.is_top:
            return user.is_province_admin
        if user.role == Role.CITY_STAFF:
            return self.region_id == user.city_id
        if user.role == Role.COUNTY_STAFF:
            return self.region_id == user.county_id
        return False

    # --- record ------------------------------------------------------------------------------

    @classmethod
    def decide_level(cls, kind: str, awarded_on: date, level: int | None = None) -> int:
        """The level 实施意见 十六 gives, as of the day of the honour: level 1 for the top
        honours, no choice; for the others the department picks 技师 (level 2) or below."""
        decision = rules.evaluate(
            HonourRecognition.id,
            {"honour": "other" if kind == HonourKind.OTHER else kind},
            awarded_on,
        )
        if decision.not_in_force:
            # Before 实施意见 十六 an honour recognised no level directly.
            raise ValidationError(decision.text)
        if decision.result["level"] is not None:
            if level is not None and level != decision.result["level"]:
                raise ValidationError(
                    gettext("该荣誉直接认定为%(label)s，不另选等级（实施意见 十六）")
                    % {"label": Level(decision.result["level"]).label}
                )
            return decision.result["level"]
        if level is None:
            raise ValidationError(gettext("请选择认定等级：二级/技师及以下（实施意见 十六）"))
        if level < decision.result["max_level"]:
            raise ValidationError(
                gettext("其他政府部门技能人才表彰只能确定%(label)s及以下等级（实施意见 十六）")
                % {"label": Level(decision.result["max_level"]).label}
            )
        return level

    @classmethod
    def record(
        cls,
        *,
        user,
        name: str,
        id_type: str,
        id_number: str,
        kind: str,
        title: str,
        awarding_body: str,
        document_number: str,
        awarded_on: date,
        occupation,
        level: int | None = None,
    ) -> "Honour":
        """Record an honour for direct recognition (实施意见 十六): who may (the province the top
        honours, a city or county the others), when (not before the honour, and the clause in
        force on its day), at which level (the rule's)."""
        region = cls.recording_region(user, kind)
        if awarded_on > timezone.localdate():
            raise ValidationError(gettext("表彰日期不能晚于今天"))
        level = cls.decide_level(kind, awarded_on, level)
        rules.require(OccupationEvaluable.id, {"occupation_code": occupation.code})
        if occupation.is_access_type:
            raise ValidationError(
                gettext(
                    "%(occupation)s 为准入类职业资格，不认定职业技能等级（实施意见 四；中就培函〔2020〕41号 二(二)）"
                )
                % {"occupation": occupation}
            )
        number, problem = check_id_number(id_type, id_number)
        if problem:
            raise ValidationError(in_reader_language(*problem))
        honour = cls(
            name=name.strip(),
            id_type=id_type,
            kind=kind,
            title=title.strip() or HonourKind(kind).label,
            awarding_body=awarding_body.strip(),
            document_number=document_number.strip(),
            awarded_on=awarded_on,
            occupation=occupation,
            level=level,
            region=region,
            recorded_by=user,
            **identity_fields(number),
        )
        if not honour.name or not honour.awarding_body or not honour.document_number:
            raise ValidationError(gettext("请填写姓名、表彰部门和表彰文号"))
        honour.validate_constraints()
        honour.save()
        return honour

    # --- decide: issue the certificate, or refuse ---------------------------------------------

    def issuer(self):
        """The appraisal centre that issues the certificate on the recognising body's behalf:
        the provincial centre for level 1, the city's or county's for the others."""
        return provincial_appraisal_centre() if self.is_top else area_appraisal_centre(self.region)

    def recognise(self, *, user) -> Certificate:
        """Recognise the level and issue its skill-level certificate, once: the number from the
        issuer's skill-level series for that level, allocated in the transaction that stores it."""
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该表彰认定不由您办理（实施意见 十六）"))
        issuer = self.issuer()
        if issuer is None:
            raise ValidationError(
                gettext("尚无登记的%(body)s职业技能鉴定中心，无法核发证书。请先登记该鉴定中心")
                % {"body": gettext("省级") if self.is_top else self.region.name}
            )
        today = timezone.localdate()
        with transaction.atomic():
            locked = Honour.objects.select_for_update().get(pk=self.pk)
            if locked.status != HonourStatus.RECORDED:
                raise ValidationError(gettext("该表彰认定已办理"))
            prefix = prefix_for(
                CertificateKind.SKILL_LEVEL, institution=issuer, issued_on=today, level=self.level
            )
            (number,) = allocate(prefix, SEQUENCE_WIDTH[CertificateKind.SKILL_LEVEL])
            certificate = Certificate.objects.create(
                kind=CertificateKind.SKILL_LEVEL,
                number=number,
                institution=issuer,
                **Certificate.holder_fields(self),
                occupation=self.occupation,
                work_type=self.occupation.work_type,
                level=self.level,
                issued_on=today,
                signatory=issuer.responsible_person,
            )
            audited_update(
                self,
                {"status": HonourStatus.RECORDED},
                status=HonourStatus.RECOGNISED,
                certificate=certificate,
                decided_by=user,
                decided_at=timezone.now(),
            )
        return certificate

    def refuse(self, *, user, reason: str) -> None:
        if not self.may_be_decided_by(user):
            raise Forbidden(gettext("该表彰认定不由您办理（实施意见 十六）"))
        reason = (reason or "").strip()[:500]
        if not reason:
            raise ValidationError(gettext("不予认定须说明理由"))
        moved = audited_update(
            self,
            {"status": HonourStatus.RECORDED},
            status=HonourStatus.REFUSED,
            reason=reason,
            decided_by=user,
            decided_at=timezone.now(),
        )
        if not moved:
            raise ValidationError(gettext("该表彰认定已办理"))
