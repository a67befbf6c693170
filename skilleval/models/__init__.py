from skilleval.models.calendar import CalendarDay
from skilleval.models.changelog import (
    AppendOnlyError,
    AuditChainHead,
    AuditEntry,
    AuditSignal,
)
from skilleval.models.jobs import Job
from skilleval.models.occupations import ApplicationCondition, Occupation, OccupationLevel
from skilleval.models.regions import Region
from skilleval.models.rules import RuleParameterVersion
from skilleval.models.tokens import ApiToken
from skilleval.models.users import AccountGuard, PasswordHistory, SignInRefused, User

__all__ = [
    "AccountGuard",
    "ApiToken",
    "AppendOnlyError",
    "ApplicationCondition",
    "AuditChainHead",
    "AuditEntry",
    "AuditSignal",
    "CalendarDay",
    "Job",
    "Occupation",
    "OccupationLevel",
    "PasswordHistory",
    "Region",
    "RuleParameterVersion",
    "SignInRefused",
    "User",
]
