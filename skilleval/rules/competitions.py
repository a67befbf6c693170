"""Vocational skill competitions: 54号 一 (contestant eligibility), 二 (out-of-area contestants,
cross-region competitions, no fees), 四 (who issues competition certificates), and direct
recognition of levels from competitions and honours (实施意见 十五、十六)."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext
from rest_framework import serializers

from skilleval.rules.engine import Outcome, Rule, register

NOTICE_54_IN_FORCE = date(2022, 5, 1)
FILING_ZH = {
    "none": "无需备案（由主办单位从严把握）",
    "city": "报设区市人社局备案",
    "province": "报省人社厅备案",
    "co_signed": "相关省级人社部门共同会签",
}


@register
class OutOfAreaFiling(Rule):
    """54号 二: out-of-area contestants ≤ 10% — the organiser controls; 10%–50% — filing with the
    city HR bureau; more than 50% — filing with the province."""

    id = "competition.out_of_area_filing"
    clause = "苏人社办函〔2022〕54号 二"
    title_zh = "异地选手占比10%之内由主办单位从严把握，10%—50%报设区市备案，超过50%报省厅备案"
    title_en = "Out-of-area contestants: ≤10% organiser, 10–50% city filing, >50% provincial filing"
    valid_from = NOTICE_54_IN_FORCE

    class Facts(serializers.Serializer):
        contestants_total = serializers.IntegerField(min_value=0)
        contestants_out_of_area = serializers.IntegerField(min_value=0)

        def validate(self, data):
            if data["contestants_out_of_area"] > data["contestants_total"]:
                raise serializers.ValidationError(
                    {"contestants_out_of_area": gettext("异地选手数不能超过选手总数")}
                )
            return data

    class Parameters(serializers.Serializer):
        organiser_max = serializers.DecimalField(
            max_digits=4, decimal_places=3, default=Decimal("0.10")
        )
        city_max = serializers.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.50"))

    def decide(self, facts, params, as_of):
        total, out = facts["contestants_total"], facts["contestants_out_of_area"]
        # Compare exact fractions, so 1 in 10 is exactly 10% (no floating-point surprises).
        ratio = Decimal(out) / Decimal(total) if total else Decimal(0)
        if ratio <= params["organiser_max"]:
            required = "none"
        elif ratio <= params["city_max"]:
            required = "city"
        else:
            required = "province"
        percent = f"{ratio * 100:.1f}%"
        return Outcome(
            {"ratio": float(round(ratio, 4)), "required_filing": required},
            f"异地选手 {out}/{total}（{percent}）：{FILING_ZH[required]}（{self.clause}）。",
            f"{out} of {total} contestants out of area ({percent}): required filing — {required} ({self.clause}).",
        )


@register
class CrossRegionFiling(Rule):
    """54号 二: cross-region competitions are filed in advance with the next level up."""

    id = "competition.cross_region_filing"
    clause = "苏人社办函〔2022〕54号 二"
    title_zh = (
        "跨区域办赛提前报上一级人社部门备案：区县际报设区市，设区市际报省厅，跨省由省级共同会签"
    )
    title_en = "Cross-region competitions: across counties → city, across cities → province, across provinces → co-signed"
    valid_from = NOTICE_54_IN_FORCE

    SPANS = {
        "within_county": "none",
        "across_counties": "city",
        "across_cities": "province",
        "across_provinces": "co_signed",
    }

    class Facts(serializers.Serializer):
        span = serializers.ChoiceField(
            choices=["within_county", "across_counties", "across_cities", "across_provinces"]
        )

    def decide(self, facts, params, as_of):
        required = self.SPANS[facts["span"]]
        return Outcome(
            {"required_filing": required},
            f"办赛范围：{facts['span']}，{FILING_ZH[required]}，须在比赛开始前完成（{self.clause}）。",
            f"Span {facts['span']}: required filing — {required}, before the competition starts ({self.clause}).",
        )


@register
class ContestantEligible(Rule):
    """54号 一: a contestant qualifies by one of: Jiangsu basic pension insurance for more than a
    year; Jiangsu hukou; for the student group, enrolment at a Jiangsu technical, vocational or
    higher school."""

    id = "competition.contestant_eligible"
    clause = "苏人社办函〔2022〕54号 一"
    title_zh = (
        "参赛资格：参加我省基本养老保险一年以上，或具有我省户籍，或（学生组）具有我省院校学籍"
    )
    title_en = "Contestants: Jiangsu pension insurance ≥ 1 year, or Jiangsu hukou, or (students) a Jiangsu school"
    valid_from = NOTICE_54_IN_FORCE

    class Facts(serializers.Serializer):
        group = serializers.ChoiceField(choices=["worker", "student"])
        # "一年以上" counted in whole months of contributions: 11 months is not a year, 12 is
        # (one decimal of years could not say so). 1200 months = 100 years, the most there is.
        pension_months_in_province = serializers.IntegerField(min_value=0, max_value=1200)
        hukou_in_province = serializers.BooleanField()
        enrolled_in_province_school = serializers.BooleanField(default=False)

    class Parameters(serializers.Serializer):
        min_pension_months = serializers.IntegerField(min_value=1, max_value=1200, default=12)

    def decide(self, facts, params, as_of):
        if facts["pension_months_in_province"] >= params["min_pension_months"]:
            basis, zh, en = (
                "pension",
                "参加我省基本养老保险一年以上",
                "Jiangsu basic pension insurance for a year or more",
            )
        elif facts["hukou_in_province"]:
            basis, zh, en = "hukou", "具有我省户籍", "Jiangsu hukou"
        elif facts["group"] == "student" and facts["enrolled_in_province_school"]:
            basis, zh, en = (
                "school",
                "具有我省技工院校、职业院校或高等院校学籍",
                "enrolled at a Jiangsu school",
            )
        else:
            return Outcome(
                {"eligible": False, "basis": None},
                f"不符合参赛资格：未参加我省基本养老保险满一年，无我省户籍"
                f"{'，亦无我省院校学籍' if facts['group'] == 'student' else ''}（{self.clause}）。",
                f"Not eligible: none of the grounds of {self.clause} applies.",
            )
        return Outcome(
            {"eligible": True, "basis": basis},
            f"符合参赛资格：{zh}（{self.clause}）。",
            f"Eligible: {en} ({self.clause}).",
        )


@register
class DirectRecognition(Rule):
    """实施意见 十五: WorldSkills medallists, national class-1 places 1–3 and provincial class-1 place 1
    → level 1 (by the province); national class-1 places 4–6 and provincial class-1 places 2–3 →
    level 2; other competitions: the city or county decides, level 2 or below."""

    id = "competition.direct_recognition"
    clause = "江苏省改革完善技能人才评价制度的实施意见 十五"
    title_zh = "职业技能竞赛获奖选手直接认定相应职业技能等级"
    title_en = "Direct recognition of skill levels from competition results"
    valid_from = date(2020, 1, 1)

    class Facts(serializers.Serializer):
        competition_kind = serializers.ChoiceField(
            choices=["worldskills", "national", "provincial", "city", "county"]
        )
        competition_class = serializers.ChoiceField(choices=[1, 2], allow_null=True)
        rank = serializers.IntegerField(min_value=1)

    class Parameters(serializers.Serializer):
        worldskills_medal_ranks = serializers.IntegerField(min_value=1, default=3)

    def decide(self, facts, params, as_of):
        kind, klass, rank = facts["competition_kind"], facts["competition_class"], facts["rank"]
        level = None
        if kind == "worldskills" and rank <= params["worldskills_medal_ranks"]:
            level = 1
        elif kind == "national" and klass == 1:
            level = 1 if rank <= 3 else 2 if rank <= 6 else None
        elif kind == "provincial" and klass == 1:
            level = 1 if rank == 1 else 2 if rank <= 3 else None
        if level:
            return Outcome(
                {"level": level, "decided_by": "province"},
                f"{kind} {klass or ''}类赛第{rank}名：由省人社厅认定为{'一级/高级技师' if level == 1 else '二级/技师'}（{self.clause}）。",
                f"{kind} class {klass} rank {rank}: level {level}, recognised by the province ({self.clause}).",
            )
        # Every other result: the city or county HR department decides, at level 2 or below.
        return Outcome(
            {"level": None, "decided_by": "city_or_county"},
            f"其他竞赛获奖人员由市、县人社部门根据竞赛类别、层级及成绩确定二级/技师及以下等级（{self.clause}）。",
            f"Other results: the city or county decides a level of 2 or below by competition and rank ({self.clause}).",
        )


@register
class CertificateIssuer(Rule):
    """54号 四: city class-1 competitions — the city appraisal centre issues on behalf (代章); city
    class-2 — the city centre, or the organiser if delegated and holding certification authority;
    county competitions — the city appraisal centre."""

    id = "competition.certificate_issuer"
    clause = "苏人社办函〔2022〕54号 四"
    title_zh = "竞赛证书核发权限：市级一类赛、区县级竞赛由市鉴定机构代章核发；市级二类赛可委托有认定权限的主办方核发"
    title_en = "Competition certificates: the city appraisal centre, or a delegated organiser with authority for city class-2"
    valid_from = NOTICE_54_IN_FORCE

    class Facts(serializers.Serializer):
        competition_level = serializers.ChoiceField(choices=["city", "county"])
        competition_class = serializers.ChoiceField(choices=[1, 2], allow_null=True)
        delegated_to_organiser = serializers.BooleanField(
            default=False,
            help_text="a delegation recorded by the host city's HR bureau or the province",
        )
        organiser_has_authority = serializers.BooleanField(
            default=False,
            help_text="the delegated institution is in the catalog with a valid filing",
        )

    def decide(self, facts, params, as_of):
        organiser = (
            facts["competition_level"] == "city"
            and facts["competition_class"] == 2
            and facts["delegated_to_organiser"]
            and facts["organiser_has_authority"]
        )
        if organiser:
            return Outcome(
                {"issuer": "organiser"},
                f"市级二类赛，已委托具有职业技能等级认定权限的主办方核发（{self.clause}）。",
                f"City class-2 competition delegated to an organiser with certification authority ({self.clause}).",
            )
        return Outcome(
            {"issuer": "city_appraisal_centre"},
            f"由市职业技能鉴定机构代章核发（{self.clause}）。",
            f"Issued on behalf by the city appraisal centre ({self.clause}).",
        )


class Fee(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


@register
class FeesAllowed(Rule):
    """54号 二: "不得收取任何报名费、参赛费以及证书核发等费用" — no fee of any name ("等" closes
    nothing), so the rule takes every fee the competition lists, whatever it is called."""

    id = "competition.fees_allowed"
    clause = "苏人社办函〔2022〕54号 二"
    title_zh = "各地举办的职业技能大赛不得收取任何报名费、参赛费以及证书核发等费用"
    title_en = "No registration, participation, certificate or any other fee"
    valid_from = NOTICE_54_IN_FORCE

    class Facts(serializers.Serializer):
        fees = Fee(many=True, allow_empty=True)

    def decide(self, facts, params, as_of):
        charged = [fee for fee in facts["fees"] if fee["amount"] > 0]
        if charged:
            names = "、".join(f"{fee['name']} {fee['amount']} 元" for fee in charged)
            names_en = ", ".join(f"{fee['name']} {fee['amount']} yuan" for fee in charged)
            return Outcome(
                {"allowed": False, "charged": [fee["name"] for fee in charged]},
                f"不得收取报名费、参赛费以及证书核发等任何费用，现收取：{names}（{self.clause}）。",
                f"No fee of any name is allowed; charged: {names_en} ({self.clause}).",
            )
        return Outcome(
            {"allowed": True, "charged": []},
            f"未收取任何费用（{self.clause}）。",
            f"No fees charged ({self.clause}).",
        )


@register
class HonourRecognition(Rule):
    """实施意见 十六: 中华技能大奖, 全国技术能手 and 江苏技能大奖 → level 1; other government honours →
    level 2 or below."""

    id = "honour.direct_recognition"
    clause = "江苏省改革完善技能人才评价制度的实施意见 十六"
    title_zh = "获得中华技能大奖、全国技术能手、江苏技能大奖的直接认定为高级技师"
    title_en = "Top honours are recognised as level 1; other honours level 2 or below"
    valid_from = date(2020, 1, 1)

    TOP = {"china_skills_award", "national_technical_expert", "jiangsu_skills_award"}

    class Facts(serializers.Serializer):
        honour = serializers.ChoiceField(
            choices=[
                "china_skills_award",
                "national_technical_expert",
                "jiangsu_skills_award",
                "other",
            ]
        )

    def decide(self, facts, params, as_of):
        if facts["honour"] in self.TOP:
            return Outcome(
                {"level": 1, "max_level": 1},
                f"获得该荣誉可直接认定为一级/高级技师（{self.clause}）。",
                f"This honour is recognised as level 1 ({self.clause}).",
            )
        return Outcome(
            {"level": None, "max_level": 2},
            f"其他政府表彰可认定二级/技师及以下等级（{self.clause}）。",
            f"Other government honours: level 2 or below ({self.clause}).",
        )
