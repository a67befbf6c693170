"""Charts of the twice-yearly quality review (54号 五) for its printed report: each flagged
indicator's distribution over the institutions with the line the flag is raised at, and the change
of every indicator's total against the previous half-year (the review it was compared with).
Chinese, as the printed report is; black and white safe (skilleval/charts.py)."""

import base64

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
THRESHOLD = "标记阈值"


def distribution_svg(rows, indicator) -> bytes:
    """The indicator's value per institution, highest first, with the flag's threshold line."""
    values = sorted((getattr(row, indicator.field) or 0 for row in rows), reverse=True)
    line = FLAG_LINES[indicator.field]
    return charts.render(
        "line",
        f"{indicator.zh}：各机构分布",
        "%" if indicator.field == "rush_share" else "数量",
        [str(n) for n in range(1, len(values) + 1)],
        [("机构（按数值由高到低）", values), (f"{THRESHOLD} {line}", [line] * len(values))],
        no_data="暂无数据",
    )


def deltas_svg(totals: dict, previous_totals: dict | None) -> bytes:
    """Each indicator's total, this half-year against the previous one."""
    labels = [indicator.zh for indicator in INDICATORS]
    series = [("本半年", [totals[indicator.field] for indicator in INDICATORS])]
    if previous_totals:
        series.append(("上半年", [previous_totals[indicator.field] for indicator in INDICATORS]))
    return charts.render("horizontal", "与上一半年相比", "数量", labels, series, no_data="暂无数据")


def as_data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def report_charts(rows, totals, previous_totals) -> list[dict]:
    """The charts of the printed report, each with its title and a data URI."""
    rows = list(rows)
    found = [
        {
            "title": f"{indicator.zh}：各机构分布",
            "src": as_data_uri(distribution_svg(rows, indicator)),
        }
        for indicator in INDICATORS
        if indicator.field in FLAG_LINES
    ]
    found.append(
        {"title": "与上一半年相比", "src": as_data_uri(deltas_svg(totals, previous_totals))}
    )
    return found
