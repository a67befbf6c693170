"""The institutions, filings and technical-resources API: the filing workflow end to end, the
refusals of the notices as 400s that cite their clause, who may do what, and scoping.

alice (owner) and bob (colleague) work at the Nanjing institution (江宁区); charlie at the Suzhou one.
"""

from datetime import date

import pytest

from institutions.choices import FilingStatus, InstitutionKind, MaterialKind
from institutions.models import Filing
from skilleval.choices import Role
from skilleval.models import AuditEntry, OccupationLevel
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    occupation_with_resources,
    region,
)
from tests.uploads import pdf

pytestmark = pytest.mark.django_db
FILINGS = "/api/v1/filings/"


def detail(response) -> str:
    """The refusal's messages as one string, to look for the clause they cite."""
    return " ".join(response.json()["detail"])


def open_filing(client, institution, *, items=(), regions=("320100",)) -> int:
    response = client.post(
        FILINGS,
        {"institution": institution.pk, "region_scope": list(regions)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    for occupation, level in items:
        add_item(client, pk, occupation, level)
    return pk


def add_item(client, pk, occupation, level):
    return client.post(
        f"{FILINGS}{pk}/items/",
        {"occupation_code": occupation.code, "level": level},
        format="json",
    )


def attach(client, pk, kind, upload=None):
    return client.post(
        f"{FILINGS}{pk}/materials/", {"kind": kind, "file": upload or pdf(f"{kind}.pdf")}
    )


def attach_all(client, pk):
    for kind in client.get(f"{FILINGS}{pk}/").json()["missing_materials"]:
        assert attach(client, pk, kind).status_code == 201


def approve(client, pk, **overrides):
    body = {"valid_from": "2025-01-01", "valid_until": "2027-12-31", "note": "", **overrides}
    return client.post(f"{FILINGS}{pk}/approve/", body, format="json")


def visible_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def submitted(api_as, alice, nanjing_institution, lathe) -> int:
    client = api_as(alice)
    pk = open_filing(client, nanjing_institution, items=[(lathe, 4)])
    attach_all(client, pk)
    assert client.post(f"{FILINGS}{pk}/submit/").status_code == 200
    return pk


class TestFilingWorkflow:
    def test_a_filing_goes_from_draft_to_approval_through_the_api(
        self, api_as, alice, nanjing_staff, nanjing_institution, lathe
    ):
        client = api_as(alice)
        pk = open_filing(client, nanjing_institution)
        assert add_item(client, pk, lathe, 4).json() == {
            "occupation_code": "6-18-01-01",
            "occupation_name": "车工",
            "level": 4,
            "source": "requested",
            "enterprise_spec": "",
        }
        draft = client.get(f"{FILINGS}{pk}/").json()
        assert draft["status"] == "draft" and draft["authority"] == "320100"
        assert draft["region_scope"] == ["320100"] and len(draft["missing_materials"]) == 15

        attach_all(client, pk)
        filing = client.get(f"{FILINGS}{pk}/").json()
        assert filing["missing_materials"] == [] and len(filing["materials"]) == 15
        assert filing["materials"][0]["original_name"].endswith(".pdf")
        assert client.post(f"{FILINGS}{pk}/submit/").json()["status"] == "submitted"

        response = approve(api_as(nanjing_staff), pk, note="材料齐全")
        assert response.status_code == 200
        approved = response.json()
        assert approved["status"] == "approved" and approved["decision_reason"] == "材料齐全"
        # The approval is a conditional UPDATE; it still leaves its audit entry (who, before, after).
        entry = AuditEntry.objects.filter(
            object_type="institutions.filing", object_id=str(pk), action="update"
        ).first()
        assert entry.actor_name == nanjing_staff.username or entry.actor_id == nanjing_staff.pk
        assert (entry.before["status"], entry.after["status"]) == ("submitted", "approved")
        assert (approved["valid_from"], approved["valid_until"]) == ("2025-01-01", "2027-12-31")
        assert nanjing_institution.check_scope(
            lathe, 4, region("320100"), on=date(2026, 6, 1)
        ).allowed

    def test_a_province_level_filing_goes_to_the_province(self, api_as, alice, nanjing_institution):
        response = api_as(alice).post(
            FILINGS, {"institution": nanjing_institution.pk, "province_level": True}, format="json"
        )
        assert response.status_code == 201 and response.json()["authority"] == "320000"

    def test_the_region_scope_changes_only_while_draft(self, api_as, alice, submitted):
        draft = open_filing(api_as(alice), alice.institution)
        response = api_as(alice).patch(
            f"{FILINGS}{draft}/", {"region_scope": ["320000"]}, format="json"
        )
        assert response.status_code == 200 and response.json()["region_scope"] == ["320000"]
        response = api_as(alice).patch(
            f"{FILINGS}{submitted}/", {"region_scope": ["320000"]}, format="json"
        )
        assert response.status_code == 400 and "草稿" in detail(response)

    def test_city_staff_do_not_draft_for_an_institution(self, api_as, nanjing_staff, submitted):
        response = api_as(nanjing_staff).patch(
            f"{FILINGS}{submitted}/", {"region_scope": ["320000"]}, format="json"
        )
        assert response.status_code == 403

    def test_nobody_opens_a_filing_for_an_institution_outside_their_scope(
        self, api_as, charlie, nanjing_institution
    ):
        response = api_as(charlie).post(
            FILINGS, {"institution": nanjing_institution.pk}, format="json"
        )
        assert response.status_code == 400 and not Filing.objects.exists()

    def test_a_rejection_needs_a_reason_and_the_institution_sees_it(
        self, api_as, alice, nanjing_staff, submitted
    ):
        client = api_as(nanjing_staff)
        assert client.post(f"{FILINGS}{submitted}/reject/", {"reason": " "}).status_code == 400
        response = client.post(f"{FILINGS}{submitted}/reject/", {"reason": "考评人员不足"})
        assert response.status_code == 200
        filing = api_as(alice).get(f"{FILINGS}{submitted}/").json()
        assert (filing["status"], filing["decision_reason"]) == ("rejected", "考评人员不足")


class TestRefusals:
    @pytest.fixture
    def draft(self, api_as, alice, nanjing_institution) -> int:
        return open_filing(api_as(alice), nanjing_institution)

    def test_an_incomplete_checklist_cannot_be_submitted(self, api_as, alice, draft, lathe):
        client = api_as(alice)
        add_item(client, draft, lathe, 4)
        attach(client, draft, MaterialKind.WORK_PLAN)
        response = client.post(f"{FILINGS}{draft}/submit/")
        assert response.status_code == 400
        assert "考务管理办法" in detail(response) and "41号 附件" in detail(response)
        assert Filing.objects.get(pk=draft).status == FilingStatus.DRAFT

    def test_a_level_the_standard_does_not_define_is_refused(self, api_as, alice, draft):
        typist = occupation_with_resources(code="3-01-02-06", name="速录师", levels=(4, 3, 2))
        response = add_item(api_as(alice), draft, typist, 5)
        assert response.status_code == 400
        assert "不得擅加职业技能等级" in detail(response) and "54号 三" in detail(response)

    def test_an_occupation_of_major_group_2_is_refused(self, api_as, alice, draft):
        psychologist = occupation_with_resources(code="2-07-11-03", name="心理咨询师", levels=(3,))
        response = add_item(api_as(alice), draft, psychologist, 3)
        assert response.status_code == 400
        assert "第2大类" in detail(response) and "54号 三" in detail(response)

    def test_a_social_org_needs_technical_resources_and_an_employer_its_enterprise_spec(
        self, api_as, alice, draft
    ):
        bare = occupation_with_resources(
            code="6-18-01-02", name="铣工", has_national_standard=False
        )
        response = add_item(api_as(alice), draft, bare, 4)
        assert response.status_code == 400 and "54号 三" in detail(response)

        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER)
        staff = UserFactory(username="emp", role=Role.INSTITUTION_STAFF, institution=employer)
        own = open_filing(api_as(staff), employer)
        assert add_item(api_as(staff), own, bare, 4).status_code == 400
        with_spec = api_as(staff).post(
            f"/api/v1/filings/{own}/items/",
            {"occupation_code": bare.code, "level": 4, "enterprise_spec": "QB/JL 001-2025"},
            format="json",
        )
        assert (
            with_spec.status_code == 201 and with_spec.json()["enterprise_spec"] == "QB/JL 001-2025"
        )

    def test_a_renamed_file_is_refused(self, api_as, alice, draft):
        renamed = pdf("plan.pdf", content=b"MZ\x90\x00 not a pdf")
        response = attach(api_as(alice), draft, MaterialKind.WORK_PLAN, renamed)
        assert response.status_code == 400 and "不符" in detail(response)
        assert Filing.objects.get(pk=draft).materials.count() == 0

    def test_an_unknown_level_is_refused_before_the_model(self, api_as, alice, draft, lathe):
        assert add_item(api_as(alice), draft, lathe, 6).status_code == 400


class TestDeciding:
    def test_city_staff_of_another_city_neither_see_nor_approve(
        self, api_as, suzhou_staff, submitted
    ):
        client = api_as(suzhou_staff)
        assert client.get(f"{FILINGS}{submitted}/").status_code == 404
        assert approve(client, submitted).status_code == 404
        assert Filing.objects.get(pk=submitted).status == FilingStatus.SUBMITTED

    def test_institution_staff_cannot_approve(self, api_as, alice, submitted):
        response = approve(api_as(alice), submitted)
        assert response.status_code == 403 and "不由您审核" in response.json()["detail"]

    def test_a_second_approval_is_refused(self, api_as, nanjing_staff, province_admin, submitted):
        assert approve(api_as(nanjing_staff), submitted).status_code == 200
        again = approve(api_as(province_admin), submitted)
        assert again.status_code == 400 and "操作未执行" in detail(again)

    def test_a_validity_ending_before_it_starts_is_refused(self, api_as, nanjing_staff, submitted):
        response = approve(api_as(nanjing_staff), submitted, valid_until="2024-12-31")
        assert response.status_code == 400


class TestAddingAnOccupationAfterACheck:
    CHECKS = {"standard_ok": True, "question_bank_ok": True, "venue_ok": True, "examiners_ok": True}

    def add(self, client, pk, occupation, **overrides):
        body = {"occupation_code": occupation.code, "level": 3, **self.CHECKS, **overrides}
        return client.post(f"{FILINGS}{pk}/add-occupation/", body, format="json")

    def test_it_needs_all_four_checks_on_a_valid_approved_filing(
        self, api_as, nanjing_staff, nanjing_institution, lathe
    ):
        filing = approved_filing(nanjing_institution, [(lathe, 4)])
        miller = occupation_with_resources(code="6-18-01-02", name="铣工")
        client = api_as(nanjing_staff)
        refused = self.add(client, filing.pk, miller, examiners_ok=False)
        assert refused.status_code == 400 and "239号 三" in detail(refused)
        response = self.add(client, filing.pk, miller, note="场地已核实")
        assert response.status_code == 201 and response.json()["source"] == "added_after_check"
        assert filing.items.filter(occupation=miller, level=3).exists()

    def test_an_expired_or_unapproved_filing_needs_a_new_filing(
        self, api_as, alice, nanjing_staff, nanjing_institution, lathe
    ):
        expired = approved_filing(
            nanjing_institution,
            [(lathe, 4)],
            valid_from=date(2020, 1, 1),
            valid_until=date(2022, 12, 31),
        )
        draft = open_filing(api_as(alice), nanjing_institution)
        for pk in (expired.pk, draft):
            response = self.add(api_as(nanjing_staff), pk, lathe)
            assert response.status_code == 400 and "239号 三" in detail(response)

    def test_the_institution_cannot_add_to_its_own_scope(
        self, api_as, alice, nanjing_institution, lathe
    ):
        filing = approved_filing(nanjing_institution, [(lathe, 4)])
        assert self.add(api_as(alice), filing.pk, lathe).status_code == 403


class TestTechnicalResources:
    URL = "/api/v1/technical-resources/"

    @pytest.fixture
    def row(self, lathe):
        return OccupationLevel.objects.get(occupation=lathe, level=4)

    def test_anybody_reads_and_filters_the_catalog(self, api, row):
        occupation_with_resources(code="4-01-02-03", name="客户服务管理员", has_question_bank=False)
        rows = api.get(f"{self.URL}?occupation_code=6-18&level=4").json()["results"]
        assert [(r["occupation_code"], r["level"], r["major_group"]) for r in rows] == [
            ("6-18-01-01", 4, 6)
        ]
        assert rows[0]["level_name"] == "四级/中级工" and rows[0]["has_question_bank"] is True
        banks = api.get(f"{self.URL}?has_question_bank=false").json()["results"]
        assert {r["occupation_code"] for r in banks} == {"4-01-02-03"}
        assert api.get(f"{self.URL}?major_group=4").json()["count"] == 5

    def test_a_province_admin_records_a_provincial_specification(self, api_as, province_admin, row):
        response = api_as(province_admin).patch(
            f"{self.URL}{row.pk}/",
            {"has_provincial_spec": True, "provincial_spec_name": "江苏省车工评价规范"},
            format="json",
        )
        assert response.status_code == 200 and response.json()["has_provincial_spec"] is True
        row.refresh_from_db()
        assert row.provincial_spec_name == "江苏省车工评价规范" and row.resources_updated_at

    def test_city_staff_and_the_public_cannot_change_it(self, api, api_as, nanjing_staff, row):
        body = {"has_question_bank": False}
        assert api_as(nanjing_staff).patch(f"{self.URL}{row.pk}/", body).status_code == 403
        assert api.patch(f"{self.URL}{row.pk}/", body).status_code in (401, 403)
        row.refresh_from_db()
        assert row.has_question_bank and row.resources_updated_at is None


class TestInstitutions:
    URL = "/api/v1/institutions/"

    def test_a_province_admin_suspends_an_institution_with_a_reason(
        self, api_as, province_admin, nanjing_institution
    ):
        url = f"{self.URL}{nanjing_institution.pk}/catalog/"
        client = api_as(province_admin)
        assert client.post(url, {"action": "suspend", "reason": " "}).status_code == 400
        response = client.post(url, {"action": "suspend", "reason": "抽查发现问题"})
        assert response.status_code == 200
        assert (response.json()["catalog_status"], response.json()["catalog_reason"]) == (
            "suspended",
            "抽查发现问题",
        )
        assert client.get(f"{self.URL}?catalog_status=suspended").json()["count"] == 1
        assert client.post(url, {"action": "suspend", "reason": "再次"}).status_code == 400

    def test_city_staff_cannot_change_the_catalog(self, api_as, nanjing_staff, nanjing_institution):
        url = f"{self.URL}{nanjing_institution.pk}/catalog/"
        response = api_as(nanjing_staff).post(url, {"action": "suspend", "reason": "x"})
        assert response.status_code == 403
        nanjing_institution.refresh_from_db()
        assert nanjing_institution.catalog_status == "active"

    def test_only_the_institution_itself_edits_its_contacts(
        self, api_as, alice, bob, charlie, nanjing_staff, province_admin, nanjing_institution
    ):
        url = f"{self.URL}{nanjing_institution.pk}/"
        body = {"contact_person": "李四", "contact_phone": "025-87654321", "name": "改名"}
        response = api_as(bob).patch(url, body, format="json")
        assert response.status_code == 200 and response.json()["contact_person"] == "李四"
        assert response.json()["name"] == nanjing_institution.name  # the name is not a contact
        assert api_as(alice).patch(url, {"address": "江宁区1号"}).status_code == 200
        assert api_as(nanjing_staff).patch(url, body).status_code == 403
        assert api_as(province_admin).patch(url, body).status_code == 403
        assert api_as(charlie).patch(url, body).status_code == 404

    def test_the_list_shows_branch_and_catalog_fields_and_filters_by_name(
        self, api_as, province_admin, nanjing_institution, suzhou_institution
    ):
        branch = InstitutionFactory(
            name="吴越中心昆山分部", parent=suzhou_institution, county=region("320583")
        )
        rows = api_as(province_admin).get(f"{self.URL}?q=昆山").json()["results"]
        assert [
            (r["id"], r["is_branch"], r["parent"], r["city"], r["county_name"]) for r in rows
        ] == [(branch.pk, True, suzhou_institution.pk, "320500", "昆山市")]
        assert {"catalog_status", "catalog_reason", "announced_on", "uscc"} <= set(rows[0])


class TestScoping:
    @pytest.fixture
    def filings(self, nanjing_institution, suzhou_institution, lathe):
        return (
            approved_filing(nanjing_institution, [(lathe, 4)]).pk,
            approved_filing(suzhou_institution, [(lathe, 4)]).pk,
        )

    def test_filters_narrow_but_never_widen_the_scope(self, api_as, alice, province_admin, filings):
        nanjing, suzhou = filings
        suzhou_institution = Filing.objects.get(pk=suzhou).institution_id
        assert visible_ids(api_as(alice), f"{FILINGS}?institution={suzhou_institution}") == set()
        admin = api_as(province_admin)
        assert visible_ids(admin, f"{FILINGS}?institution={suzhou_institution}") == {suzhou}
        assert visible_ids(admin, f"{FILINGS}?authority=320100&status=approved") == {nanjing}
        assert visible_ids(admin, f"{FILINGS}?status=draft") == set()


def test_every_action_is_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in [
        "/api/v1/institutions/{id}/catalog/",
        "/api/v1/filings/",
        "/api/v1/filings/{id}/items/",
        "/api/v1/filings/{id}/materials/",
        "/api/v1/filings/{id}/submit/",
        "/api/v1/filings/{id}/approve/",
        "/api/v1/filings/{id}/reject/",
        "/api/v1/filings/{id}/add-occupation/",
        "/api/v1/technical-resources/{id}/",
    ]:
        assert path in paths
    upload = paths["/api/v1/filings/{id}/materials/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
