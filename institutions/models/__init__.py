from institutions.models.batches import Batch, BatchTransition, Candidate, ExamRoom
from institutions.models.exit_remedies import ExitRemedy
from institutions.models.filings import (
    FiledScope,
    Filing,
    FilingItem,
    FilingMaterial,
    OccupationAdditionCheck,
    ScopeReductionUnconfirmed,
)
from institutions.models.institutions import CatalogEvent, Institution, ScopeCheck, validate_uscc

__all__ = [
    "Batch",
    "BatchTransition",
    "Candidate",
    "CatalogEvent",
    "ExamRoom",
    "ExitRemedy",
    "FiledScope",
    "Filing",
    "FilingItem",
    "FilingMaterial",
    "Institution",
    "OccupationAdditionCheck",
    "ScopeCheck",
    "ScopeReductionUnconfirmed",
    "validate_uscc",
]
