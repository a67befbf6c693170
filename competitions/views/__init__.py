"""Pages of competitions (54号 一–四): the organiser's competition page with its events,
contestants, live out-of-area ratio and filings; the HR departments' filings and recognitions;
results and certificates; and the public list of 附件3.

Views stay thin: they find the object through `.visible_to(user)` (outside the scope → 404),
hand the input to the model or service, and show its refusals next to the form that caused them.
Every action is a POST; after success the page redirects (no double submit on reload)."""

from competitions.views.competitions import (
    CompetitionListView,
    competition_create,
    competition_detail,
    competition_edit,
    contestant_add,
    contestant_delete,
    contestant_import,
    contestant_template_download,
    event_add,
    event_delete,
    fee_set,
    filing_submit,
)
from competitions.views.filings import (
    CompetitionFilingListView,
    filing_decide,
    filing_detail,
    filing_form_pdf,
    filing_opinion,
)
from competitions.views.honours import (
    HonourListView,
    honour_create,
    honour_detail,
    honour_recognise,
    honour_refuse,
)
from competitions.views.recognitions import RecognitionListView, public_list, recognition_decide
from competitions.views.results import (
    certificates_issue,
    delegate_certificates,
    recognitions_propose,
    results,
)

__all__ = [
    "CompetitionFilingListView",
    "CompetitionListView",
    "HonourListView",
    "RecognitionListView",
    "certificates_issue",
    "competition_create",
    "competition_detail",
    "competition_edit",
    "contestant_add",
    "contestant_delete",
    "contestant_import",
    "contestant_template_download",
    "delegate_certificates",
    "event_add",
    "event_delete",
    "fee_set",
    "filing_decide",
    "filing_detail",
    "filing_form_pdf",
    "filing_opinion",
    "filing_submit",
    "honour_create",
    "honour_detail",
    "honour_recognise",
    "honour_refuse",
    "public_list",
    "recognition_decide",
    "recognitions_propose",
    "results",
]
