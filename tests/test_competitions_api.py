"""The competitions API (/api/v1/competitions, contestants, competition-filings, recognitions):
the organiser's writes, the HR departments' decisions, scoping with an owner, a colleague in
another city and an outsider, and the OpenAPI schema."""

import re
from datetime import datetime

import pytest
import time_machine

from certificates.models import Certificate
from competitions.choices import CompetitionFilingStatus, FilingReason, RecognitionStatus
from competitions.models import Competition, CompetitionFiling, Contestant, Recognition
from skilleval import rules
from skilleval.choices import Role
from skilleval.models import AuditEntry
from tests.clock import SHANGHAI
from tests.competition_data import resident_id
from tests.factories import (
    InstitutionFactory,
    OccupationFactory,
    UserFactory,
    approved_filing,
    region,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_the_competitions")]


@pytest.fixture
def other_organiser(db):
    return UserFactory(
        username="org2", role=Role.COMPETITION_ORGANISER, organisation="苏州市总工会"
    )


def competition_body(**changes) -> dict:
    body = {
        "name": "南京市车工技能大赛",
        "organiser_name": "南京市总工会",
        "kind": "city",
        "competition_class": 1,
        "host_region": "320100",
        "regions_involved": [],
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-03",
        "conditions": "从事车工2年以上",
        "contact_phone": "025-83311234",
        "fees": [{"name": "报名费", "amount": "0.00"}],
    }
    body.update(changes)
    return body


def contestant_body(competition, n, **changes) -> dict:
    body = {
        "competition": competition["id"],
        "event": competition["events"][0]["id"],
        "name": f"选手{n}",
        "id_type": "resident_id",
        "id_number": resident_id(n),
        "group": "worker",
        "pension_region": "320115",
        "pension_months": 36,
        "hukou_region": None,
        "work_years": "6.0",
        "current_level": 4,
    }
    body.update(changes)
    return body


@pytest.fixture
def created(api_as, organiser, lathe):
    """A Nanjing city class-1 competition with one event, made through the API."""
    client = api_as(organiser)
    competition = client.post("/api/v1/competitions/", competition_body(), format="json").json()
    client.post(
        f"/api/v1/competitions/{competition['id']}/events/",
        {"occupation_code": "6-18-01-01"},
        format="json",
    )
    return client.get(f"/api/v1/competitions/{competition['id']}/").json()


class TestCompetitions:
    def test_an_organiser_creates_a_competition_and_sees_what_it_needs(
        self, api_as, organiser, lathe
    ):
        response = api_as(organiser).post(
            "/api/v1/competitions/",
            competition_body(regions_involved=["320500"]),
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["span"] == "across_cities"
        assert body["required_filings"] == [{"reason": "cross_region", "level": "province"}]
        assert body["missing_filings"] == body["required_filings"]
        assert body["incentives_eligible"] is False
        assert body["out_of_area"]["required_filing"] == "none"
        assert Competition.objects.get().created_by == organiser

    def test_a_non_zero_fee_is_refused_citing_54号_二(self, api_as, organiser):
        response = api_as(organiser).post(
            "/api/v1/competitions/",
            competition_body(
                fees=[{"name": "证书费", "amount": "0"}, {"name": "资料费", "amount": "20.00"}]
            ),
            format="json",
        )
        assert response.status_code == 400
        assert "54号 二" in str(response.json()["fees"]) and "资料费" in str(
            response.json()["fees"]
        )
        assert not Competition.objects.exists()

    def test_a_fee_added_later_is_refused_too(self, api_as, created, organiser):
        response = api_as(organiser).patch(
            f"/api/v1/competitions/{created['id']}/",
            {"fees": [{"name": "参赛费", "amount": "5"}]},
            format="json",
        )
        assert response.status_code == 400
        assert "54号 二" in str(response.json())

    def test_staff_do_not_create_competitions(self, api_as, nanjing_staff):
        response = api_as(nanjing_staff).post(
            "/api/v1/competitions/", competition_body(), format="json"
        )
        assert response.status_code == 403

    def test_an_event_outside_major_groups_3_to_6_is_refused(self, api_as, created, organiser):
        OccupationFactory(code="2-07-11-03", name="心理咨询师", levels=(3, 2, 1))
        response = api_as(organiser).post(
            f"/api/v1/competitions/{created['id']}/events/",
            {"occupation_code": "2-07-11-03"},
            format="json",
        )
        assert response.status_code == 400
        assert "第2大类" in str(response.json())

    def test_organisers_and_cities_see_only_their_competitions(
        self, api_as, created, other_organiser, nanjing_staff, suzhou_staff, province_admin
    ):
        def ids(user):
            return [c["id"] for c in api_as(user).get("/api/v1/competitions/").json()["results"]]

        assert ids(nanjing_staff) == [created["id"]]
        assert ids(province_admin) == [created["id"]]
        assert ids(suzhou_staff) == []
        assert ids(other_organiser) == []
        detail = f"/api/v1/competitions/{created['id']}/"
        assert api_as(other_organiser).get(detail).status_code == 404
        assert (
            api_as(other_organiser).patch(detail, {"name": "x"}, format="json").status_code == 404
        )


class TestContestants:
    def test_a_contestant_is_registered_with_eligibility_and_never_the_plain_id(
        self, api_as, created, organiser
    ):
        client = api_as(organiser)
        response = client.post("/api/v1/contestants/", contestant_body(created, 1), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert "id_number" not in body
        assert body["id_number_masked"].startswith("3201") and "*" in body["id_number_masked"]
        assert (body["eligible"], body["basis"], body["out_of_area"]) == (True, "pension", False)
        assert resident_id(1) not in client.get("/api/v1/contestants/").content.decode()
        assert AuditEntry.objects.filter(object_type="competitions.contestant").exists()

    def test_the_ratio_and_the_filing_it_requires_follow_the_contestants(
        self, api_as, created, organiser
    ):
        client = api_as(organiser)
        client.post("/api/v1/contestants/", contestant_body(created, 1), format="json")
        client.post(
            "/api/v1/contestants/",
            contestant_body(
                created, 2, pension_region=None, pension_months="0", hukou_region="320583"
            ),
            format="json",
        )
        body = client.get(f"/api/v1/competitions/{created['id']}/").json()
        assert body["out_of_area"]["ratio"] == 0.5
        assert body["out_of_area"]["required_filing"] == "city"
        assert body["required_filings"] == [{"reason": "out_of_area", "level": "city"}]

    def test_a_bad_id_number_and_a_repeat_are_refused(self, api_as, created, organiser):
        client = api_as(organiser)
        wrong = resident_id(1)[:-1] + ("0" if resident_id(1)[-1] != "0" else "1")
        response = client.post(
            "/api/v1/contestants/", contestant_body(created, 1, id_number=wrong), format="json"
        )
        assert response.status_code == 400 and "校验位" in str(response.json())
        client.post("/api/v1/contestants/", contestant_body(created, 1), format="json")
        again = client.post("/api/v1/contestants/", contestant_body(created, 1), format="json")
        assert again.status_code == 400 and "已报名" in str(again.json())
        assert Contestant.objects.count() == 1

    def test_nobody_else_registers_contestants(
        self, api_as, created, other_organiser, nanjing_staff
    ):
        outsider = api_as(other_organiser).post(
            "/api/v1/contestants/", contestant_body(created, 1), format="json"
        )
        assert outsider.status_code == 400  # the competition is not one they can name
        staff = api_as(nanjing_staff).post(
            "/api/v1/contestants/", contestant_body(created, 1), format="json"
        )
        assert staff.status_code == 403
        assert not Contestant.objects.exists()


class TestFilings:
    def test_file_give_opinions_and_decide(
        self, api_as, organiser, lathe, jiangning_staff, nanjing_staff, suzhou_staff
    ):
        client = api_as(organiser)
        competition = client.post(
            "/api/v1/competitions/",
            competition_body(host_region="320115", regions_involved=["320106"], kind="county"),
            format="json",
        ).json()
        assert competition["required_filings"] == [{"reason": "cross_region", "level": "city"}]
        response = client.post(
            f"/api/v1/competitions/{competition['id']}/filings/",
            {"reason": "cross_region"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        filing = response.json()
        assert (filing["level"], filing["authority"]) == ("city", "320100")
        assert filing["form_pdf"].endswith(f"/competitions/filings/{filing['id']}/form.pdf")

        url = f"/api/v1/competition-filings/{filing['id']}/"
        assert api_as(suzhou_staff).get(url).status_code == 404
        assert client.post(url + "opinion/", {"opinion": "x"}, format="json").status_code == 403
        county = api_as(jiangning_staff).post(
            url + "opinion/", {"opinion": "情况属实"}, format="json"
        )
        assert county.json()["county_opinion"] == "情况属实"
        assert (
            api_as(jiangning_staff)
            .post(url + "decide/", {"approve": True}, format="json")
            .status_code
            == 403
        )
        decided = api_as(nanjing_staff).post(
            url + "decide/", {"approve": True, "opinion": "同意备案"}, format="json"
        )
        assert decided.status_code == 200
        assert (decided.json()["status"], decided.json()["city_opinion"]) == (
            "approved",
            "同意备案",
        )
        again = api_as(nanjing_staff).post(url + "decide/", {"approve": False}, format="json")
        assert again.status_code == 400
        assert (
            api_as(organiser)
            .get(f"/api/v1/competitions/{competition['id']}/")
            .json()["incentives_eligible"]
        )

    def test_a_cross_region_filing_after_the_start_is_refused(self, api_as, organiser, lathe):
        client = api_as(organiser)
        competition = client.post(
            "/api/v1/competitions/", competition_body(regions_involved=["320500"]), format="json"
        ).json()
        with time_machine.travel(datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)):
            response = client.post(
                f"/api/v1/competitions/{competition['id']}/filings/",
                {"reason": "cross_region"},
                format="json",
            )
        assert response.status_code == 400
        assert "提前" in str(response.json()) or "开始前" in str(response.json())
        assert not CompetitionFiling.objects.exists()


def ranked_contestants(client, competition, count=3):
    for n in range(1, count + 1):
        client.post("/api/v1/contestants/", contestant_body(competition, n), format="json")
    for rank, contestant in enumerate(Contestant.objects.order_by("pk"), start=1):
        contestant.rank = rank
        contestant.save()


@pytest.mark.usefixtures("after_the_competitions")
class TestDelegationIsTheCitysRecordedDecision:
    """54号 四: whether a city class-2 competition's certificates are issued by the organiser is
    the host city's recorded decision, never the organiser's own say."""

    @pytest.fixture
    def certifier(self, lathe):
        """A catalogued institution with a valid filing: it has certification authority."""
        institution = InstitutionFactory(name="南京机电职业技能评价中心", county=region("320115"))
        approved_filing(institution, [(lathe, 4)])
        return institution

    def test_the_probe_an_organiser_cannot_name_the_issuer_or_issue_in_its_name(
        self, api_as, created, organiser, nanjing_centre, suzhou_institution
    ):
        client = api_as(organiser)
        ranked_contestants(client, created)
        patched = client.patch(
            f"/api/v1/competitions/{created['id']}/",
            {
                "kind": "city",
                "competition_class": 2,
                "delegated_to_organiser": True,
                "organiser_institution": suzhou_institution.pk,
            },
            format="json",
        )
        assert patched.status_code == 200 and patched.json()["delegation"] is None
        competition = Competition.objects.get(pk=created["id"])
        assert competition.certificate_issuer() == nanjing_centre

        issued = client.post(f"/api/v1/competitions/{created['id']}/certificates/")
        assert issued.status_code == 403
        assert not Certificate.objects.exists()

    def test_an_organiser_cannot_record_a_delegation(self, api_as, created, organiser, certifier):
        client = api_as(organiser)
        client.patch(
            f"/api/v1/competitions/{created['id']}/", {"competition_class": 2}, format="json"
        )
        response = client.post(
            f"/api/v1/competitions/{created['id']}/delegation/",
            {"institution": certifier.pk, "note": "自行委托"},
            format="json",
        )
        assert response.status_code == 403

    def test_the_city_delegates_a_class_2_competition_and_the_certifier_issues(
        self, api_as, created, organiser, nanjing_staff, nanjing_centre, certifier
    ):
        client = api_as(organiser)
        client.patch(
            f"/api/v1/competitions/{created['id']}/", {"competition_class": 2}, format="json"
        )
        ranked_contestants(client, created, count=2)
        decided = api_as(nanjing_staff).post(
            f"/api/v1/competitions/{created['id']}/delegation/",
            {"institution": certifier.pk, "note": "宁人社函〔2026〕12号"},
            format="json",
        )
        assert decided.status_code == 201, decided.json()
        assert decided.json()["institution_name"] == "南京机电职业技能评价中心"
        entry = AuditEntry.objects.filter(object_type="competitions.certificatedelegation")
        assert entry.exists()

        issued = client.post(f"/api/v1/competitions/{created['id']}/certificates/")
        assert issued.status_code == 200, issued.json()
        assert issued.json()["issuer"] == "南京机电职业技能评价中心"

        # With a decision resting on them, level, class and regions are frozen.
        frozen = client.patch(
            f"/api/v1/competitions/{created['id']}/", {"competition_class": 1}, format="json"
        )
        assert frozen.status_code == 400

    def test_no_delegation_to_an_institution_without_certification_authority(
        self, api_as, created, organiser, nanjing_staff, suzhou_institution
    ):
        api_as(organiser).patch(
            f"/api/v1/competitions/{created['id']}/", {"competition_class": 2}, format="json"
        )
        response = api_as(nanjing_staff).post(
            f"/api/v1/competitions/{created['id']}/delegation/",
            {"institution": suzhou_institution.pk, "note": "委托"},
            format="json",
        )
        assert response.status_code == 400

    def test_a_class_1_competition_is_not_delegated(
        self, api_as, created, nanjing_staff, certifier
    ):
        response = api_as(nanjing_staff).post(
            f"/api/v1/competitions/{created['id']}/delegation/",
            {"institution": certifier.pk, "note": "委托"},
            format="json",
        )
        assert response.status_code == 400 and "54号 四" in str(response.json())


@pytest.mark.usefixtures("after_the_competitions")
class TestRecognitionsAndCertificates:
    def test_propose_decide_and_issue(
        self, api_as, created, organiser, nanjing_staff, suzhou_staff, nanjing_centre
    ):
        client = api_as(organiser)
        for n in (1, 2):
            client.post("/api/v1/contestants/", contestant_body(created, n), format="json")
        for rank, contestant in enumerate(Contestant.objects.order_by("pk"), start=1):
            contestant.rank = rank
            contestant.save()

        proposed = client.post(f"/api/v1/competitions/{created['id']}/propose/")
        assert proposed.status_code == 200, proposed.json()
        assert {r["decided_by"] for r in proposed.json()} == {"city_or_county"}
        assert api_as(suzhou_staff).get("/api/v1/recognitions/").json()["count"] == 0
        listed = api_as(nanjing_staff).get("/api/v1/recognitions/").json()
        assert listed["count"] == 2
        first = next(r for r in listed["results"] if r["rank"] == 1)
        refused = api_as(nanjing_staff).post(
            f"/api/v1/recognitions/{first['id']}/decide/",
            {"grant": True, "level": 1},
            format="json",
        )
        assert refused.status_code == 400  # a city recognises level 2 or below
        granted = api_as(nanjing_staff).post(
            f"/api/v1/recognitions/{first['id']}/decide/",
            {"grant": True, "level": 3},
            format="json",
        )
        assert granted.status_code == 200
        assert Recognition.objects.get(pk=first["id"]).status == RecognitionStatus.GRANTED

        # Certificates issued on behalf (代章) by the city centre are issued by the city (54号 四).
        refused = client.post(f"/api/v1/competitions/{created['id']}/certificates/")
        assert refused.status_code == 403 and not Certificate.objects.exists()
        client = api_as(nanjing_staff)
        issued = client.post(f"/api/v1/competitions/{created['id']}/certificates/")
        assert issued.status_code == 200, issued.json()
        numbers = issued.json()["issued"]
        assert len(numbers) == 2 and issued.json()["issuer"] == "南京市职业技能鉴定指导中心"
        for number in numbers:
            decision = rules.evaluate(
                "certificate.number_format", {"kind": "competition", "number": number}
            )
            assert decision.result["valid"]
        again = client.post(f"/api/v1/competitions/{created['id']}/certificates/").json()
        assert (again["issued"], again["skipped"]) == ([], 2)
        assert Certificate.objects.count() == 2

    def test_no_recognition_when_a_required_filing_is_missing(self, api_as, organiser, lathe):
        client = api_as(organiser)
        competition = client.post(
            "/api/v1/competitions/", competition_body(regions_involved=["320500"]), format="json"
        ).json()
        response = client.post(f"/api/v1/competitions/{competition['id']}/propose/")
        assert response.status_code == 400
        assert "不予直接认定" in str(response.json())

    def test_a_provincial_competition_is_not_certified_here(self, api_as, organiser, lathe):
        client = api_as(organiser)
        competition = client.post(
            "/api/v1/competitions/",
            competition_body(kind="provincial", host_region="320000"),
            format="json",
        ).json()
        response = client.post(f"/api/v1/competitions/{competition['id']}/certificates/")
        assert response.status_code == 400
        assert "54号 四" in str(response.json())


def test_the_filing_pdf_is_linked_from_the_api(api_as, organiser, lathe, client):
    competition = (
        api_as(organiser)
        .post("/api/v1/competitions/", competition_body(regions_involved=["320500"]), format="json")
        .json()
    )
    filing = (
        api_as(organiser)
        .post(
            f"/api/v1/competitions/{competition['id']}/filings/",
            {"reason": "cross_region"},
            format="json",
        )
        .json()
    )
    client.force_login(organiser)
    response = client.get(filing["form_pdf"])
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert filing["reason"] == FilingReason.CROSS_REGION
    assert CompetitionFiling.objects.get().status == CompetitionFilingStatus.SUBMITTED


def test_the_schema_documents_the_competition_endpoints_with_named_enums():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for path in (
        "/api/v1/competitions/",
        "/api/v1/competitions/{id}/events/",
        "/api/v1/competitions/{id}/filings/",
        "/api/v1/competitions/{id}/propose/",
        "/api/v1/competitions/{id}/certificates/",
        "/api/v1/contestants/",
        "/api/v1/competition-filings/{id}/opinion/",
        "/api/v1/competition-filings/{id}/decide/",
        "/api/v1/recognitions/",
        "/api/v1/recognitions/{id}/decide/",
    ):
        assert path in schema["paths"], path
    components = schema["components"]["schemas"]
    for name in ("CompetitionFilingStatusEnum", "RecognitionStatusEnum"):
        assert name in components, name
    ours = {"submitted", "approved", "proposed", "granted", "cross_region", "co_signed", "worker"}
    for name, component in components.items():
        # A hashed name (Status1a2Enum) means an unresolved enum-name collision: none is ours.
        if re.fullmatch(r"[A-Za-z]+[0-9a-f]{3}Enum", name):
            assert not ours & set(component.get("enum", [])), name


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded", "json"])
def test_an_empty_decision_is_a_400_naming_the_field_never_a_rejection(
    api_as, created, organiser, nanjing_staff, encoding
):
    filing = CompetitionFiling.objects.create(
        competition=Competition.objects.get(pk=created["id"]),
        reason=FilingReason.OUT_OF_AREA,
        level="city",
        authority=region("320100"),
        submitted_by=organiser,
    )
    client = api_as(nanjing_staff)
    url = f"/api/v1/competition-filings/{filing.pk}/decide/"
    if encoding == "urlencoded":
        response = client.post(url, "", content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, {}, format=encoding)
    assert response.status_code == 400
    assert "approve" in response.json()
    filing.refresh_from_db()
    assert filing.status == CompetitionFilingStatus.SUBMITTED


def test_no_recognition_or_certificate_before_the_competition_has_ended(
    api_as, created, organiser, nanjing_staff
):
    ranked_contestants(api_as(organiser), created)  # today is 2026-11-02; it ends 2026-12-03
    proposed = api_as(organiser).post(f"/api/v1/competitions/{created['id']}/propose/")
    assert proposed.status_code == 400 and "2026-12-03" in str(proposed.json())
    issued = api_as(nanjing_staff).post(f"/api/v1/competitions/{created['id']}/certificates/")
    assert issued.status_code == 400 and not Certificate.objects.exists()
