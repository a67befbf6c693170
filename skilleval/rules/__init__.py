"""The notices' rules. Importing this package registers every rule.

Use `evaluate("exit.application_deadline", {...}, as_of=...)`; see engine.py for the shape.
"""

from skilleval.rules import (  # noqa: F401  (importing registers the rules)
    audits,
    batches,
    certificates,
    competitions,
    exit_deadlines,
    institutions,
    occupations,
)
from skilleval.rules.engine import (
    RULES,
    Decision,
    InvalidFacts,
    InvalidParameters,
    RuleRefusal,
    UnknownRule,
    evaluate,
    get_rule,
    require,
)

__all__ = [
    "RULES",
    "Decision",
    "InvalidFacts",
    "InvalidParameters",
    "RuleRefusal",
    "UnknownRule",
    "evaluate",
    "get_rule",
    "require",
]
