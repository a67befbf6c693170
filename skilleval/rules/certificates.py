"""Certificate numbers: the MOHRSS uniform rule for skill-level certificates (人社鉴发〔2019〕2号,
enforced by 54号 四), the vocational qualification rule, and the provincial formats this system
defines for special ability and competition certificates."""

import re
from datetime import date

from rest_framework import serializers

from skilleval.rules.engine import Outcome, Rule, register

JIANGSU = "32"
JIANGSU_CITIES = {f"{n:02d}" for n in range(1, 14)}  # 3201 南京 … 3213 宿迁

# Each format: a regex with one named group per segment; the last segment is the sequence.
# Matched whole (fullmatch) and only in ASCII digits and capitals: `\d` would also take "０"
# and other Unicode digits, and a number is valid only exactly as printed.
FORMATS = {
    # [Y|S] + ministry institution code (4) + province (2) + institution serial (6) + year (2)
    # + level (1) + sequence (6) = 22
    "skill_level": re.compile(
        r"(?P<institution_type>[YS])(?P<institution_code>[0-9]{4})(?P<province>[0-9]{2})"
        r"(?P<institution_serial>[0-9]{6})(?P<year>[0-9]{2})(?P<level>[0-9])(?P<sequence>[0-9]{6})"
    ),
    # year (2) + province (2) + city (2) + institution type (1) + institution serial (3)
    # + level (1) + sequence (5) = 16
    "vocational_qualification": re.compile(
        r"(?P<year>[0-9]{2})(?P<province>[0-9]{2})(?P<city>[0-9]{2})(?P<institution_type>[0-9])"
        r"(?P<institution_serial>[0-9]{3})(?P<level>[0-9])(?P<sequence>[0-9]{5})"
    ),
    # Provincial format: letters (2) + province (2) + city (2) + year (2) + institution serial (6)
    # + sequence (5) = 19
    "special_ability": re.compile(
        r"(?P<prefix>[A-Z]{2})(?P<province>[0-9]{2})(?P<city>[0-9]{2})(?P<year>[0-9]{2})"
        r"(?P<institution_serial>[0-9]{6})(?P<sequence>[0-9]{5})"
    ),
    # Provincial format: letters (2) + province (2) + city (2) + year (2) + competition serial (5)
    # + sequence (4) = 17
    "competition": re.compile(
        r"(?P<prefix>[A-Z]{2})(?P<province>[0-9]{2})(?P<city>[0-9]{2})(?P<year>[0-9]{2})"
        r"(?P<competition_serial>[0-9]{5})(?P<sequence>[0-9]{4})"
    ),
}
LENGTHS = {
    "skill_level": 22,
    "vocational_qualification": 16,
    "special_ability": 19,
    "competition": 17,
}
KIND_ZH = {
    "skill_level": "职业技能等级证书",
    "vocational_qualification": "职业资格证书",
    "special_ability": "专项职业能力证书",
    "competition": "职业技能竞赛证书",
}


def problems_with(kind: str, parts: dict, params: dict) -> list[str]:
    problems = []
    if parts["province"] != JIANGSU:
        problems.append(f"省份代码应为 32（江苏），实为 {parts['province']}")
    if "level" in parts and parts["level"] not in "12345":
        problems.append(f"等级位应为 1–5，实为 {parts['level']}")
    if "city" in parts and parts["city"] not in JIANGSU_CITIES:
        problems.append(f"设区市代码 {parts['city']} 不是江苏的设区市（01–13）")
    if kind == "vocational_qualification" and parts["institution_type"] not in "01234":
        problems.append("机构类型位应为 0–4（0 指导中心、1 国家站、2 地方站、3 行业站、4 企业站）")
    if kind in ("special_ability", "competition") and parts["prefix"] != params[f"{kind}_prefix"]:
        problems.append(f"前缀应为 {params[f'{kind}_prefix']}")
    if set(parts["sequence"]) == {"0"}:
        problems.append("流水号从 1 开始，不能全为 0")
    return problems


@register
class CertificateNumberFormat(Rule):
    """54号 四: certificate numbers follow the ministry's uniform coding rule; numbers made any other
    way are invalid."""

    id = "certificate.number_format"
    clause = "苏人社办函〔2022〕54号 四"
    title_zh = "证书编号按人力资源社会保障部统一编码规则生成（专项职业能力、竞赛证书按本省格式）"
    title_en = "Certificate numbers follow the ministry's uniform coding rule (provincial formats for special ability and competition certificates)"
    valid_from = date(2019, 1, 1)

    class Facts(serializers.Serializer):
        kind = serializers.ChoiceField(choices=list(FORMATS))
        # Exactly as printed: no trimming or case folding here (the lookup form normalises
        # what a person typed before asking).
        number = serializers.CharField(max_length=40, trim_whitespace=False)

    class Parameters(serializers.Serializer):
        special_ability_prefix = serializers.RegexField(r"\A[A-Z]{2}\Z", default="ZX")
        competition_prefix = serializers.RegexField(r"\A[A-Z]{2}\Z", default="JS")

    def decide(self, facts, params, as_of):
        kind, number = facts["kind"], facts["number"]
        match = FORMATS[kind].fullmatch(number)
        if match is None:
            return Outcome(
                {"valid": False, "parts": {}},
                f"{KIND_ZH[kind]}编号应为 {LENGTHS[kind]} 位且符合编码规则，“{number}”不符（{self.clause}）。",
                f"A {kind} number has {LENGTHS[kind]} characters in the coding rule's shape; '{number}' does not ({self.clause}).",
            )
        parts = match.groupdict()
        problems = problems_with(kind, parts, params)
        if problems:
            return Outcome(
                {"valid": False, "parts": parts},
                f"{KIND_ZH[kind]}编号“{number}”不符合编码规则：{'；'.join(problems)}（{self.clause}）。",
                f"The {kind} number '{number}' breaks the coding rule ({len(problems)} problem(s)) ({self.clause}).",
            )
        return Outcome(
            {"valid": True, "parts": parts},
            f"{KIND_ZH[kind]}编号“{number}”符合编码规则（{self.clause}）。",
            f"The {kind} number '{number}' follows the coding rule ({self.clause}).",
        )
