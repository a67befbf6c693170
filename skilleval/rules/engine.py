"""The rule engine core.

A rule is a class with an id, the clause of the notice it enforces, the period it is in force
(Asia/Shanghai dates), a DRF serializer describing its facts, a serializer describing its
parameters (with defaults), and a `decide` method. Parameters are data: province admins add
RuleParameterVersion rows with an effective date, and every evaluation is *as of* a date, so a
2021 batch is judged by the parameters of 2021.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from skilleval.models import Region, RuleParameterVersion

RULES: dict[str, "Rule"] = {}


class UnknownRule(LookupError):
    pass


class InvalidFacts(ValueError):
    """Facts that are missing or malformed; `errors` maps each fact to its messages."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class InvalidParameters(ValueError):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


# Every fact has a range (a rule is asked about people, batches and certificates of this era): a
# date outside it or a number beyond it is refused by name instead of overflowing in `decide`.
EARLIEST_DAY = date(1949, 10, 1)
LATEST_DAY = date(2199, 12, 31)
LARGEST_NUMBER = 10**9


def out_of_range(values: dict) -> dict:
    """The facts (or as_of) outside the range every fact has, each with its message."""
    errors = {}
    for name, value in values.items():
        if isinstance(value, date):
            if not EARLIEST_DAY <= value <= LATEST_DAY:
                errors[name] = [
                    gettext("日期须在 %(EARLIEST_DAY)s 至 %(LATEST_DAY)s 之间")
                    % {"EARLIEST_DAY": EARLIEST_DAY, "LATEST_DAY": LATEST_DAY}
                ]
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            finite = not isinstance(value, Decimal) or value.is_finite()
            if not finite or abs(value) > LARGEST_NUMBER:
                errors[name] = [
                    gettext("数值超出范围（绝对值不超过 %(LARGEST_NUMBER)s）")
                    % {"LARGEST_NUMBER": LARGEST_NUMBER}
                ]
    return errors


def unknown_names(data, known) -> dict:
    """Names a rule does not know: refused, never ignored (a typo would silently take a default)."""
    return {name: [gettext("未知的字段，本规则不使用")] for name in sorted(set(data) - set(known))}


def local_today() -> date:
    return timezone.localdate()  # TIME_ZONE is Asia/Shanghai


@dataclass(frozen=True)
class Outcome:
    """What a rule's `decide` returns: the result and its explanation in both languages."""

    result: dict
    zh: str
    en: str

    @property
    def text(self) -> str:
        """The explanation in the reader's language."""
        return in_reader_language(self.zh, self.en)


def in_reader_language(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") else zh


@dataclass(frozen=True)
class Decision:
    rule: "Rule"
    as_of: date
    result: dict
    zh: str
    en: str
    in_effect: bool

    @property
    def not_in_force(self) -> bool:
        """The rule was not yet in force on the day asked: `result` then says only that (and
        from when), so a caller must decide what "not in force" means for it."""
        return not self.in_effect

    def to_dict(self) -> dict:
        return {
            "rule": self.rule.id,
            "as_of": self.as_of.isoformat(),
            "clause": self.rule.clause,
            "in_effect": self.in_effect,
            "result": {
                k: v.isoformat() if isinstance(v, date) else v for k, v in self.result.items()
            },
            "explanation": {"zh": self.zh, "en": self.en},
        }

    @property
    def text(self) -> str:
        """The explanation in the reader's language (a refusal shown on a page or in an API error)."""
        return in_reader_language(self.zh, self.en)


class RegionCodeField(serializers.CharField):
    """A Jiangsu region (GB/T 2260 code) the system knows; anything else is refused by name."""

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not (len(code) == 6 and code.isascii() and code.startswith("32")) or not (
            Region.objects.filter(code=code).exists()
        ):
            raise serializers.ValidationError(
                gettext("“%(code)s”不是江苏省的行政区划代码") % {"code": code}
            )
        return code


# Parameter names as people read them: pages show these words, never the keys (which stay in the
# API and the JSON of a new version).
PARAMETER_LABELS = {
    "announcement_days": _("公示期（天）"),
    "batch_1_cutoff": _("第一批退出截止日期"),
    "batch_2_cutoff": _("第二批退出截止日期"),
    "organiser_max": _("无须备案的外地选手比例上限"),
    "city_max": _("报设区市备案的外地选手比例上限"),
    "competition_prefix": _("竞赛证书编号前缀"),
    "special_ability_prefix": _("专项职业能力证书编号前缀"),
    "evaluable_major_groups": _("可开展评价的职业大类"),
    "factor": _("超出常规人数的倍数"),
    "minimum": _("提示的最少人数"),
    "last_day": _("证书最后核发日期"),
    "min_pension_months": _("省内参保最少月数"),
    "window_days": _("截止前突击评价的天数"),
    "working_days": _("公示工作日数"),
    "worldskills_medal_ranks": _("世界技能大赛获奖名次（前几名）"),
}


def parameter_rows(parameters: dict) -> list[tuple[str, str]]:
    """A rule's parameters (as stored, JSON) as (label, value) in words for a page."""
    rows = []
    for name, value in parameters.items():
        if isinstance(value, list):
            value = "、".join(map(str, value))
        rows.append((PARAMETER_LABELS.get(name, name), "—" if value in (None, "") else str(value)))
    return rows


class NoParameters(serializers.Serializer):
    pass


class Rule:
    id: str
    clause: str
    title_zh: str
    title_en: str
    valid_from: date
    valid_to: date | None = None
    Facts: type[serializers.Serializer]
    Parameters: type[serializers.Serializer] = NoParameters

    def decide(self, facts: dict, params: dict, as_of: date) -> Outcome:
        raise NotImplementedError

    def in_effect_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def parameter_version_as_of(self, day: date):
        return (
            RuleParameterVersion.objects.filter(rule_id=self.id, effective_from__lte=day)
            .order_by("-effective_from")
            .first()
        )

    def parameters_as_of(self, day: date) -> dict:
        version = self.parameter_version_as_of(day)
        return self.validate_parameters(version.parameters if version else {})

    def validate_parameters(self, data: dict) -> dict:
        if not isinstance(data, dict):
            raise InvalidParameters({"parameters": [gettext("须为对象")]})
        unknown = unknown_names(data, self.Parameters().fields)
        if unknown:
            raise InvalidParameters(unknown)
        serializer = self.Parameters(data=data)
        if not serializer.is_valid():
            raise InvalidParameters(serializer.errors)
        return dict(serializer.validated_data)

    def parameters_as_json(self, params: dict) -> dict:
        return dict(self.Parameters(instance=params).data)

    def fact_names(self) -> list[str]:
        return list(self.Facts().fields)

    def evaluate(self, facts: dict, as_of: date | None = None) -> Decision:
        as_of = as_of or local_today()
        if not isinstance(facts, dict):
            raise InvalidFacts({"facts": [gettext("须为对象")]})
        errors = unknown_names(facts, self.Facts().fields) | out_of_range({"as_of": as_of})
        if errors:
            raise InvalidFacts(errors)
        serializer = self.Facts(data=facts)
        if not serializer.is_valid():
            raise InvalidFacts(serializer.errors)
        validated = dict(serializer.validated_data)
        errors = out_of_range(validated)
        if errors:
            raise InvalidFacts(errors)
        if not self.in_effect_on(as_of):
            # Asked about a day before the rule entered into force: the answer is that it was not
            # in force, never what the later rule would decide (a 2021 case is not judged by 2022).
            return Decision(
                self,
                as_of,
                {"in_force": False, "in_force_from": self.valid_from},
                f"所询日期 {as_of} 本规则尚未施行（{self._period_zh()}施行，{self.clause}）。",
                f"On {as_of} this rule was not yet in force (in force {self._period_en()}, "
                f"{self.clause}).",
                False,
            )
        outcome = self.decide(validated, self.parameters_as_of(as_of), as_of)
        return Decision(self, as_of, outcome.result, outcome.zh, outcome.en, True)

    def _period_zh(self) -> str:
        return f"{self.valid_from}起" + (f"至{self.valid_to}" if self.valid_to else "")

    def _period_en(self) -> str:
        return f"from {self.valid_from}" + (f" to {self.valid_to}" if self.valid_to else "")


def register(rule_class: type[Rule]) -> type[Rule]:
    RULES[rule_class.id] = rule_class()
    return rule_class


def get_rule(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        raise UnknownRule(rule_id) from None


def evaluate(rule_id: str, facts: dict, as_of: date | None = None) -> Decision:
    """Evaluate a registered rule against facts as of a date (default: today in Jiangsu)."""
    return get_rule(rule_id).evaluate(facts, as_of)


class RuleRefusal(ValidationError):
    """A rule said no. Carries the decision; its message is the explanation in the language of
    whoever is told (the request's), the decision keeps both."""

    def __init__(self, decision: Decision):
        self.decision = decision
        super().__init__(decision.text, code=decision.rule.id)


def require(rule_id: str, facts: dict, as_of: date | None = None, key: str = "allowed") -> Decision:
    """Evaluate a rule and raise RuleRefusal when it refuses. A rule not in force on the day
    does not apply, so it refuses nothing (a 2021 filing is not judged by a 2022 notice): the
    caller gets the "not in force" decision back."""
    decision = evaluate(rule_id, facts, as_of)
    if decision.in_effect and not decision.result[key]:
        raise RuleRefusal(decision)
    return decision
