"""Competitions' models by topic: `competitions` (a competition, its events, fees and certificate
delegation), `contestants`, `filings` (filings and recognitions) and `honours`."""

from competitions.models.competitions import (
    CertificateDelegation,
    Competition,
    CompetitionFee,
    CompetitionQuerySet,
    Event,
    certificates_of,
    region_within,
)
from competitions.models.contestants import (
    Contestant,
    ContestantQuerySet,
    IdentifiedPerson,
    check_id_number,
)
from competitions.models.filings import CompetitionFiling, CompetitionFilingQuerySet, Recognition
from competitions.models.honours import (
    Honour,
    HonourQuerySet,
    area_appraisal_centre,
    provincial_appraisal_centre,
)

__all__ = [
    "CertificateDelegation",
    "Competition",
    "CompetitionFee",
    "CompetitionFiling",
    "CompetitionFilingQuerySet",
    "CompetitionQuerySet",
    "Contestant",
    "ContestantQuerySet",
    "Event",
    "Honour",
    "HonourQuerySet",
    "IdentifiedPerson",
    "Recognition",
    "area_appraisal_centre",
    "certificates_of",
    "check_id_number",
    "provincial_appraisal_centre",
    "region_within",
]
