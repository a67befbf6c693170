"""Charts of the twice-yearly quality review (54号 五), on its page and in its printed report:
each flagged indicator's distribution over the institutions with the line the flag is raised at,
and the change of every indicator's total against the previous half-year (the review it was
compared with). In the reader's language on the page, Chinese in the printed report; black and
white safe (skilleval/charts.py)."""

import base64

from django.utils import translation
from django.utils.translation import gettext

from audits.reviews import (
    COMPLAINTS_FLAG_AT,
    INDICATORS,
    OVERRIDES_FLAG_AT,
    RUSH_SHARE_FLAG,
)
from skilleval import charts

# The value at (or, for rush_share, above) which an indicator raises its flag (reviews.flags_for).
FLAG_LINES = {
    "out_of_scope": 1,
    "outside_validity": 1,
    "rush_share": RUSH_SHARE_FLAG,
    "pass_rate_anomalies": 1,
    "eligibility_overrides": OVERRIDES_FLAG_AT,
    "complaints": COMPLAINTS_FLAG_AT,
    "late_publicity": 1,
}
DELTAS = "deltas"
# The charts by name, in the order shown: one per flagged indicator, then the half-year change.
CHART_NAMES = [indicator.field for indicator in INDICATORS if indicator.field in FLAG_LINES]
CHART_NAMES.append(DELTAS)
_INDICATOR = {indicator.field: indicator for indicator in INDICATORS}


def chart_title(name: str) -> str:
    if name == DELTAS:
        return gettext("与上一半年相比")
    return gettext("%(indicator)s：各机构分布") % {"indicator": _INDICATOR[name].label}


def distribution_svg(rows, name: str) -> bytes:
    """The indicator's value per institution, highest first, with the flag's threshold line."""
    values = sorted((getattr(row, name) or 0 for row in rows), reverse=True)
    line = FLAG_LINES[name]
    return charts.render(
        "line",
        chart_title(name),
        "%" if name == "rush_share" else gettext("数量"),
        [str(n) for n in range(1, len(values) + 1)],
        [
            (gettext("机构（按数值由高到低）"), values),
            (gettext("标记阈值 %(value)s") % {"value": line}, [line] * len(values)),
        ],
        no_data=gettext("暂无数据"),
    )


def deltas_svg(totals: dict, previous_totals: dict | None) -> bytes:
    """Each indicator's total, this half-year against the previous one."""
    labels = [str(indicator.label) for indicator in INDICATORS]
    series = [(gettext("本半年"), [totals[indicator.field] for indicator in INDICATORS])]
    if previous_totals:
        previous = [previous_totals[indicator.field] for indicator in INDICATORS]
        series.append((gettext("上一半年"), previous))
    return charts.render(
        "horizontal",
        chart_title(DELTAS),
        gettext("数量"),
        labels,
        series,
        no_data=gettext("暂无数据"),
    )


def chart_svg(name: str, rows, totals: dict, previous_totals: dict | None) -> bytes:
    if name == DELTAS:
        return deltas_svg(totals, previous_totals)
    return distribution_svg(rows, name)


def report_charts(rows, totals, previous_totals) -> list[dict]:
    """The charts of the printed report (Chinese), each with its title and a data URI."""
    rows = list(rows)
    with translation.override("zh-hans"):
        return [
            {
                "title": chart_title(name),
                "src": "data:image/svg+xml;base64,"
                + base64.b64encode(chart_svg(name, rows, totals, previous_totals)).decode(),
            }
            for name in CHART_NAMES
        ]
