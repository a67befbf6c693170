"""The institutions app's API, split by topic like its pages (institutions/views/).
`routes` lists every endpoint."""

from institutions.api.views.batches import BatchViewSet, CandidateViewSet, ExitRemedyViewSet
from institutions.api.views.filings import FilingViewSet
from institutions.api.views.institutions import InstitutionViewSet, TechnicalResourceViewSet

# URL names start with "api-": the pages of institutions/urls.py already use "institution-detail",
# "filing-detail" and "technical-resource-list", and the router's names would shadow them.
routes = [
    ("institutions", InstitutionViewSet, "api-institution"),
    ("filings", FilingViewSet, "api-filing"),
    ("technical-resources", TechnicalResourceViewSet, "api-technical-resource"),
    ("batches", BatchViewSet, "api-batch"),
    ("candidates", CandidateViewSet, "api-candidate"),
    ("exit-remedies", ExitRemedyViewSet, "api-exit-remedy"),
]
