"""Fuzzing the API: schemathesis generates requests for every operation of the OpenAPI schema
(`/api/schema/`, drf-spectacular) and sends them to the WSGI app in-process, as a province admin,
an institution's staff, a city's staff, a competition organiser and nobody. Whatever it sends, no
answer may be a server error: bad input is a 400, a stranger a 401/403/404.

Bounded and repeatable for CI: a fixed number of examples per operation, derandomized, no example
database. Path parameters are often swapped for the ids of rows that exist, so the fuzzer reaches
the code behind the 404.
"""

import os
from datetime import date

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from institutions.choices import BatchStatus, EligibilityStatus, InstitutionKind
from institutions.models import Batch, Institution
from skilleval.choices import Role
from skilleval.models import ApiToken
from skilleval.wsgi import application
from tests.factories import (
    BatchFactory,
    InstitutionFactory,
    UserFactory,
    approved_filing,
    make_candidate,
    occupation_with_resources,
    region,
)

# Per operation and role-drawing: enough to find the 5xx that hide behind a bad value, few enough
# that the ~100 operations run in a few minutes on PostgreSQL.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", 25))
ROLES = ("province_admin", "institution_staff", "city_staff", "organiser", "anonymous")

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process_requests(db):
    """Requests to the WSGI app share the test's connection and transaction, as Django's test
    client does: the end of a request must not close the connection (on PostgreSQL it would)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(in_process_requests):
    """The schema as the app serves it, bound to the app; requests never leave the process."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    known = existing_rows()

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Half the time, point every id at a row that exists (to reach the code behind the 404).
        existing = {
            name: st.sampled_from(known[name]) for name in path_parameters or () if known.get(name)
        }
        if not existing:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters),
            st.fixed_dictionaries(existing).map(lambda ids: {**path_parameters, **ids}),
        )

    return schema


def existing_rows() -> dict[str, list]:
    """A small world to fuzz against: an institution with a filed scope and a published batch
    with candidates. Returns path parameter values that exist."""
    institution = InstitutionFactory(
        name="南京模糊测试机电有限公司",
        kind=InstitutionKind.EMPLOYER,
        county=region("320115"),
        province_serial="000321",
    )
    occupation = occupation_with_resources()
    approved_filing(institution, [(occupation, 4)])
    staff = UserFactory(username="fuzz-staff", role=Role.INSTITUTION_STAFF, institution=institution)
    batch = BatchFactory(
        institution=institution,
        occupation=occupation,
        region=region("320115"),
        venue="江宁区某实训基地",
        exam_starts_on=date(2030, 11, 1),
        exam_ends_on=date(2030, 11, 2),
        created_by=staff,
    )
    for n in range(3):
        make_candidate(batch, n, eligibility=EligibilityStatus.PASSED)
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.PLAN_PUBLISHED)
    ids = {
        "id": sorted({batch.pk, institution.pk, *batch.candidates.values_list("pk", flat=True)}),
        "code": ["6-18-01-01", "320100", "320115"],
        "rule_id": ["exit.application_deadline", "competition.fees_allowed"],
    }
    return ids


def test_no_request_gets_a_server_error(api_schema, api_users):
    """Every operation in turn; all the server errors are listed at the end, not just the first."""
    server_errors = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @hypothesis.given(case=operation.as_strategy(), role=st.sampled_from(ROLES))
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case, role):
            headers = {}
            if role != "anonymous":
                headers["Authorization"] = f"Token {api_users.token(role)}"
            cache.clear()  # rate limits would hide the code behind them
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as failure:  # every operation is tried, and all are reported
            server_errors.append(f"{operation.label}: {failure}")
    assert not server_errors, "\n\n".join(server_errors)


class ApiUsers:
    """A user of each role, and a valid token for it (re-issued if the fuzzer revoked it)."""

    def __init__(self):
        institution = Institution.objects.get(name="南京模糊测试机电有限公司")
        self.users = {
            "province_admin": UserFactory(username="fuzz-padmin", role=Role.PROVINCE_ADMIN),
            "institution_staff": UserFactory(
                username="fuzz-staff", role=Role.INSTITUTION_STAFF, institution=institution
            ),
            "city_staff": UserFactory(
                username="fuzz-nanjing", role=Role.CITY_STAFF, city=region("320100")
            ),
            "organiser": UserFactory(
                username="fuzz-organiser",
                role=Role.COMPETITION_ORGANISER,
                organisation="某市总工会",
            ),
        }
        self.secrets: dict[str, tuple[int, str]] = {}

    def token(self, role: str) -> str:
        issued = self.secrets.get(role)
        if issued is None or not ApiToken.objects.active().filter(pk=issued[0]).exists():
            token, secret = ApiToken.objects.issue(self.users[role], name="fuzz")
            self.secrets[role] = issued = (token.pk, secret)
        return issued[1]


@pytest.fixture
def api_users(api_schema):
    return ApiUsers()
