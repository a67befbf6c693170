"""The printable filing form of 54号 附件1, “职业技能竞赛跨区域办赛备案表” (WeasyPrint).

A bordered two-column table as in the notice: 主办单位, 竞赛名称, 申报类型, 赛项设置, 涉及参赛地区,
and the opinions of the county, city and province HR departments, filled from the filing. Chinese
is set in an installed CJK face found by fontconfig (fonts-noto-cjk); nothing is fetched over the
network.
"""

import logging

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from competitions.choices import CompetitionKind, FilingLevel
from skilleval.models import Region

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE = "competitions/filing_form_pdf.html"
FORM_TITLE = "职业技能竞赛跨区域办赛备案表"
KIND_SHORT = {
    CompetitionKind.WORLDSKILLS: "世界技能大赛",
    CompetitionKind.NATIONAL: "国家级",
    CompetitionKind.PROVINCIAL: "省级",
    CompetitionKind.CITY: "市级",
    CompetitionKind.COUNTY: "区（县）级",
}
CLASS_SHORT = {1: "一类赛", 2: "二类赛"}


def declared_type(competition) -> str:
    """申报类型 as the form asks for it: 市级一类赛, 市级二类赛, 区（县）级竞赛 …"""
    kind = KIND_SHORT.get(competition.kind, "")
    if competition.kind == CompetitionKind.WORLDSKILLS:
        return kind
    return kind + CLASS_SHORT.get(competition.competition_class, "竞赛")


def region_label(region) -> str:
    """江宁区 reads as 南京市江宁区 on the form; cities and the province as they are."""
    if region.kind == "county" and region.parent_id:
        return f"{region.parent.name}{region.name}"
    return region.name


def regions_text(competition) -> str:
    """The host, the regions involved, other provinces, and where the out-of-area contestants
    come from with their share (54号 二)."""
    involved = [region_label(r) for r in competition.regions_involved.select_related("parent")]
    parts = [f"举办地：{region_label(competition.host_region)}"]
    if involved:
        parts.append("涉及：" + "、".join(involved))
    if competition.other_provinces.strip():
        parts.append("其他省份：" + competition.other_provinces.strip())
    away = (
        competition.contestants.filter(eligible=True, out_of_area=True)
        .values("basis_region")
        .annotate(n=Count("pk"))
        .order_by("basis_region")
    )
    if away:
        names = {
            r.code: region_label(r)
            for r in Region.objects.filter(
                code__in=[a["basis_region"] for a in away]
            ).select_related("parent")
        }
        ratio = competition.out_of_area_decision().result["ratio"]
        parts.append(
            "异地选手来自："
            + "、".join(f"{names[a['basis_region']]} {a['n']} 名" for a in away)
            + f"（占符合资格选手的 {ratio * 100:.1f}%）"
        )
    return "；".join(parts)


def events_text(competition) -> str:
    events = competition.events.select_related("occupation")
    return "、".join(f"{e.occupation.name}（{e.occupation.code}）" for e in events) or "—"


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def form_context(filing) -> dict:
    competition = filing.competition
    decided_on = _chinese_date(timezone.localtime(filing.decided_at)) if filing.decided_at else None
    # The decision's date goes under the opinion of the level the filing was made with.
    decider = "city" if filing.level == FilingLevel.CITY else "province"
    opinions = [
        ("区(县)人力资源<br>社会保障局意见", filing.county_opinion, None),
        (
            "设区市人力资源<br>社会保障局意见",
            filing.city_opinion,
            decided_on if decider == "city" else None,
        ),
        (
            "省人力资源社会<br>保障厅意见",
            filing.province_opinion,
            decided_on if decider == "province" else None,
        ),
    ]
    return {
        "title": FORM_TITLE,
        "filing": filing,
        "competition": competition,
        "declared_type": declared_type(competition),
        "events": events_text(competition),
        "regions": regions_text(competition),
        "opinions": opinions,
        "footer": f"备案编号 {filing.pk} · 备案事由：{filing.get_reason_display().split(' / ')[0]}"
        f" · 备案层级：{filing.get_level_display().split(' / ')[0]} · 打印日期 "
        f"{_chinese_date(timezone.localdate())}",
    }


def filing_form_pdf(filing) -> bytes:
    from weasyprint import HTML

    html = render_to_string(TEMPLATE, form_context(filing))
    return HTML(string=html, base_url=None).write_pdf()
