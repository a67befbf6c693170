"""A competition (54号 一–四) and what it is made of: its events, fees, and who issues its
certificates."""

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
from competitions.choices import (
    CompetitionFilingStatus,
    CompetitionKind,
    FilingLevel,
    FilingReason,
    Span,
)
from institutions.choices import CatalogStatus, FilingStatus, InstitutionKind
from institutions.models import Institution
from skilleval import rules
from skilleval.actions import Forbidden
from skilleval.choices import Role
from skilleval.models import Region
from skilleval.models.regions import PROVINCE_CODE
from skilleval.querysets import ScopedQuerySet
from skilleval.rules.competitions import (
    CertificateIssuer,
    CrossRegionFiling,
    FeesAllowed,
    OutOfAreaFiling,
)
from skilleval.rules.occupations import OccupationEvaluable


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

    def scope_through(self, relation: str, user) -> Q | None:
        """The scope of rows that belong to a competition (its contestants, filings,
        recognitions): those of the competitions the user may see, reached through `relation`."""
        condition = self.scope_for(user)
        return None if condition is None else Q(**{f"{relation}__in": self.filter(condition)})


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

    def file(self, reason: str, *, user) -> models.Model:  # the CompetitionFiling made
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
        return self.filings.create(
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
            or self.contestants.filter(recognition__isnull=False).exists()
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
        if self.contestants.filter(pk=contestant.pk, recognition__isnull=False).exists():
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
