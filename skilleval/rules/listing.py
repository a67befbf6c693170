"""How a rule is described to people: the /rules/ page and GET /api/v1/rules/."""

from skilleval.rules.engine import Rule, local_today, parameter_rows


def describe(rule: Rule, as_of=None) -> dict:
    as_of = as_of or local_today()
    version = rule.parameter_version_as_of(as_of)
    return {
        "id": rule.id,
        "clause": rule.clause,
        "title": {"zh": rule.title_zh, "en": rule.title_en},
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "facts": rule.fact_names(),
        "parameters": rule.parameters_as_json(rule.parameters_as_of(as_of)),
        "parameter_rows": parameter_rows(rule.parameters_as_json(rule.parameters_as_of(as_of))),
        "parameters_effective_from": version.effective_from if version else None,
    }
