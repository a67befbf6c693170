from audits.models.reviews import Half, QualityReview, ReviewFlag, ReviewRow
from audits.models.supervision import (
    Complaint,
    CreditFlag,
    Finding,
    Inspector,
    Notice,
    SpotCheck,
    SpotCheckEntity,
    new_complaint_reference,
)

__all__ = [
    "Complaint",
    "CreditFlag",
    "Finding",
    "Half",
    "Inspector",
    "Notice",
    "QualityReview",
    "ReviewFlag",
    "ReviewRow",
    "SpotCheck",
    "SpotCheckEntity",
    "new_complaint_reference",
]
