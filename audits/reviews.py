"""The twice-yearly quality review (54号 五: 高质量实施一年两次技能人才评价质量专项评估).

`run_review(year, half)` computes, per institution, the indicators of one half-year and keeps them
as a new QualityReview version (a re-run never replaces an earlier one):

- certificates issued in the half-year (issue dates are Jiangsu dates, `Certificate.issued_on`);
- issued outside the filed scope: no approved filing of the institution names the certificate's
  occupation and level (54号 五: 明确…评价的地域范围、有效期限和认定等级);
- issued outside the validity of every approved filing that covers it (before it started or after
  it expired);
- rush issuance (突击发证, 239号 四): the share issued in the last 15 days before one of the
  institution's filings expires, or, for vocational qualification certificates, before the 239号
  last issue day (2021-01-31);
- pass-rate anomalies: batches whose pass rate is far above the rest of the province's batches of
  the same occupation and level in the half-year;
- eligibility overrides (54号 一), complaints received (54号 五), late result publicity.

Everything is set-based SQL: one aggregate over the half-year's certificates (conditional counts
with correlated EXISTS), one over its batches and candidates, one over complaints. Python only
walks the per-batch and per-institution aggregates, never certificates. Competition certificates
are issued under the competition rules (54号 四), not under a filing, and are left out.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    PositiveSmallIntegerField,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits.models import Complaint, QualityReview, ReviewFlag, ReviewRow
from certificates.choices import CertificateKind
from certificates.models import Certificate
from institutions.choices import BatchStatus, CatalogStatus, FilingStatus
from institutions.models import Batch, BatchTransition, Candidate, Filing, FilingItem, Institution
from skilleval import rules
from skilleval.changelog.signals import snapshot
from skilleval.choices import in_chinese, in_english
from skilleval.models import AuditEntry
from skilleval.rules.exit_deadlines import ExitCertificateIssueDeadline

log = logging.getLogger(__name__)

# --- thresholds -----------------------------------------------------------------------------
# 239号 四 (严禁突击鉴定、突击发证): a certificate issued in the last RUSH_WINDOW_DAYS days up to and
# including a deadline counts as issued in a rush. The deadlines are the expiry (valid_until) of
# each of the institution's approved filings and, for vocational qualification certificates, the
# 239号 二(三) last issue day (rule exit.certificate_issue_deadline, 2021-01-31).
RUSH_WINDOW_DAYS = 15
# 239号 四 / 54号 五: the institution is flagged when more than half of its half-year's certificates
# were issued in such a window, and it issued at least RUSH_MIN_CERTIFICATES (below that a share
# says little).
RUSH_SHARE_FLAG = Decimal(50)
RUSH_MIN_CERTIFICATES = 20
VQ_LAST_ISSUE_DAY = date(2021, 1, 31)  # 239号 二(三); the rule's parameter wins when set

# 54号 五 (细化量化质量监管机制): a batch is anomalous when its pass rate is more than
# PASS_RATE_EXCESS_POINTS percentage points above the pass rate of the province's other batches of
# the same occupation and level in the half-year. Only batches where at least PASS_RATE_MIN_SAT
# candidates sat the exam are judged, against a norm drawn from at least as many candidates.
PASS_RATE_EXCESS_POINTS = Decimal(30)
PASS_RATE_MIN_SAT = 10

# 54号 一: eligibility is checked against the national standard; every manual override of it is
# looked at by the auditors.
OVERRIDES_FLAG_AT = 1
# 54号 五 (严肃核实查处相关举报问题): every complaint received in the half-year is shown.
COMPLAINTS_FLAG_AT = 1
# Results are publicised (成绩公示) within PUBLICITY_DAYS days after the exam ends; later is late,
# and so is a batch examined but still not publicised that long after its exam.
PUBLICITY_DAYS = 15


# --- indicators -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A column of the review: the ReviewRow field, its labels, the flag it feeds and what its
    drill-down lists (certificates, batches, candidates or complaints)."""

    field: str
    label: str  # lazy: in the reader's language on the page
    flag: str | None = None
    lists: str | None = None

    @property
    def zh(self) -> str:  # the printed report and the spreadsheet are Chinese
        return in_chinese(self.label)

    @property
    def en(self) -> str:
        return in_english(self.label)


INDICATORS = (
    Indicator("certificates_issued", _("发证数")),
    Indicator(
        "out_of_scope",
        _("超出备案范围发证"),
        ReviewFlag.OUT_OF_SCOPE,
        "certificates",
    ),
    Indicator(
        "outside_validity",
        _("备案有效期外发证"),
        ReviewFlag.OUTSIDE_VALIDITY,
        "certificates",
    ),
    Indicator(
        "rush_issued",
        _("截止前15日内发证"),
        ReviewFlag.RUSH_ISSUANCE,
        "certificates",
    ),
    Indicator("rush_share", _("突击发证占比（%）"), ReviewFlag.RUSH_ISSUANCE),
    Indicator("batches", _("评价批次")),
    Indicator(
        "pass_rate_anomalies",
        _("合格率异常批次"),
        ReviewFlag.PASS_RATE,
        "batches",
    ),
    Indicator(
        "eligibility_overrides",
        _("人工认定资格人数"),
        ReviewFlag.ELIGIBILITY_OVERRIDES,
        "candidates",
    ),
    Indicator("complaints", _("举报"), ReviewFlag.COMPLAINTS, "complaints"),
    Indicator(
        "late_publicity",
        _("公示不及时批次"),
        ReviewFlag.LATE_PUBLICITY,
        "batches",
    ),
)
INDICATOR_FIELDS = tuple(indicator.field for indicator in INDICATORS)
# The indicator whose records a flag's drill-down lists.
FLAG_INDICATOR = {
    indicator.flag: indicator for indicator in INDICATORS if indicator.flag and indicator.lists
}


# --- periods (Asia/Shanghai) -----------------------------------------------------------------


def half_year_period(year: int, half: int) -> tuple[date, date]:
    if half not in (1, 2):
        raise ValueError("half must be 1 or 2")
    return (
        (date(year, 1, 1), date(year, 6, 30))
        if half == 1
        else (date(year, 7, 1), date(year, 12, 31))
    )


def previous_half(year: int, half: int) -> tuple[int, int]:
    return (year - 1, 2) if half == 1 else (year, 1)


def half_just_ended(today: date) -> tuple[int, int]:
    """The half-year the beat schedule reviews: on 1 January the last one of the previous year,
    on 1 July the first one of this year (and likewise on any later day of those halves)."""
    return (today.year - 1, 2) if today.month <= 6 else (today.year, 1)


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in Jiangsu time, for timestamps such as received_at."""
    zone = timezone.get_default_timezone()  # TIME_ZONE = Asia/Shanghai
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=zone),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=zone),
    )


def vq_last_issue_day(on: date) -> date:
    """239号 二(三): the rule's current last issue day for vocational qualification certificates."""
    try:
        return rules.get_rule(ExitCertificateIssueDeadline.id).parameters_as_of(on)["last_day"]
    except (rules.UnknownRule, KeyError):
        return VQ_LAST_ISSUE_DAY


# --- the conditions, defined once: used by the aggregate and by the drill-down -------------------


def period_certificates(start: date, end: date, certificates=None):
    """The half-year's certificates (of `certificates`, default all), competition ones aside."""
    certificates = Certificate.objects.all() if certificates is None else certificates
    return certificates.filter(issued_on__gte=start, issued_on__lte=end).exclude(
        kind=CertificateKind.COMPETITION
    )


def _covering_items():
    """Items of the certificate's institution's approved filings naming its occupation and level
    (a certificate without a level, e.g. special ability, is covered by any level of it)."""
    return FilingItem.objects.filter(
        filing__institution_id=OuterRef("institution_id"),
        filing__status=FilingStatus.APPROVED,
        occupation_id=OuterRef("occupation_id"),
        level=Coalesce(OuterRef("level"), F("level"), output_field=PositiveSmallIntegerField()),
    )


def in_scope() -> Exists:
    return Exists(_covering_items())


def valid_on_issue() -> Exists:
    return Exists(
        _covering_items().filter(
            filing__valid_from__lte=OuterRef("issued_on"),
            filing__valid_until__gte=OuterRef("issued_on"),
        )
    )


def rush_condition(start: date, end: date, vq_last_day: date) -> Q:
    """Issued in the last RUSH_WINDOW_DAYS days up to a deadline (239号 四)."""
    before_filing_expiry = Q(
        Exists(
            Filing.objects.filter(
                institution_id=OuterRef("institution_id"),
                status=FilingStatus.APPROVED,
                valid_until__gte=OuterRef("issued_on"),
                valid_until__lte=ExpressionWrapper(
                    OuterRef("issued_on") + timedelta(days=RUSH_WINDOW_DAYS - 1),
                    output_field=DateField(),
                ),
            )
        )
    )
    vq_window = (vq_last_day - timedelta(days=RUSH_WINDOW_DAYS - 1), vq_last_day)
    if vq_window[1] < start or vq_window[0] > end:
        # The 239号 window is not in this half-year: leave the OR out, so that PostgreSQL can
        # plan the EXISTS as a semi-join.
        return before_filing_expiry
    # An access-type (准入类) qualification has no 239号 last day to rush before (实施意见 四).
    return before_filing_expiry | Q(
        kind=CertificateKind.VOCATIONAL_QUALIFICATION,
        occupation__is_access_type=False,
        issued_on__gte=vq_window[0],
        issued_on__lte=vq_window[1],
    )


def certificate_conditions(start: date, end: date, vq_last_day: date) -> dict[str, Q]:
    """Which certificates each certificate indicator counts."""
    return {
        "certificates_issued": Q(),
        "out_of_scope": ~Q(in_scope()),
        "outside_validity": Q(in_scope()) & ~Q(valid_on_issue()),
        "rush_issued": rush_condition(start, end, vq_last_day),
    }


def period_batches(start: date, end: date):
    """The half-year's batches: those whose exam ended in it (drafts and cancelled ones aside)."""
    return Batch.objects.filter(exam_ends_on__gte=start, exam_ends_on__lte=end).exclude(
        status__in=[BatchStatus.DRAFT, BatchStatus.CANCELLED]
    )


def with_publicity(batches):
    """Annotate the first day results were publicised (the first transition to publicity, in
    Jiangsu time; else publicised_on, which a return of the results clears) and the delay since
    the exam ended."""
    first_publicity = (
        BatchTransition.objects.filter(
            batch=OuterRef("pk"), to_status=BatchStatus.RESULTS_PUBLICISED
        )
        .order_by("at")
        .annotate(day=TruncDate("at", tzinfo=timezone.get_default_timezone()))
        .values("day")[:1]
    )
    return batches.annotate(
        publicity_day=Coalesce(
            Subquery(first_publicity, output_field=DateField()),
            F("publicised_on"),
            output_field=DateField(),
        ),
    ).annotate(
        publicity_delay=ExpressionWrapper(
            F("publicity_day") - F("exam_ends_on"), output_field=DurationField()
        )
    )


def late_publicity_condition(as_of: date) -> Q:
    return Q(publicity_delay__gt=timedelta(days=PUBLICITY_DAYS)) | Q(
        publicity_day__isnull=True,
        status=BatchStatus.EXAMINED,
        exam_ends_on__lt=as_of - timedelta(days=PUBLICITY_DAYS),
    )


# --- the review ------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _certificate_stats(start: date, end: date, vq_last_day: date) -> dict[int, dict]:
    """One grouped count per certificate indicator. Each condition goes in WHERE, where
    PostgreSQL turns EXISTS into a (anti-)semi-join; as COUNT(…) FILTER of one query it would be
    a subplan run per certificate, five times slower over a million rows."""
    stats = defaultdict(dict)
    for name, condition in certificate_conditions(start, end, vq_last_day).items():
        rows = (
            period_certificates(start, end)
            .filter(condition)
            .order_by()
            .values("institution_id")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            stats[row["institution_id"]][name] = row["n"]
    return stats


def _batch_stats(start: date, end: date, today: date):
    """Per batch: candidates who sat, passed, overrides; and which batches were publicised late."""
    batches = period_batches(start, end)
    per_batch = list(
        batches.order_by()
        .values("pk", "institution_id", "occupation_id", "level")
        .annotate(
            sat=Count(
                "candidates",
                filter=Q(candidates__absent=False, candidates__passed__isnull=False),
            ),
            passed=Count("candidates", filter=Q(candidates__passed=True, candidates__absent=False)),
            overrides=Count("candidates", filter=Q(candidates__eligibility_override=True)),
        )
    )
    late = list(
        with_publicity(batches)
        .filter(late_publicity_condition(today))
        .order_by("exam_ends_on", "pk")
        .values("pk", "institution_id", "exam_ends_on", "publicity_day", "status")
    )
    return per_batch, late


def _pass_rate_anomalies(per_batch: list[dict]) -> dict[int, list[dict]]:
    """Batches more than PASS_RATE_EXCESS_POINTS above the rest of the province's batches of the same
    occupation and level (the batch itself left out of its norm), per institution."""
    totals = defaultdict(lambda: [0, 0])  # (occupation, level) -> [sat, passed]
    for batch in per_batch:
        key = (batch["occupation_id"], batch["level"])
        totals[key][0] += batch["sat"]
        totals[key][1] += batch["passed"]
    anomalies = defaultdict(list)
    for batch in per_batch:
        if batch["sat"] < PASS_RATE_MIN_SAT:
            continue
        sat, passed = totals[(batch["occupation_id"], batch["level"])]
        others_sat, others_passed = sat - batch["sat"], passed - batch["passed"]
        if others_sat < PASS_RATE_MIN_SAT:
            continue
        rate, norm = _percent(batch["passed"], batch["sat"]), _percent(others_passed, others_sat)
        if rate - norm > PASS_RATE_EXCESS_POINTS:
            anomalies[batch["institution_id"]].append(
                {
                    "batch": batch["pk"],
                    "sat": batch["sat"],
                    "passed": batch["passed"],
                    "rate": str(rate),
                    "norm": str(norm),
                    "norm_candidates": others_sat,
                }
            )
    return anomalies


def _complaint_stats(start: date, end: date) -> dict[int, int]:
    since, until = local_bounds(start, end)
    rows = (
        Complaint.objects.filter(
            institution__isnull=False, received_at__gte=since, received_at__lt=until
        )
        .order_by()
        .values("institution_id")
        .annotate(n=Count("pk"))
    )
    return {row["institution_id"]: row["n"] for row in rows}


def flags_for(values: dict) -> list[str]:
    """The flags an institution's indicators raise, in the order of the indicators."""
    flags = []
    if values["out_of_scope"] > 0:
        flags.append(ReviewFlag.OUT_OF_SCOPE)
    if values["outside_validity"] > 0:
        flags.append(ReviewFlag.OUTSIDE_VALIDITY)
    if (
        values["certificates_issued"] >= RUSH_MIN_CERTIFICATES
        and values["rush_share"] > RUSH_SHARE_FLAG
    ):
        flags.append(ReviewFlag.RUSH_ISSUANCE)
    if values["pass_rate_anomalies"] > 0:
        flags.append(ReviewFlag.PASS_RATE)
    if values["eligibility_overrides"] >= OVERRIDES_FLAG_AT:
        flags.append(ReviewFlag.ELIGIBILITY_OVERRIDES)
    if values["complaints"] >= COMPLAINTS_FLAG_AT:
        flags.append(ReviewFlag.COMPLAINTS)
    if values["late_publicity"] > 0:
        flags.append(ReviewFlag.LATE_PUBLICITY)
    return [str(flag) for flag in flags]


def thresholds(vq_last_day: date) -> dict:
    return {
        "rush_window_days": RUSH_WINDOW_DAYS,
        "rush_share_flag": str(RUSH_SHARE_FLAG),
        "rush_min_certificates": RUSH_MIN_CERTIFICATES,
        "vq_last_issue_day": vq_last_day.isoformat(),
        "pass_rate_excess_points": str(PASS_RATE_EXCESS_POINTS),
        "pass_rate_min_sat": PASS_RATE_MIN_SAT,
        "overrides_flag_at": OVERRIDES_FLAG_AT,
        "complaints_flag_at": COMPLAINTS_FLAG_AT,
        "publicity_days": PUBLICITY_DAYS,
    }


def compute_rows(year: int, half: int, today: date | None = None) -> list[dict]:
    """The indicators of every institution for the half-year, as ReviewRow field values."""
    start, end = half_year_period(year, half)
    today = today or timezone.localdate()
    vq_last_day = vq_last_issue_day(start)

    certificates = _certificate_stats(start, end, vq_last_day)
    per_batch, late = _batch_stats(start, end, today)
    anomalies = _pass_rate_anomalies(per_batch)
    complaints = _complaint_stats(start, end)

    batches, overrides = defaultdict(int), defaultdict(int)
    for batch in per_batch:
        batches[batch["institution_id"]] += 1
        overrides[batch["institution_id"]] += batch["overrides"]
    late_by_institution = defaultdict(list)
    for batch in late:
        late_by_institution[batch["institution_id"]].append(
            {
                "batch": batch["pk"],
                "exam_ends_on": batch["exam_ends_on"].isoformat(),
                "publicised_on": batch["publicity_day"].isoformat()
                if batch["publicity_day"]
                else None,
                "days": (batch["publicity_day"] - batch["exam_ends_on"]).days
                if batch["publicity_day"]
                else (today - batch["exam_ends_on"]).days,
            }
        )

    # Every institution still in the catalog gets a row (a clean one shows zeros), and every
    # institution with anything in the half-year, even if it has left the catalog since.
    active = set(
        Institution.objects.exclude(catalog_status=CatalogStatus.REMOVED).values_list(
            "pk", flat=True
        )
    )
    institution_ids = active | set(certificates) | set(batches) | set(complaints)

    rows = []
    for institution_id in sorted(institution_ids):
        issued = certificates.get(institution_id, {})
        values = {
            "institution_id": institution_id,
            "certificates_issued": issued.get("certificates_issued", 0),
            "out_of_scope": issued.get("out_of_scope", 0),
            "outside_validity": issued.get("outside_validity", 0),
            "rush_issued": issued.get("rush_issued", 0),
            "batches": batches.get(institution_id, 0),
            "pass_rate_anomalies": len(anomalies.get(institution_id, [])),
            "eligibility_overrides": overrides.get(institution_id, 0),
            "complaints": complaints.get(institution_id, 0),
            "late_publicity": len(late_by_institution.get(institution_id, [])),
        }
        values["rush_share"] = _percent(values["rush_issued"], values["certificates_issued"])
        values["flags"] = flags_for(values)
        values["flag_count"] = len(values["flags"])
        evidence = {}
        if institution_id in anomalies:
            evidence[ReviewFlag.PASS_RATE.value] = anomalies[institution_id]
        if institution_id in late_by_institution:
            evidence[ReviewFlag.LATE_PUBLICITY.value] = late_by_institution[institution_id]
        values["evidence"] = evidence
        rows.append(values)
    return rows


def summarise(rows: list[dict]) -> dict:
    indicators = {
        field: sum(row[field] for row in rows)
        for field in INDICATOR_FIELDS
        if field != "rush_share"
    }
    indicators["rush_share"] = str(
        _percent(indicators["rush_issued"], indicators["certificates_issued"])
    )
    flags = {code: sum(code in row["flags"] for row in rows) for code in ReviewFlag.values}
    return {
        "institutions": len(rows),
        "flagged_institutions": sum(1 for row in rows if row["flags"]),
        "indicators": indicators,
        "flags": flags,
    }


def run_review(year: int, half: int, user=None, *, today: date | None = None) -> QualityReview:
    """Compute the half-year and keep it as the next version of its review (54号 五)."""
    started = time.perf_counter()
    start, end = half_year_period(year, half)
    rows = compute_rows(year, half, today=today)
    totals = summarise(rows)
    totals["thresholds"] = thresholds(vq_last_issue_day(start))
    totals["seconds"] = round(time.perf_counter() - started, 2)
    previous = QualityReview.objects.latest_of(*previous_half(year, half))

    for attempt in range(5):
        try:
            with transaction.atomic():
                latest = QualityReview.objects.latest_of(year, half)
                review = QualityReview.objects.create(
                    year=year,
                    half=half,
                    version=(latest.version + 1) if latest else 1,
                    period_start=start,
                    period_end=end,
                    generated_by=user,
                    compared_with=previous,
                    totals=totals,
                )
                objects = ReviewRow.objects.bulk_create(
                    [ReviewRow(review=review, **row) for row in rows], batch_size=1000
                )
                # bulk_create sends no signals: the rows are logged here (changelog/signals.py).
                AuditEntry.objects.record_many(
                    [
                        {
                            "action": "create",
                            "object_type": ReviewRow._meta.label_lower,
                            "object_id": str(row.pk or ""),
                            "object_repr": f"{review} · 机构 {row.institution_id}",
                            "before": None,
                            "after": snapshot(row),
                        }
                        for row in objects
                    ]
                )
            break
        except IntegrityError:
            # Two runs of the same half-year at once: both asked for the same version number.
            if attempt == 4:
                raise
    log.info(
        "quality review %s: %s institutions, %s flagged, %.1f s",
        review,
        totals["institutions"],
        totals["flagged_institutions"],
        totals["seconds"],
    )
    return review


# --- reading a review ----------------------------------------------------------------------


def attach_deltas(rows, review: QualityReview) -> None:
    """Set `row.deltas` (indicator -> change since the compared review, or None when the
    institution had no row there) and `row.previous_flags` on each row."""
    rows = list(rows)
    previous = {}
    if review.compared_with_id:
        previous = {
            values["institution_id"]: values
            for values in ReviewRow.objects.filter(
                review_id=review.compared_with_id,
                institution_id__in=[row.institution_id for row in rows],
            ).values("institution_id", "flags", *INDICATOR_FIELDS)
        }
    for row in rows:
        before = previous.get(row.institution_id)
        row.deltas = {
            field: (getattr(row, field) - before[field]) if before else None
            for field in INDICATOR_FIELDS
        }
        row.previous_flags = before["flags"] if before else None
    return rows


def totals_for(review: QualityReview, user) -> dict:
    """The review's totals as the user may see them: the province's for those who see it all,
    otherwise summed over the rows of their own scope (54号 五: each department reviews its own
    institutions), in the same shape."""
    if user.sees_everything:
        return review.totals
    fields = [field for field in INDICATOR_FIELDS if field != "rush_share"]
    rows = ReviewRow.objects.visible_to(user).filter(review=review).values(*fields, "flags")
    return {**summarise(list(rows)), "thresholds": review.totals.get("thresholds", {})}


def visible_totals(review: QualityReview, rows) -> dict:
    """Sums over the rows the user sees (the province's totals only for those who see it all)."""
    sums = rows.aggregate(
        **{field: Coalesce(Sum(field), 0) for field in INDICATOR_FIELDS if field != "rush_share"},
        institutions=Count("pk"),
        flagged=Count("pk", filter=Q(flag_count__gt=0)),
    )
    sums["rush_share"] = _percent(sums["rush_issued"], sums["certificates_issued"])
    return sums


def flag_records(row: ReviewRow, flag: str, user):
    """The records behind one flag of one row, as a queryset the user may see (or a list of
    batches with the evidence the review kept). Recomputed from today's data for certificates,
    candidates and complaints; batch flags show what the review saw."""
    review = row.review
    start, end = review.period_start, review.period_end
    if flag in (ReviewFlag.OUT_OF_SCOPE, ReviewFlag.OUTSIDE_VALIDITY, ReviewFlag.RUSH_ISSUANCE):
        field = FLAG_INDICATOR[flag].field
        vq_last_day = date.fromisoformat(
            review.totals.get("thresholds", {}).get("vq_last_issue_day")
            or vq_last_issue_day(start).isoformat()
        )
        condition = certificate_conditions(start, end, vq_last_day)[field]
        return (
            period_certificates(start, end, Certificate.objects.visible_to(user))
            .filter(institution_id=row.institution_id)
            .filter(condition)
            .select_related("occupation")
            .order_by("issued_on", "number")
        )
    if flag in (ReviewFlag.PASS_RATE, ReviewFlag.LATE_PUBLICITY):
        evidence = row.evidence.get(str(flag), [])
        batches = (
            Batch.objects.visible_to(user)
            .select_related("occupation")
            .in_bulk([item["batch"] for item in evidence])
        )
        return [
            {**item, "object": batches[item["batch"]]}
            for item in evidence
            if item["batch"] in batches
        ]
    if flag == ReviewFlag.ELIGIBILITY_OVERRIDES:
        return (
            Candidate.objects.visible_to(user)
            .filter(
                batch__in=period_batches(start, end).filter(institution_id=row.institution_id),
                eligibility_override=True,
            )
            .select_related("batch__occupation", "eligibility_reviewed_by")
            .order_by("batch_id", "pk")
        )
    if flag == ReviewFlag.COMPLAINTS:
        since, until = local_bounds(start, end)
        return (
            Complaint.objects.visible_to(user)
            .filter(
                institution_id=row.institution_id, received_at__gte=since, received_at__lt=until
            )
            .order_by("received_at")
        )
    raise KeyError(flag)
