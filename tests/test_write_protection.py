"""What a caller may write through the API, serializer by serializer: ownership, scope, status,
decision, issuer, number and result fields are never the caller's to set. Every model serializer
of the project is listed here with the fields it writes; a new writable field fails this test
until someone has decided it is the caller's to write."""

import pytest
from django.http import QueryDict
from rest_framework import serializers

import audits.api.serializers
import certificates.api.serializers
import competitions.api.serializers
import institutions.api.serializers
import skilleval.api.serializers
from competitions.models import Competition
from institutions.api.serializers import CONTACT_FIELDS, EligibilityDecisionSerializer
from skilleval.choices import Role
from tests.factories import UserFactory

MODULES = (
    audits.api.serializers,
    certificates.api.serializers,
    competitions.api.serializers,
    institutions.api.serializers,
    skilleval.api.serializers,
)

# The fields each model serializer writes, decided one by one. Who may call it, and the scope of
# any object named, is checked by the viewset, the serializer's queryset or the model.
WRITES = {
    # A competition's fee items, written through the competition (54号 二: all of them 0).
    "CompetitionFeeSerializer": {"name", "amount"},
    # The organiser's own description of the competition; never the issuer (54号 四) nor the
    # owner. Level, class and host region freeze once a decision rests on them (the model).
    "CompetitionSerializer": {
        "name",
        "organiser_name",
        "kind",
        "competition_class",
        "host_region",
        "regions_involved",
        "other_provinces",
        "starts_on",
        "ends_on",
        "conditions",
        "contact_phone",
        "fees",
    },
    # A competition in scope and one of its events; eligibility, out-of-area status and rank are
    # decided by the model and the results page.
    "ContestantSerializer": {
        "competition",
        "event",
        "name",
        "id_type",
        "id_number",
        "group",
        "pension_region",
        "pension_months",
        "hukou_region",
        "school_name",
        "school_region",
        "current_level",
        "work_years",
    },
    "InstitutionSerializer": set(CONTACT_FIELDS),  # the institution's own staff
    "FilingMaterialSerializer": {"kind", "file"},
    # The model checks the draft, the user, and that a replaced filing is the institution's own.
    "FilingRegionScopeSerializer": {"region_scope", "replaces"},
    "TechnicalResourceSerializer": {  # province admins
        "has_national_standard",
        "has_question_bank",
        "has_provincial_spec",
        "provincial_spec_name",
    },
    "ExamRoomSerializer": {"name", "capacity"},
    "InspectorSerializer": {"name", "city", "institution", "field", "active"},  # province staff
    "NoticeSerializer": {"title", "body", "institution"},  # province staff; issuer set by the view
    # The public; the city follows a named institution (settle_city), the status is the model's.
    "ComplaintCreateSerializer": {
        "target_type",
        "target_description",
        "institution",
        "city",
        "content",
        "contact",
        "attachment",
    },
}


def model_serializers():
    found = {}
    for module in MODULES:
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, serializers.ModelSerializer)
                # defined there, or in its package's modules (institutions.api.serializers.batches)
                and value.__module__.startswith(module.__name__)
            ):
                found[name] = value
    return [pytest.param(name, found[name], id=name) for name in sorted(found)]


@pytest.mark.parametrize(("name", "serializer_class"), model_serializers())
def test_each_model_serializer_writes_only_the_fields_decided_for_it(name, serializer_class):
    fields = serializer_class(context={}).fields
    writable = {field_name for field_name, field in fields.items() if not field.read_only}
    assert writable == WRITES.get(name, set())


def test_every_serializer_listed_as_writing_exists():
    assert set(WRITES) <= {param.values[0] for param in model_serializers()}


@pytest.mark.django_db
def test_an_organiser_cannot_write_the_owner_or_the_issuer_of_a_competition(
    api_as, organiser, suzhou_institution
):
    someone_else = UserFactory(username="org2", role=Role.COMPETITION_ORGANISER)
    body = {
        "name": "南京市车工技能大赛",
        "organiser_name": "南京市总工会",
        "kind": "city",
        "competition_class": 2,
        "host_region": "320100",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-03",
        "contact_phone": "025-83311234",
        "created_by": someone_else.pk,
        "delegated_to_organiser": True,
        "organiser_institution": suzhou_institution.pk,
        "certificate_delegation": {"institution": suzhou_institution.pk},
    }
    response = api_as(organiser).post("/api/v1/competitions/", body, format="json")
    assert response.status_code == 201, response.json()
    competition = Competition.objects.get()
    assert competition.created_by == organiser
    assert response.json()["delegation"] is None
    assert competition.delegation is None


def test_an_eligibility_decision_sent_without_pass_or_fail_is_refused_naming_passed():
    # Form-encoded, DRF would read the missing boolean as an unticked box: "fail".
    body = EligibilityDecisionSerializer(data=QueryDict("candidates=1&reason=材料不全"))
    assert not body.is_valid()
    assert "passed" in body.errors


def test_an_eligibility_decision_sent_form_encoded_still_reads_its_answer():
    body = EligibilityDecisionSerializer(data=QueryDict("candidates=1&passed=true&reason=符合"))
    assert body.is_valid(), body.errors
    assert body.validated_data["passed"] is True
