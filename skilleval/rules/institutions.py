"""Who may evaluate what: 54号 三 (technical resources), 41号 二(一) and 三(五) (social training
evaluation organisations and their branches)."""

from datetime import date, timedelta

from rest_framework import serializers

from skilleval.models import Occupation, OccupationLevel
from skilleval.rules.engine import Outcome, Rule, register
from skilleval.rules.occupations import OCCUPATION_CODE, in_catalog, not_in_catalog

KINDS = ["employer", "social_org", "technical_school", "appraisal_centre"]
KIND_ZH = {
    "employer": "用人单位",
    "social_org": "社会培训评价组织",
    "technical_school": "技工院校",
    "appraisal_centre": "职业技能鉴定中心（所）",
}
NOTICE_41_DATE = date(2020, 9, 24)


@register
class InstitutionScopeAllows(Rule):
    """54号 三: occupations of 大类 3–6 only; a third-party institution needs a national standard
    and a question bank, or a provincial specification in the 江苏省技术资源发布目录. An employer
    may evaluate its own staff against an enterprise specification filed with an appraisal centre."""

    id = "institution.scope_allows"
    clause = "苏人社办函〔2022〕54号 三"
    title_zh = (
        "评价机构可申报的职业（工种）、等级须有国家职业技能标准和题库，或经审定的省级评价规范"
    )
    title_en = "Third-party institutions may evaluate only occupation-levels with a national standard and question bank, or an approved provincial specification"
    valid_from = date(2022, 5, 1)

    class Facts(serializers.Serializer):
        institution_kind = serializers.ChoiceField(choices=KINDS)
        occupation_code = serializers.RegexField(OCCUPATION_CODE)
        level = serializers.IntegerField(min_value=1, max_value=5)
        has_national_standard = serializers.BooleanField(default=False)
        has_question_bank = serializers.BooleanField(default=False)
        has_provincial_spec = serializers.BooleanField(default=False)
        # An employer's own enterprise evaluation specification, filed with the appraisal centre.
        has_enterprise_spec = serializers.BooleanField(default=False)

    class Parameters(serializers.Serializer):
        evaluable_major_groups = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=8), default=[3, 4, 5, 6]
        )

    def decide(self, facts, params, as_of):
        kind, code, level = facts["institution_kind"], facts["occupation_code"], facts["level"]
        major = int(code.split("-", 1)[0])
        if major not in params["evaluable_major_groups"]:
            return Outcome(
                {"allowed": False},
                f"职业 {code} 属第{major}大类，不在第三、四、五、六大类之内，不得开展评价（{self.clause}）。",
                f"Occupation {code} is in major group {major}, outside groups 3–6: it may not be evaluated ({self.clause}).",
            )
        if not in_catalog(code):
            return not_in_catalog(code, self.clause)
        if not OccupationLevel.objects.filter(occupation__code=code, level=level).exists():
            return Outcome(
                {"allowed": False},
                f"{code} 的国家职业技能标准未设置{level}级，不得擅加职业技能等级（{self.clause}）。",
                f"The standard of {code} defines no level {level}; levels may not be added ({self.clause}).",
            )
        if Occupation.objects.filter(code=code, is_access_type=True).exists():
            # 41号 二(二): 拟转入准入类职业(工种)不纳入试点范围; 实施意见 四、五.
            return Outcome(
                {"allowed": False},
                f"职业 {code} 为准入类职业资格，由国家规定的政府部门及其所属职业技能鉴定机构组织评价、"
                f"核发职业资格证书，不纳入职业技能等级认定（中就培函〔2020〕41号 二(二)；实施意见 四）。",
                f"Occupation {code} is an access-type qualification: the government's appraisal "
                f"bodies evaluate it and issue vocational qualification certificates; it is not "
                f"certified as a skill level (中就培函〔2020〕41号 二(二); 实施意见 四).",
            )
        if kind == "employer":
            if facts["has_national_standard"] or facts["has_enterprise_spec"]:
                return Outcome(
                    {"allowed": True},
                    f"用人单位可在国家职业技能标准或经鉴定机构备案的企业评价规范框架下评价本单位职工（{self.clause}）。",
                    f"An employer may evaluate its own staff against the national standard or an enterprise specification filed with an appraisal centre ({self.clause}).",
                )
            return Outcome(
                {"allowed": False},
                f"用人单位申报 {code} {level}级：无国家职业技能标准，也无向职业技能鉴定机构备案的企业评价规范，不得开展（{self.clause}）。",
                f"Employer applying for {code} level {level}: no national standard and no enterprise specification filed with an appraisal centre; refused ({self.clause}).",
            )
        national = facts["has_national_standard"] and facts["has_question_bank"]
        if national or facts["has_provincial_spec"]:
            basis_zh = (
                "国家职业技能标准和评价题库"
                if national
                else "纳入《江苏省技术资源发布目录》的省级评价规范"
            )
            basis_en = (
                "a national standard and question bank"
                if national
                else "an approved provincial specification"
            )
            return Outcome(
                {"allowed": True},
                f"{KIND_ZH[kind]}申报 {code} {level}级：具有{basis_zh}，可以开展（{self.clause}）。",
                f"{kind} applying for {code} level {level}: {basis_en} exists; allowed ({self.clause}).",
            )
        return Outcome(
            {"allowed": False},
            f"{KIND_ZH[kind]}申报 {code} {level}级：既无完备的国家职业技能标准和评价题库，也无经省职业技能"
            f"鉴定机构审定、纳入《江苏省技术资源发布目录》的评价规范，不得开展（{self.clause}）。",
            f"{kind} applying for {code} level {level}: there is neither a national standard with a "
            f"question bank nor an approved provincial specification; refused ({self.clause}).",
        )


@register
class EligibleAsSocialOrg(Rule):
    """41号 二(一): government departments, units they own and associations not decoupled from their
    supervising department may not act as social training evaluation organisations."""

    id = "institution.eligible_as_social_org"
    clause = "中就培函〔2020〕41号 二(一)"
    title_zh = (
        "政府部门及其所属单位、未与主管部门脱钩的协会、非专业行业协会不得作为社会培训评价组织"
    )
    title_en = "Government departments, units they own, associations not decoupled from their department and non-professional industry associations cannot be social training evaluation organisations"
    valid_from = NOTICE_41_DATE

    class Facts(serializers.Serializer):
        is_government_department = serializers.BooleanField()
        owned_by_government = serializers.BooleanField()
        association_decoupled = serializers.BooleanField(
            allow_null=True, help_text="null when the applicant is not an association"
        )
        non_professional_association = serializers.BooleanField(
            help_text="a non-professional industry association (非专业行业协会)"
        )

    def decide(self, facts, params, as_of):
        if facts["is_government_department"]:
            reason_zh, reason_en = "政府部门", "a government department"
        elif facts["owned_by_government"]:
            reason_zh, reason_en = "政府部门所属单位", "a unit owned by a government department"
        elif facts["association_decoupled"] is False:
            reason_zh, reason_en = (
                "未与主管部门脱钩的协会",
                "an association not decoupled from its supervising department",
            )
        elif facts["non_professional_association"]:
            reason_zh, reason_en = "非专业行业协会", "a non-professional industry association"
        else:
            return Outcome(
                {"allowed": True},
                f"可以作为社会培训评价组织（{self.clause}）。",
                f"May act as a social training evaluation organisation ({self.clause}).",
            )
        return Outcome(
            {"allowed": False},
            f"申请单位为{reason_zh}，不得纳入社会培训评价组织范围（{self.clause}）。",
            f"The applicant is {reason_en} and may not be a social training evaluation organisation ({self.clause}).",
        )


@register
class BranchAnnounced(Rule):
    """41号 三(四)(五): a branch is filed where it is located and publicly announced online before it
    may run batches."""

    id = "institution.branch_announced"
    clause = "中就培函〔2020〕41号 三(四)(五)"
    title_zh = "分支机构完成属地备案并经网上公示后方可开展评价"
    title_en = "A branch runs batches only after local filing and online public announcement"
    valid_from = NOTICE_41_DATE

    class Facts(serializers.Serializer):
        announced_on = serializers.DateField(
            allow_null=True, help_text="first day of the announcement; null if none"
        )
        on = serializers.DateField(help_text="the day the branch wants to act")

    class Parameters(serializers.Serializer):
        announcement_days = serializers.IntegerField(min_value=1, max_value=60, default=5)

    def decide(self, facts, params, as_of):
        started, day = facts["announced_on"], facts["on"]
        if started is None:
            return Outcome(
                {"may_run": False, "announcement_ends": None},
                f"分支机构尚未完成属地备案和网上公示，不得开展评价（{self.clause}）。",
                f"The branch has not been filed and announced; it may not run batches ({self.clause}).",
            )
        ends = started + timedelta(days=params["announcement_days"] - 1)
        if day > ends:
            return Outcome(
                {"may_run": True, "announcement_ends": ends},
                f"分支机构公示期已于 {ends} 结束，可以开展评价（{self.clause}）。",
                f"The announcement ended on {ends}; the branch may run batches ({self.clause}).",
            )
        return Outcome(
            {"may_run": False, "announcement_ends": ends},
            f"分支机构公示期至 {ends}，公示期内不得开展评价（{self.clause}）。",
            f"The branch is announced until {ends} and may not run batches before then ({self.clause}).",
        )
