from institutions.models.filings import Filing, FilingItem, FilingMaterial, OccupationAdditionCheck
from institutions.models.institutions import CatalogEvent, Institution, ScopeCheck, validate_uscc

__all__ = [
    "CatalogEvent",
    "Filing",
    "FilingItem",
    "FilingMaterial",
    "Institution",
    "OccupationAdditionCheck",
    "ScopeCheck",
    "validate_uscc",
]
