from institutions.models.batches import Batch, BatchTransition, Candidate, ExamRoom
from institutions.models.filings import Filing, FilingItem, FilingMaterial, OccupationAdditionCheck
from institutions.models.institutions import CatalogEvent, Institution, ScopeCheck, validate_uscc

__all__ = [
    "Batch",
    "BatchTransition",
    "Candidate",
    "CatalogEvent",
    "ExamRoom",
    "Filing",
    "FilingItem",
    "FilingMaterial",
    "Institution",
    "OccupationAdditionCheck",
    "ScopeCheck",
    "validate_uscc",
]
