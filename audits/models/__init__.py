from audits.models.reviews import Half, QualityReview, ReviewFlag, ReviewRow
from audits.models.summary import CertificateSummary, SummaryRefresh, refresh_summary
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
    "CertificateSummary",
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
    "SummaryRefresh",
    "new_complaint_reference",
    "refresh_summary",
]
