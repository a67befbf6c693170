"""The audits API: inspectors, spot checks (draw, reproduce, redraw, findings, publish),
complaints (public to file and follow, staff to handle) and notices, scoped like the pages."""

import pytest
from rest_framework.test import APIClient

from audits.choices import ComplaintStatus
from audits.models import Complaint, Inspector, Notice, SpotCheck
from skilleval.models import AuditEntry
from tests.inspections import catalog_with_wuxi, draw_all, inspector_in_every_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(nanjing_institution, suzhou_institution, lathe):
    return catalog_with_wuxi(nanjing_institution, suzhou_institution, lathe)


@pytest.fixture
def pool(catalog):
    return inspector_in_every_city()


def file_complaint(client=None, **fields):
    return (client or APIClient()).post(
        "/api/v1/complaints/",
        {
            "target_type": "institution",
            "target_description": "南京测试机电有限公司",
            "content": "证书未经考试即发放",
            **fields,
        },
        format="json",
    )


# --- inspectors ---------------------------------------------------------------------------------


def test_province_auditors_keep_the_pool_and_no_one_else_sees_it(
    province_auditor, nanjing_staff, alice, api_as
):
    client = api_as(province_auditor)
    response = client.post("/api/v1/inspectors/", {"name": "吴检查", "city": "320400"})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert client.patch(f"/api/v1/inspectors/{pk}/", {"active": False}).json()["active"] is False
    assert client.get("/api/v1/inspectors/?active=false").json()["count"] == 1
    assert client.delete(f"/api/v1/inspectors/{pk}/").status_code == 405
    for outsider in (nanjing_staff, alice):
        assert api_as(outsider).get("/api/v1/inspectors/").status_code == 403
    assert client.post("/api/v1/inspectors/", {"name": "x", "city": "320115"}).status_code == 400


# --- spot checks --------------------------------------------------------------------------------


def test_a_draw_through_the_api_is_reproduced(pool, province_auditor, api_as):
    client = api_as(province_auditor)
    response = client.post(
        "/api/v1/spot-checks/", {"population": "institutions", "ratio": "0.5"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sample_size"] == 2 and len(body["entities"]) == 2 and body["seed"]
    assert all(len(e["inspectors"]) == 2 for e in body["entities"])

    check = client.get(f"/api/v1/spot-checks/{body['id']}/reproduce/").json()
    assert check["matches"] is True and check["stored"] == check["reproduced"]


def test_a_tampered_draw_does_not_reproduce(pool, province_auditor, api_as):
    spot_check = draw_all(province_auditor)
    entity = spot_check.entities.first()
    entity.inspectors.set(Inspector.objects.exclude(pk__in=entity.inspectors.all())[:2])
    check = api_as(province_auditor).get(f"/api/v1/spot-checks/{spot_check.pk}/reproduce/")
    assert check.json()["matches"] is False and check.json()["differing_positions"] == [1]


def test_only_province_auditors_draw(pool, nanjing_staff, api_as):
    response = api_as(nanjing_staff).post(
        "/api/v1/spot-checks/", {"population": "institutions"}, format="json"
    )
    assert response.status_code == 403
    assert not SpotCheck.objects.exists()


def test_a_redraw_without_a_reason_is_refused(pool, province_auditor, api_as):
    first = draw_all(province_auditor)
    client = api_as(province_auditor)
    refused = client.post(f"/api/v1/spot-checks/{first.pk}/redraw/", {"reason": ""})
    assert refused.status_code == 400
    assert refused.json()["detail"] == ["重新抽取须说明原因"]
    response = client.post(f"/api/v1/spot-checks/{first.pk}/redraw/", {"reason": "回避调整"})
    assert response.status_code == 201 and response.json()["replaces"] == first.pk
    assert (
        client.get(f"/api/v1/spot-checks/{first.pk}/").json()["replaced_by"]
        == (response.json()["id"])
    )


def test_findings_are_recorded_and_published(pool, province_auditor, api_as, client):
    spot_check = draw_all(province_auditor)
    api = api_as(province_auditor)
    url = f"/api/v1/spot-checks/{spot_check.pk}"
    assert api.post(f"{url}/publish/").status_code == 400  # no findings yet
    for entity in spot_check.entities.all():
        response = api.post(
            f"{url}/findings/",
            {
                "entity": entity.pk,
                "outcome": "issues_found",
                "detail": "档案不全",
                "action_taken": "责令整改",
            },
        )
        assert response.status_code == 201, response.json()
    published = api.post(f"{url}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    assert api.post(f"{url}/publish/").status_code == 400
    assert "责令整改" in client.get("/audits/results/").content.decode()
    assert AuditEntry.objects.filter(
        object_type="audits.spotcheck", object_id=str(spot_check.pk), action="update"
    ).exists()


def test_spot_checks_are_scoped(
    pool, province_auditor, nanjing_staff, charlie, nanjing_institution, suzhou_institution, api_as
):
    suzhou_only = draw_all(province_auditor, filters={"city": "320500"})
    everywhere = draw_all(province_auditor)
    ids = [sc["id"] for sc in api_as(nanjing_staff).get("/api/v1/spot-checks/").json()["results"]]
    assert ids == [everywhere.pk]
    assert api_as(nanjing_staff).get(f"/api/v1/spot-checks/{suzhou_only.pk}/").status_code == 404

    seen = api_as(charlie).get(f"/api/v1/spot-checks/{everywhere.pk}/").json()
    assert [e["institution"] for e in seen["entities"]] == [suzhou_institution.pk]
    assert seen["entities"][0]["inspectors"] == []  # the inspected do not see who inspects
    check = api_as(charlie).get(f"/api/v1/spot-checks/{everywhere.pk}/reproduce/").json()
    assert check["matches"] is True and check["stored"] == []
    alices = everywhere.entities.get(institution=nanjing_institution)
    response = api_as(province_auditor).post(
        f"/api/v1/spot-checks/{suzhou_only.pk}/findings/",
        {"entity": alices.pk, "outcome": "no_issue", "detail": "x"},
    )
    assert response.status_code == 404  # an entity of another draw


# --- complaints ---------------------------------------------------------------------------------


def test_the_public_files_a_complaint_and_staff_conclude_it(
    catalog, nanjing_institution, nanjing_staff, suzhou_staff, api_as
):
    response = file_complaint(institution=nanjing_institution.pk)
    assert response.status_code == 201, response.json()
    reference = response.json()["reference"]
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.city_id == "320100"

    def status():
        return APIClient().post(
            "/api/v1/complaints/status/", {"reference": reference.lower()}, format="json"
        )

    assert status().json() == {
        "reference": reference,
        "status": "received",
        "received_at": status().json()["received_at"],
        "concluded_at": None,
        "outcome": "",
    }
    staff = api_as(nanjing_staff)
    url = f"/api/v1/complaints/{complaint.pk}/advance/"
    wrong = staff.post(url, {"assignee": suzhou_staff.pk})
    assert wrong.status_code == 400  # only province staff or the complaint's city
    assert staff.post(url, {"assignee": nanjing_staff.pk}).json()["status"] == "assigned"
    assert staff.post(url).json()["status"] == "investigating"
    refused = staff.post(url, {"outcome": ""})
    assert refused.status_code == 400
    assert refused.json()["detail"] == ["请填写办理结果"]
    concluded = staff.post(url, {"outcome": "经查属实，已注销相关证书"})
    assert concluded.json()["status"] == ComplaintStatus.CONCLUDED
    assert status().json()["outcome"] == "经查属实，已注销相关证书"
    assert staff.post(url, {"outcome": "再办一次"}).status_code == 400


def test_an_unknown_reference_is_a_404(db):
    response = APIClient().post(
        "/api/v1/complaints/status/", {"reference": "JB20260101FFFFFFFF"}, format="json"
    )
    assert response.status_code == 404


def test_complaints_are_scoped_and_hidden_from_institutions(
    catalog, nanjing_institution, suzhou_institution, nanjing_staff, province_auditor, alice, api_as
):
    file_complaint(institution=nanjing_institution.pk)
    file_complaint(institution=suzhou_institution.pk)
    file_complaint(target_type="certificate", target_description="S0000320001")
    nanjing = api_as(nanjing_staff).get("/api/v1/complaints/").json()
    assert [c["city"] for c in nanjing["results"]] == ["320100"]
    assert api_as(province_auditor).get("/api/v1/complaints/").json()["count"] == 3
    assert api_as(alice).get("/api/v1/complaints/").status_code == 403
    assert APIClient().get("/api/v1/complaints/").status_code in (401, 403)
    suzhou = Complaint.objects.get(city_id="320500")
    response = api_as(nanjing_staff).post(f"/api/v1/complaints/{suzhou.pk}/advance/", {})
    assert response.status_code == 404


def test_public_complaints_are_rate_limited(db):
    for _ in range(5):
        assert file_complaint().status_code == 201
    assert file_complaint().status_code == 429
    assert file_complaint(APIClient(REMOTE_ADDR="10.8.8.8")).status_code == 201


def test_a_complaint_with_an_attachment_is_sent_as_multipart(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = APIClient().post(
        "/api/v1/complaints/",
        {
            "target_type": "competition",
            "target_description": "某市车工竞赛",
            "content": "收取报名费",
            "attachment": SimpleUploadedFile("收据.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert Complaint.objects.get().attachment.name.endswith(".pdf")
    renamed = APIClient(REMOTE_ADDR="10.1.1.1").post(
        "/api/v1/complaints/",
        {
            "target_type": "competition",
            "target_description": "x",
            "content": "y",
            "attachment": SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n"),
        },
        format="multipart",
    )
    assert renamed.status_code == 400 and "attachment" in renamed.json()


# --- notices ------------------------------------------------------------------------------------


def test_notices_are_public_to_read_and_issued_by_province_staff(
    province_auditor, nanjing_staff, nanjing_institution, api_as
):
    body = {"title": "全省通报", "body": "违规发证", "institution": nanjing_institution.pk}
    assert APIClient().post("/api/v1/notices/", body).status_code in (401, 403)
    assert api_as(nanjing_staff).post("/api/v1/notices/", body).status_code == 403
    response = api_as(province_auditor).post("/api/v1/notices/", body)
    assert response.status_code == 201
    assert Notice.objects.get().issued_by == province_auditor
    public = APIClient().get("/api/v1/notices/").json()
    assert public["results"][0]["title"] == "全省通报"
    assert public["results"][0]["institution_name"] == nanjing_institution.name


def test_the_schema_lists_the_audit_endpoints(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in [
        "/api/v1/inspectors/",
        "/api/v1/spot-checks/",
        "/api/v1/spot-checks/{id}/reproduce/",
        "/api/v1/spot-checks/{id}/redraw/",
        "/api/v1/spot-checks/{id}/findings/",
        "/api/v1/spot-checks/{id}/publish/",
        "/api/v1/complaints/",
        "/api/v1/complaints/status/",
        "/api/v1/complaints/{id}/advance/",
        "/api/v1/notices/",
    ]:
        assert path in paths, path


def test_quality_reviews_are_run_by_the_province_and_scoped_by_row(
    api_as, province_auditor, nanjing_staff, alice
):
    response = api_as(province_auditor).post(
        "/api/v1/quality-reviews/run/", {"year": 2026, "half": 1}, format="json"
    )
    assert response.status_code == 201
    review_id = response.json()["id"]
    assert (
        api_as(nanjing_staff)
        .post("/api/v1/quality-reviews/run/", {"year": 2026, "half": 1}, format="json")
        .status_code
        == 403
    )
    rows = api_as(nanjing_staff).get(f"/api/v1/quality-reviews/{review_id}/").json()["rows"]
    assert {row["institution"] for row in rows} <= {alice.institution_id}
    again = api_as(province_auditor).post(
        "/api/v1/quality-reviews/run/", {"year": 2026, "half": 1}, format="json"
    )
    assert again.json()["version"] == 2


@pytest.mark.parametrize("value", ["9" * 30, "-" + "9" * 30, "7.7e126", "-7.7e126"])
def test_a_number_no_database_integer_holds_is_a_400_naming_the_filter(api, value):
    response = api.get("/api/v1/notices/", {"institution": value})
    assert response.status_code == 400
    assert "institution" in response.json()
