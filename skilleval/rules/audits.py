"""双随机、一公开 (实施意见 二十五, 54号 五): random spot checks of institutions and batches with
random inspectors, who may not inspect their own city or institution (回避); and the outcomes of
complaints, made public once concluded without anything that names a person."""

import math
from datetime import date
from decimal import Decimal

from rest_framework import serializers

from skilleval.models.regions import PROVINCE_CODE
from skilleval.personal_data import personal_data_in
from skilleval.rules.engine import Outcome, RegionCodeField, Rule, register


def city_of(region_code: str) -> str:
    """The 设区市 a region belongs to, by the GB/T 2260 hierarchy its code carries: a county
    (320115 江宁区) belongs to its city (320100 南京市); a city and the province are themselves."""
    return region_code if region_code.endswith("00") else f"{region_code[:4]}00"


@register
class SampleSize(Rule):
    """The number of entities a draw inspects: the ratio of the population, rounded up, at least one."""

    id = "audit.sample_size"
    clause = "江苏省改革完善技能人才评价制度的实施意见 二十五"
    title_zh = "“双随机”抽查数量：按比例向上取整，至少一个"
    title_en = "Spot-check sample: the ratio of the population, rounded up, at least one"
    valid_from = date(2020, 1, 1)

    class Facts(serializers.Serializer):
        population = serializers.IntegerField(min_value=0)
        ratio = serializers.DecimalField(
            max_digits=5, decimal_places=4, min_value=Decimal(0), max_value=Decimal(1)
        )

    def decide(self, facts, params, as_of):
        population, ratio = facts["population"], facts["ratio"]
        size = 0 if population == 0 else max(1, math.ceil(Decimal(population) * ratio))
        return Outcome(
            {"sample_size": size},
            f"总体 {population}，比例 {ratio}，抽取 {size} 个（{self.clause}）。",
            f"Population {population}, ratio {ratio}: draw {size} ({self.clause}).",
        )


@register
class InspectorMayInspect(Rule):
    """回避: an inspector does not inspect an entity in their own city or of their own institution.
    A city covers its counties: an inspector from 江宁区 stands aside for all of 南京市."""

    id = "audit.inspector_may_inspect"
    clause = "江苏省改革完善技能人才评价制度的实施意见 二十五"
    title_zh = "检查人员回避：不得检查本市或本单位的评价机构、批次"
    title_en = "Inspectors do not inspect their own city or institution"
    valid_from = date(2020, 1, 1)

    class Facts(serializers.Serializer):
        inspector_city = RegionCodeField()
        inspector_institution = serializers.CharField(
            allow_null=True, allow_blank=True, required=False, default=None
        )
        entity_city = RegionCodeField()
        entity_institution = serializers.CharField(
            allow_null=True, allow_blank=True, required=False, default=None
        )

    @staticmethod
    def conflict(
        inspector_city, inspector_institution, entity_city, entity_institution
    ) -> str | None:
        """The reason an inspector must stand aside, or None. The draw uses this directly."""
        if city_of(inspector_city) == city_of(entity_city) != PROVINCE_CODE:
            return "city"
        if inspector_institution and inspector_institution == entity_institution:
            return "institution"
        return None

    def decide(self, facts, params, as_of):
        conflict = self.conflict(
            facts["inspector_city"],
            facts["inspector_institution"],
            facts["entity_city"],
            facts["entity_institution"],
        )
        if conflict == "city":
            return Outcome(
                {"allowed": False},
                f"检查人员与被检查对象同属一个设区市，应当回避（{self.clause}）。",
                f"The inspector is from the entity's city and must stand aside ({self.clause}).",
            )
        if conflict == "institution":
            return Outcome(
                {"allowed": False},
                f"检查人员所在单位即被检查机构，应当回避（{self.clause}）。",
                f"The inspector belongs to the inspected institution and must stand aside ({self.clause}).",
            )
        return Outcome(
            {"allowed": True}, f"无需回避（{self.clause}）。", f"No conflict ({self.clause})."
        )


@register
class ComplaintOutcomePublishable(Rule):
    """处理结果及时向社会公开: a complaint's outcome is published once it is concluded, in a summary
    the handler writes for the public, which carries no ID number and no phone number."""

    id = "complaint.outcome_publishable"
    clause = "江苏省改革完善技能人才评价制度的实施意见 二十五"
    title_zh = "投诉举报处理结果公开：办结后公开，公开摘要不得含身份证号码、电话号码"
    title_en = (
        "Complaint outcomes are published once concluded, in a summary without ID or phone numbers"
    )
    valid_from = date(2020, 1, 1)

    class Facts(serializers.Serializer):
        concluded = serializers.BooleanField()
        summary = serializers.CharField(allow_blank=True, trim_whitespace=True, max_length=2000)

    KINDS = {"id_number": ("身份证号码", "ID number"), "phone": ("电话号码", "phone number")}

    def decide(self, facts, params, as_of):
        if not facts["concluded"]:
            return Outcome(
                {"allowed": False, "found": []},
                f"举报尚未办结，处理结果办结后才能公开（{self.clause}）。",
                f"The complaint is not concluded; its outcome is published once it is "
                f"({self.clause}).",
            )
        if not facts["summary"]:
            return Outcome(
                {"allowed": False, "found": []},
                f"请填写向社会公开的处理结果摘要（{self.clause}）。",
                f"Write the summary of the outcome to publish ({self.clause}).",
            )
        found = personal_data_in(facts["summary"])
        if found:
            zh = "、".join(f"{self.KINDS[kind][0]} {value}" for kind, value in found)
            en = ", ".join(f"{self.KINDS[kind][1]} {value}" for kind, value in found)
            return Outcome(
                {"allowed": False, "found": [kind for kind, _ in found]},
                f"公开摘要含有个人信息（{zh}），请删去后再公开（{self.clause}）。",
                f"The summary contains personal data ({en}); remove it before publishing "
                f"({self.clause}).",
            )
        return Outcome(
            {"allowed": True, "found": []},
            f"可以向社会公开（{self.clause}）。",
            f"May be published ({self.clause}).",
        )
