from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from skilleval.models import Occupation
from skilleval.rules.engine import Outcome, Rule, register

OCCUPATION_CODE = r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}(-[0-9]{2})?$"


def in_catalog(code: str) -> bool:
    return Occupation.objects.filter(code=code, is_active=True).exists()


def not_in_catalog(code: str, clause: str) -> Outcome:
    return Outcome(
        {"allowed": False},
        f"{code} 不在职业目录（《国家职业分类大典》）中，不得擅造职业（工种）名称（{clause}）。",
        f"{code} is not in the occupation catalog; occupations may not be invented ({clause}).",
    )


@register
class OccupationEvaluable(Rule):
    """54号 三: skill-level certification only for occupations of 大典 大类 3, 4, 5 and 6 that are
    in the catalog (不得擅造职业（工种）名称)."""

    id = "occupation.evaluable"
    clause = "苏人社办函〔2022〕54号 三"
    title_zh = "仅《国家职业分类大典》第三、四、五、六大类职业可开展技能人才评价"
    title_en = "Only occupations of major groups 3, 4, 5 and 6 of the national classification may be evaluated"
    valid_from = date(2022, 5, 1)  # 54号 五: in force from 2022-05-01

    class Facts(serializers.Serializer):
        occupation_code = serializers.RegexField(
            OCCUPATION_CODE,
            error_messages={"invalid": _("职业编码格式应为 大类-中类-小类-细类，如 6-18-01-01")},
        )

    class Parameters(serializers.Serializer):
        evaluable_major_groups = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=8), default=[3, 4, 5, 6]
        )

    def decide(self, facts, params, as_of):
        code = facts["occupation_code"]
        major = int(code.split("-", 1)[0])
        groups = params["evaluable_major_groups"]
        allowed = major in groups
        groups_zh = "、".join(str(g) for g in groups)
        if allowed and not in_catalog(code):
            return not_in_catalog(code, self.clause)
        if allowed:
            return Outcome(
                {"allowed": True},
                f"职业 {code} 属第{major}大类，可开展技能人才评价（{self.clause}）。",
                f"Occupation {code} is in major group {major}: it may be evaluated ({self.clause}).",
            )
        return Outcome(
            {"allowed": False},
            f"职业 {code} 属第{major}大类；仅第{groups_zh}大类职业可开展技能人才评价，"
            f"不得擅造职业（工种）名称（{self.clause}）。",
            f"Occupation {code} is in major group {major}; only major groups "
            f"{', '.join(map(str, groups))} may be evaluated ({self.clause}).",
        )
