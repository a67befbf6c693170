"""Statistics for the province, the cities and counties, and the institutions (issue: trends of
evaluation and certification).

Every view is one function taking the viewer and the filters and returning a Table: column labels
in the reader's language and rows of plain values, counted by the database (GROUP BY) over the
rows the viewer may see: `visible_to(user)`, i.e. `institution_scope()` — the province sees the
province, city and county staff their area, an institution itself (and its branches). The one
figure drawn from beyond the viewer's scope is the occupation's provincial pass rate, an average
the pass-rate view compares each institution against.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateTimeField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from audits.models import CertificateSummary, SummaryRefresh
from audits.reviews import PASS_RATE_EXCESS_POINTS, PASS_RATE_MIN_SAT
from certificates.choices import CertificateKind
from certificates.models import Certificate
from competitions.choices import CompetitionKind, RecognitionStatus
from competitions.models import Contestant
from institutions.choices import BATCH_FLOW, BatchStatus, InstitutionKind
from institutions.models import Batch, BatchTransition, Candidate
from institutions.models.batches import PASSED, SAT
from skilleval.choices import Level

MONTHS_SHOWN = 24
TOP_OCCUPATIONS = 20
PASS_RATE_ROWS = 100
# Days a batch has been in its current step: where work is stuck (the columns of the batch view).
AGE_BUCKETS = ((0, 30), (31, 90), (91, 180), (181, None))
# Levels from the lowest to the highest, the order the stacked monthly chart builds up.
LEVELS_UP = [Level.LEVEL_5, Level.LEVEL_4, Level.LEVEL_3, Level.LEVEL_2, Level.LEVEL_1]


@dataclass
class Filters:
    """What the reader narrowed the figures to; None is "all". The period bounds are inclusive."""

    start: date
    end: date
    city_id: str | None = None
    occupation_id: int | None = None
    level: int | None = None
    institution_kind: str | None = None

    @classmethod
    def default(cls, today: date | None = None) -> "Filters":
        today = today or timezone.localdate()
        return cls(start=months_before(today.replace(day=1), MONTHS_SHOWN - 1), end=today)


@dataclass
class Table:
    """A view's figures: `columns` label the values of each row (the first is the row's label);
    `series` says which columns the chart draws, `chart` how (bar, stacked, horizontal)."""

    view: str
    title: str
    unit: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    series: list[int] = field(default_factory=list)
    chart: str = "bar"
    note: str = ""

    def as_json(self) -> dict:
        return {
            "view": self.view,
            "title": self.title,
            "unit": self.unit,
            "columns": self.columns,
            "rows": [[_plain(value) for value in row] for row in self.rows],
        }


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def months_before(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def level_label(level) -> str:
    return str(Level(level).label) if level else gettext("未分等级")


def sees_statistics(user) -> bool:
    return user.is_authenticated and user.is_active and user.sees_statistics


# --- the scoped, filtered rows each view counts ------------------------------------------------


def certificates(user, filters: Filters):
    rows = Certificate.objects.visible_to(user).filter(
        issued_on__gte=filters.start, issued_on__lte=filters.end
    )
    return _narrow(rows, filters, "institution__", level="level", occupation="occupation_id")


def batches(user, filters: Filters):
    rows = Batch.objects.visible_to(user).filter(
        exam_ends_on__gte=filters.start, exam_starts_on__lte=filters.end
    )
    return _narrow(rows, filters, "institution__", level="level", occupation="occupation_id")


def _narrow(rows, filters: Filters, institution: str, *, level: str, occupation: str):
    if filters.city_id:
        rows = rows.filter(**{f"{institution}city_id": filters.city_id})
    if filters.institution_kind:
        rows = rows.filter(**{f"{institution}kind": filters.institution_kind})
    if filters.level:
        rows = rows.filter(**{level: filters.level})
    if filters.occupation_id:
        rows = rows.filter(**{occupation: filters.occupation_id})
    return rows


# --- the views ---------------------------------------------------------------------------------


def _summarised_months(filters: Filters, covers_until: date) -> tuple[date, date] | None:
    """The whole months within the period that the summary holds entirely: [first, after)."""
    first = filters.start.replace(day=1)
    if first < filters.start:
        first = months_before(first, -1)
    last_day = min(filters.end, covers_until - timedelta(days=1))
    after = last_day.replace(day=1)
    if last_day == months_before(after, -1) - timedelta(days=1):
        after = months_before(after, -1)
    return (first, after) if first < after else None


def issued_counts(user, filters: Filters, *fields: str, by_month: bool = False) -> dict:
    """Certificates issued in the period, counted by `fields` (paths valid from the certificate and
    the summary alike): the whole months the summary holds are read from it, the rest (the current
    month, the days since the last refresh, a partial first or last month) from the certificates, so
    the figures equal a direct count on the certificates. Keys are tuples in `fields` order, led by
    the month when `by_month`."""
    refresh = SummaryRefresh.latest()
    months = _summarised_months(filters, refresh.covers_until) if refresh else None
    live = certificates(user, filters)
    counts: dict = {}

    names = (["month"] if by_month else []) + list(fields)
    if months:
        first, after = months
        summary = _narrow(
            CertificateSummary.objects.visible_to(user).filter(month__gte=first, month__lt=after),
            filters,
            "institution__",
            level="level",
            occupation="occupation_id",
        )
        for row in summary.values(*names).annotate(n=Sum("issued")).order_by():
            key = tuple(_as_date(row[name]) if name == "month" else row[name] for name in names)
            counts[key] = counts.get(key, 0) + row["n"]
        # Outside the summarised months, and within them those recorded since the refresh: narrow
        # reads (the issue-date index, the primary key) rather than one over every month.
        lives = [
            live.filter(issued_on__lt=first),  # two ranges, not one OR: each uses the index
            live.filter(issued_on__gte=after),
            live.filter(
                issued_on__gte=first, issued_on__lt=after, pk__gt=refresh.through_certificate
            ),
        ]
    else:
        lives = [live]
    for rows in lives:
        if by_month:
            rows = rows.annotate(month=TruncMonth("issued_on"))
        for row in rows.values(*names).annotate(n=Count("pk")).order_by():
            key = tuple(_as_date(row[name]) if name == "month" else row[name] for name in names)
            counts[key] = counts.get(key, 0) + row["n"]
    return counts


def updated_at():
    """When the summary was last rebuilt (shown on the pages as 数据更新于); None if never."""
    refresh = SummaryRefresh.latest()
    return refresh.refreshed_at if refresh else None


def certificates_by_month(user, filters: Filters) -> Table:
    """Certificates issued per month, by level, the last 24 months of the period."""
    first = months_before(filters.end.replace(day=1), MONTHS_SHOWN - 1)
    months = [months_before(filters.end.replace(day=1), n) for n in range(MONTHS_SHOWN - 1, -1, -1)]
    counts = issued_counts(
        user, replace(filters, start=max(first, filters.start)), "level", by_month=True
    )
    columns = [gettext("月份"), *[level_label(level) for level in LEVELS_UP], level_label(None)]
    columns.append(gettext("合计"))
    rows = []
    for month in months:
        values = [counts.get((month, level), 0) for level in [*LEVELS_UP, None]]
        rows.append([month.strftime("%Y-%m"), *values, sum(values)])
    return Table(
        view="monthly",
        title=gettext("每月核发证书数（按等级）"),
        unit=gettext("张"),
        columns=columns,
        rows=rows,
        series=list(range(1, 7)),
        chart="stacked",
    )


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def certificates_by_city(user, filters: Filters) -> Table:
    counts = issued_counts(user, filters, "institution__city__name")
    ordered = sorted(((n, city) for (city,), n in counts.items()), key=lambda x: (-x[0], x[1]))
    return Table(
        view="city",
        title=gettext("各设区市核发证书数"),
        unit=gettext("张"),
        columns=[gettext("设区市"), gettext("证书数")],
        rows=[[city, n] for n, city in ordered],
        series=[1],
        chart="horizontal",
    )


def certificates_by_occupation(user, filters: Filters) -> Table:
    counts = issued_counts(user, filters, "occupation__code", "occupation__name")
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))[:TOP_OCCUPATIONS]
    return Table(
        view="occupation",
        title=gettext("核发证书最多的20个职业"),
        unit=gettext("张"),
        columns=[gettext("职业"), gettext("证书数")],
        rows=[[f"{code} {name}", n] for (code, name), n in ordered],
        series=[1],
        chart="horizontal",
    )


def certificates_by_institution_kind(user, filters: Filters) -> Table:
    counted = {kind: n for (kind,), n in issued_counts(user, filters, "institution__kind").items()}
    return Table(
        view="kind",
        title=gettext("各类评价机构核发证书数"),
        unit=gettext("张"),
        columns=[gettext("机构类型"), gettext("证书数")],
        rows=[[str(kind.label), counted.get(kind.value, 0)] for kind in InstitutionKind],
        series=[1],
    )


def results_counts(user, filters: Filters, *fields: str, evaluation_type: str = "") -> dict:
    """Who sat and who passed in the batches whose exam ended in the period, as {key: [sat,
    passed]} keyed by `fields` (paths from the batch): batches whose scores are closed from the
    counts record_examined took, the others (scores still being entered) from their candidates,
    so the figures equal a direct count of the candidates. `user` None: the whole province."""
    closed = Batch.objects.all() if user is None else Batch.objects.visible_to(user)
    closed = closed.filter(
        results_sat__isnull=False,
        exam_ends_on__gte=filters.start,
        exam_ends_on__lte=filters.end,
    )
    live = Candidate.objects.all() if user is None else Candidate.objects.visible_to(user)
    live = live.filter(
        batch__results_sat__isnull=True,
        batch__exam_ends_on__gte=filters.start,
        batch__exam_ends_on__lte=filters.end,
    )
    if evaluation_type:
        closed = closed.filter(evaluation_type=evaluation_type)
        live = live.filter(batch__evaluation_type=evaluation_type)
    closed = _narrow(closed, filters, "institution__", level="level", occupation="occupation_id")
    live = _narrow(
        live,
        filters,
        "batch__institution__",
        level="batch__level",
        occupation="batch__occupation_id",
    )
    counts: dict = {}
    for rows, names, sat, passed in [
        (closed, list(fields), Sum("results_sat"), Sum("results_passed")),
        (
            live,
            [f"batch__{name}" for name in fields],
            Count("pk", filter=SAT),
            Count("pk", filter=PASSED),
        ),
    ]:
        for row in rows.values(*names).annotate(sat=sat, passed=passed).order_by():
            figures = counts.setdefault(tuple(row[name] for name in names), [0, 0])
            figures[0] += row["sat"]
            figures[1] += row["passed"]
    return counts


def pass_rates(user, filters: Filters) -> Table:
    """Each institution's pass rate per occupation against the occupation's provincial rate over
    the same period and filters (54号 五: 合格率异常). An institution is marked when at least
    PASS_RATE_MIN_SAT sat and its rate is more than PASS_RATE_EXCESS_POINTS points off."""
    province = results_counts(None, filters, "occupation_id")
    fields = ("occupation_id", "institution_id", "institution__name")
    counted = results_counts(user, filters, *fields, "occupation__code", "occupation__name")
    rows = []
    for (occupation, _, institution, code, name), (sat, passed) in counted.items():
        if not sat:
            continue
        rate = percent(passed, sat)
        average = percent(*reversed(province.get((occupation,), (0, 0))))
        outlier = (
            sat >= PASS_RATE_MIN_SAT
            and average is not None
            and abs(rate - average) > PASS_RATE_EXCESS_POINTS
        )
        rows.append(
            [
                institution,
                f"{code} {name}",
                sat,
                passed,
                rate,
                average,
                rate - average if average is not None else None,
                gettext("异常") if outlier else "",
            ]
        )
    # Outliers first, then the institutions with the most candidates.
    rows.sort(key=lambda r: (not r[7], -r[2], r[0], r[1]))
    return Table(
        view="pass_rate",
        title=gettext("各机构合格率与全省同职业平均"),
        unit="%",
        columns=[
            gettext("评价机构"),
            gettext("职业"),
            gettext("实考人数"),
            gettext("合格人数"),
            gettext("合格率"),
            gettext("全省同职业合格率"),
            gettext("差值（百分点）"),
            gettext("标记"),
        ],
        rows=rows[:PASS_RATE_ROWS],
        series=[4, 5],
        chart="horizontal",
        note=gettext(
            "实考不少于%(min)s人且合格率与全省同职业合格率相差超过%(points)s个百分点的标记为异常"
            "（苏人社办函〔2022〕54号 五）。"
        )
        % {"min": PASS_RATE_MIN_SAT, "points": PASS_RATE_EXCESS_POINTS},
    )


def batches_by_state(user, filters: Filters, today: date | None = None) -> Table:
    """Open batches by step and by how long they have been in it (since their last transition)."""
    now = timezone.now() if today is None else timezone.make_aware(datetime.combine(today, time()))
    open_steps = [step for step in BATCH_FLOW if step != BatchStatus.CERTIFICATES_ISSUED]
    aged = batches(user, filters).annotate(
        since=Coalesce(
            Subquery(
                BatchTransition.objects.filter(batch_id=OuterRef("pk"))
                .order_by("-at")
                .values("at")[:1],
                output_field=DateTimeField(),
            ),
            "created_at",
        )
    )
    buckets = {}
    for low, high in AGE_BUCKETS:
        condition = Q(since__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(since__gt=now - timedelta(days=high + 1))
        buckets[(low, high)] = Count("pk", filter=condition)
    counted = {
        row["status"]: row
        for row in aged.filter(status__in=open_steps)
        .values("status")
        .annotate(**{_bucket_key(b): c for b, c in buckets.items()}, n=Count("pk"))
        .order_by()
    }
    columns = [gettext("环节"), *[_bucket_label(b) for b in AGE_BUCKETS], gettext("合计")]
    rows = []
    for step in open_steps:
        row = counted.get(step.value, {})
        rows.append(
            [str(step.label), *[row.get(_bucket_key(b), 0) for b in AGE_BUCKETS], row.get("n", 0)]
        )
    return Table(
        view="batches",
        title=gettext("未完成的评价批次（按环节和停留天数）"),
        unit=gettext("个"),
        columns=columns,
        rows=rows,
        series=list(range(1, len(AGE_BUCKETS) + 1)),
        chart="stacked_horizontal",
    )


def _bucket_key(bucket) -> str:
    low, high = bucket
    return f"days_{low}_{high or 'more'}"


def _bucket_label(bucket) -> str:
    low, high = bucket
    if high is None:
        return gettext("%(low)s天以上") % {"low": low - 1}
    return gettext("%(low)s–%(high)s天") % {"low": low, "high": high}


def competitions(user, filters: Filters) -> Table:
    """Contestants, placed contestants and recognitions by competition level."""
    rows = Contestant.objects.visible_to(user).filter(
        competition__ends_on__gte=filters.start, competition__ends_on__lte=filters.end
    )
    if filters.occupation_id:
        rows = rows.filter(event__occupation_id=filters.occupation_id)
    counted = {
        row["competition__kind"]: row
        for row in rows.values("competition__kind")
        .annotate(
            competitions=Count("competition", distinct=True),
            contestants=Count("pk"),
            placed=Count("pk", filter=Q(rank__isnull=False)),
            proposed=Count("pk", filter=Q(recognition__status=RecognitionStatus.PROPOSED)),
            granted=Count("pk", filter=Q(recognition__status=RecognitionStatus.GRANTED)),
            refused=Count("pk", filter=Q(recognition__status=RecognitionStatus.REFUSED)),
        )
        .order_by()
    }
    keys = ["competitions", "contestants", "placed", "proposed", "granted", "refused"]
    return Table(
        view="competitions",
        title=gettext("职业技能竞赛结果和晋级认定"),
        unit=gettext("人"),
        columns=[
            gettext("竞赛级别"),
            gettext("竞赛数"),
            gettext("参赛人数"),
            gettext("获得名次"),
            gettext("待认定"),
            gettext("已认定"),
            gettext("不予认定"),
        ],
        rows=[
            [str(kind.label), *[counted.get(kind.value, {}).get(k, 0) for k in keys]]
            for kind in CompetitionKind
        ],
        series=[2, 3, 5],
    )


VIEWS = {
    "monthly": (gettext_lazy("每月发证"), certificates_by_month),
    "city": (gettext_lazy("按设区市"), certificates_by_city),
    "occupation": (gettext_lazy("按职业"), certificates_by_occupation),
    "kind": (gettext_lazy("按机构类型"), certificates_by_institution_kind),
    "pass_rate": (gettext_lazy("合格率"), pass_rates),
    "batches": (gettext_lazy("批次进度"), batches_by_state),
    "competitions": (gettext_lazy("竞赛和认定"), competitions),
}


def table(view: str, user, filters: Filters) -> Table:
    return VIEWS[view][1](user, filters)


# --- the quarterly report (统计报表) ----------------------------------------------------------------


def quarter_period(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = months_before(date(year, 3 * quarter, 1), -1) - timedelta(days=1)
    return start, end


def quarter_just_ended(today: date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3  # the quarter before today's, 0 meaning last year's fourth
    return (today.year, quarter) if quarter else (today.year - 1, 4)


def _evaluated_and_certified(user, start, end, kind: str, by: str) -> dict:
    """{group: [evaluated, certified]}: candidates who sat an exam of the evaluation type that
    ended in the period, and certificates of the kind issued in it, grouped by `by` (level,
    institution kind or city)."""
    group = {"level": "level", "kind": "institution__kind", "city": "institution__city__name"}[by]
    period = Filters(start=start, end=end)
    figures = {
        key: [sat, 0]
        for (key,), (sat, _) in results_counts(user, period, group, evaluation_type=kind).items()
        if sat
    }
    for (certificate_kind, key), n in issued_counts(user, period, "kind", group).items():
        if certificate_kind == kind:
            figures.setdefault(key, [0, 0])[1] += n
    return figures


def _section(view, title, label, groups, figures) -> Table:
    rows = [[name, *figures.get(key, [0, 0])] for key, name in groups]
    rows.append([gettext("合计"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return Table(
        view=view,
        title=title,
        unit=gettext("人"),
        columns=[label, gettext("参加评价人数"), gettext("取得证书人数")],
        rows=rows,
        series=[1, 2],
    )


def quarterly_report(user, year: int, quarter: int) -> list[Table]:
    """The quarterly 统计报表 upward: people evaluated (sat an exam ending in the quarter) and
    certified (certificates issued in it), for skill-level certificates by level, institution
    kind and city, for special-ability certificates by institution kind and city, and for
    competitions by competition level. Scoped to the viewer like every statistic."""
    start, end = quarter_period(year, quarter)
    levels = [(level.value, str(level.label)) for level in Level]
    kinds = [(kind.value, str(kind.label)) for kind in InstitutionKind]
    tables = []
    for kind, name in [
        (CertificateKind.SKILL_LEVEL, gettext("职业技能等级认定")),
        (CertificateKind.SPECIAL_ABILITY, gettext("专项职业能力考核")),
    ]:
        if kind == CertificateKind.SKILL_LEVEL:
            figures = _evaluated_and_certified(user, start, end, kind, "level")
            tables.append(
                _section(
                    f"{kind}_level",
                    f"{name}：{gettext('按等级')}",
                    gettext("等级"),
                    levels,
                    figures,
                )
            )
        figures = _evaluated_and_certified(user, start, end, kind, "kind")
        tables.append(
            _section(
                f"{kind}_kind",
                f"{name}：{gettext('按机构类型')}",
                gettext("机构类型"),
                kinds,
                figures,
            )
        )
        figures = _evaluated_and_certified(user, start, end, kind, "city")
        cities = [(city, city) for city in sorted(figures, key=lambda c: c or "")]
        tables.append(
            _section(
                f"{kind}_city", f"{name}：{gettext('按设区市')}", gettext("设区市"), cities, figures
            )
        )
    tables.append(_competition_section(user, start, end))
    return tables


def _competition_section(user, start, end) -> Table:
    contestants = {
        row["competition__kind"]: row["n"]
        for row in Contestant.objects.visible_to(user)
        .filter(competition__ends_on__gte=start, competition__ends_on__lte=end)
        .values("competition__kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    certified = {
        row["competition__kind"]: row["n"]
        for row in Contestant.objects.visible_to(user)
        .filter(
            recognition__status=RecognitionStatus.GRANTED,
            competition__ends_on__gte=start,
            competition__ends_on__lte=end,
        )
        .values("competition__kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = [
        [str(kind.label), contestants.get(kind.value, 0), certified.get(kind.value, 0)]
        for kind in CompetitionKind
    ]
    rows.append([gettext("合计"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return Table(
        view="competition",
        title=gettext("职业技能竞赛：按竞赛级别"),
        unit=gettext("人"),
        columns=[gettext("竞赛级别"), gettext("参赛人数"), gettext("晋级认定人数")],
        rows=rows,
        series=[1, 2],
    )
