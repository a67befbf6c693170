"""The audit pages walked through as their users would: province auditors draw, record findings
and publish (双随机、一公开); the public file complaints and follow them; city staff handle their
city's; findings lead to revocations, credit flags, suspension and a province-wide notice."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from audits.choices import ComplaintStatus, FindingOutcome
from audits.models import Complaint, CreditFlag, Finding, Inspector, Notice, SpotCheck
from certificates.choices import CertificateStatus
from certificates.models import Certificate, RevocationRecord
from institutions.choices import CatalogStatus
from skilleval.actions import Forbidden
from skilleval.demo import make_resident_id
from skilleval.models import Region
from tests.factories import BatchFactory, issued_certificate, region
from tests.inspections import catalog_with_wuxi, draw_all, inspector_in_every_city

pytestmark = pytest.mark.django_db
PERSON = make_resident_id("320102", "19880214", 77)
_serial = iter(range(1, 10**6))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def catalog(nanjing_institution, suzhou_institution, lathe):
    return catalog_with_wuxi(nanjing_institution, suzhou_institution, lathe)


@pytest.fixture
def pool(catalog):
    return inspector_in_every_city()


def find(spot_check, user, outcome=FindingOutcome.ISSUES_FOUND):
    for entity in spot_check.entities.all():
        Finding.objects.create(
            entity=entity,
            outcome=outcome,
            detail=f"{entity.institution.name} 考务记录不全",
            action_taken="责令整改",
            recorded_by=user,
        )


def make_batch(institution, user, lathe):
    return BatchFactory(
        institution=institution,
        occupation=lathe,
        region=institution.county,
        venue="实训基地",
        exam_starts_on=date(2025, 5, 1),
        exam_ends_on=date(2025, 5, 2),
        created_by=user,
    )


def make_certificate(institution, lathe, *, id_number=None, batch=None):
    id_number = id_number or make_resident_id("320104", "19900101", next(_serial))
    return issued_certificate(
        institution,
        number=f"S000032000123254{next(_serial):06d}",
        id_number=id_number,
        batch=batch,
        occupation=lathe,
    )


# --- the inspector pool -------------------------------------------------------------------------


def test_a_province_auditor_keeps_the_inspector_pool(province_auditor, nanjing_institution):
    client = signed_in(province_auditor)
    response = client.post(
        "/audits/inspectors/",
        {"name": "周检查", "city": "320500", "institution": nanjing_institution.pk, "active": "on"},
    )
    assert response.status_code == 302
    inspector = Inspector.objects.get(name="周检查")
    assert inspector.active and inspector.institution == nanjing_institution

    response = client.post(
        f"/audits/inspectors/{inspector.pk}/edit/",
        {"name": "周检查", "city": "320200", "field": "机械", "active": "on"},
    )
    inspector.refresh_from_db()
    assert (inspector.city_id, inspector.field, inspector.institution) == ("320200", "机械", None)

    client.post(f"/audits/inspectors/{inspector.pk}/active/", {"active": "0"})
    inspector.refresh_from_db()
    assert not inspector.active
    assert "周检查" in page(client.get("/audits/inspectors/"))


def test_city_staff_and_institutions_may_not_see_the_pool(nanjing_staff, alice):
    for user in (nanjing_staff, alice):
        assert signed_in(user).get("/audits/inspectors/").status_code == 403


# --- spot checks --------------------------------------------------------------------------------


def test_a_draw_through_the_page_is_reproduced(pool, province_auditor):
    client = signed_in(province_auditor)
    response = client.post(
        "/audits/spot-checks/",
        {"population": "institutions", "ratio": "0.5", "per_entity": "2", "city": ""},
    )
    assert response.status_code == 302
    spot_check = SpotCheck.objects.get()
    assert spot_check.sample_size == 2 and spot_check.population_size == 3
    detail = page(client.get(response["Location"].split("#")[0]))
    assert spot_check.seed in detail and "检查员" in detail

    checked = page(client.post(f"/audits/spot-checks/{spot_check.pk}/reproduce/"))
    assert "一致" in checked and "不一致" not in checked


def test_a_batch_draw_needs_its_date_range(pool, province_auditor):
    response = signed_in(province_auditor).post(
        "/audits/spot-checks/", {"population": "batches", "ratio": "0.05", "per_entity": "2"}
    )
    assert response.status_code == 200
    assert "抽查评价批次须填写考试日期范围" in page(response)
    assert not SpotCheck.objects.exists()


def test_a_refused_draw_shows_the_reason(catalog, province_auditor):
    Inspector.objects.create(name="唯一检查员", city=region("320300"))
    response = signed_in(province_auditor).post(
        "/audits/spot-checks/", {"population": "institutions", "ratio": "1", "per_entity": "2"}
    )
    assert "检查人员库不足" in page(response)


def test_only_province_auditors_draw(pool, nanjing_staff):
    response = signed_in(nanjing_staff).post(
        "/audits/spot-checks/", {"population": "institutions", "ratio": "1", "per_entity": "2"}
    )
    assert response.status_code == 403


def test_a_redraw_needs_a_reason_and_replaces_the_draw(pool, province_auditor):
    first = draw_all(province_auditor)
    client = signed_in(province_auditor)
    response = client.post(f"/audits/spot-checks/{first.pk}/redraw/", {"reason": "  "})
    assert response.status_code == 200
    assert "重新抽取须说明原因" in page(response)
    assert SpotCheck.objects.count() == 1

    response = client.post(f"/audits/spot-checks/{first.pk}/redraw/", {"reason": "检查人员回避"})
    second = SpotCheck.objects.exclude(pk=first.pk).get()
    assert second.replaces == first and second.redraw_reason == "检查人员回避"
    assert "替代" in page(client.get(f"/audits/spot-checks/{first.pk}/"))
    again = client.post(f"/audits/spot-checks/{first.pk}/redraw/", {"reason": "再来一次"})
    assert "该抽查已被重新抽取" in page(again)


def test_a_finding_recorded_and_published_shows_without_inspector_names(
    pool, province_auditor, nanjing_institution
):
    spot_check = draw_all(province_auditor)
    client = signed_in(province_auditor)
    entities = list(spot_check.entities.all())
    for n, entity in enumerate(entities):
        response = client.post(
            f"/audits/spot-checks/{spot_check.pk}/entities/{entity.pk}/finding/",
            {
                f"e{entity.pk}-outcome": "serious" if n == 0 else "no_issue",
                f"e{entity.pk}-detail": "抽查考务档案",
                f"e{entity.pk}-action_taken": "注销该批次证书" if n == 0 else "",
            },
        )
        assert response.status_code == 302
        if n == 0:
            premature = client.post(f"/audits/spot-checks/{spot_check.pk}/publish/")
            assert "未记录检查结果" in page(premature)
    assert client.post(f"/audits/spot-checks/{spot_check.pk}/publish/").status_code == 302
    spot_check.refresh_from_db()
    assert spot_check.published_at is not None

    public = page(Client().get("/audits/results/"))
    assert nanjing_institution.name in public
    assert "发现严重问题" in public and "注销该批次证书" in public
    assert "检查员" not in public  # no inspector names (一公开 shows entity, date, outcome, action)

    late = client.post(
        f"/audits/spot-checks/{spot_check.pk}/entities/{entities[0].pk}/finding/",
        {f"e{entities[0].pk}-outcome": "no_issue", f"e{entities[0].pk}-detail": "改"},
    )
    assert "结果已公开" in page(late)


def test_unpublished_findings_stay_off_the_public_page(pool, province_auditor, nanjing_institution):
    find(draw_all(province_auditor), province_auditor)
    assert nanjing_institution.name not in page(Client().get("/audits/results/"))


def test_city_staff_see_only_the_draws_involving_their_city(
    pool, province_auditor, nanjing_staff, nanjing_institution, suzhou_institution
):
    suzhou_only = draw_all(province_auditor, filters={"city": "320500"})
    everywhere = draw_all(province_auditor)
    client = signed_in(nanjing_staff)
    listing = page(client.get("/audits/spot-checks/"))
    assert f"#{everywhere.pk}<" in listing and f"#{suzhou_only.pk}<" not in listing
    assert client.get(f"/audits/spot-checks/{suzhou_only.pk}/").status_code == 404
    detail = page(client.get(f"/audits/spot-checks/{everywhere.pk}/"))
    assert nanjing_institution.name in detail and suzhou_institution.name not in detail


def test_an_institution_sees_and_answers_its_own_finding_only(
    pool, province_auditor, alice, charlie, nanjing_institution, suzhou_institution
):
    spot_check = draw_all(province_auditor)
    find(spot_check, province_auditor)
    client = signed_in(charlie)
    detail = page(client.get(f"/audits/spot-checks/{spot_check.pk}/"))
    assert suzhou_institution.name in detail
    assert nanjing_institution.name not in detail  # Alice's institution and its finding
    assert "检查员" not in detail  # the inspected do not see who inspects

    own = spot_check.entities.get(institution=suzhou_institution)
    alices = spot_check.entities.get(institution=nanjing_institution)
    response = client.post(
        f"/audits/spot-checks/{spot_check.pk}/entities/{own.pk}/response/",
        {f"r{own.pk}-institution_response": "已整改，补齐考务档案"},
    )
    assert response.status_code == 302
    own.finding.refresh_from_db()
    assert own.finding.institution_response == "已整改，补齐考务档案"
    response = client.post(
        f"/audits/spot-checks/{spot_check.pk}/entities/{alices.pk}/response/",
        {f"r{alices.pk}-institution_response": "不关我事"},
    )
    assert response.status_code == 404
    assert "已整改" in page(
        signed_in(province_auditor).get(f"/audits/spot-checks/{spot_check.pk}/")
    )


# --- complaints ---------------------------------------------------------------------------------


def complain(client=None, **fields):
    data = {
        "target_type": "institution",
        "target_description": "南京测试机电有限公司",
        "content": "考试时有人替考",
        "contact": "13900000000",
        **fields,
    }
    return (client or Client()).post("/audits/complaints/new/", data)


def test_the_public_files_a_complaint_and_follows_it_to_its_conclusion(
    catalog, nanjing_institution, nanjing_staff
):
    public = Client()
    form = page(public.get("/audits/complaints/new/"))
    assert "025-83201683" in form and "025-83271773" in form

    response = complain(public, institution=nanjing_institution.pk)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.institution == nanjing_institution and complaint.city_id == "320100"
    received = page(public.get(response["Location"]))
    assert complaint.reference in received

    def status_page():
        return page(Client().post("/audits/complaints/status/", {"reference": complaint.reference}))

    assert "已受理" in status_page() and "替考" not in status_page()  # status only

    staff = signed_in(nanjing_staff)
    url = f"/audits/complaints/{complaint.pk}/advance/"
    assert staff.post(url, {"assignee": nanjing_staff.pk}).status_code == 302
    assert staff.post(url).status_code == 302
    refused = staff.post(url, {"outcome": "  "})
    assert "请填写办理结果" in page(refused)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING

    staff.post(url, {"outcome": "经查属实，已注销相关证书并通报"})
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CONCLUDED
    assert "经查属实" in status_page() and "已办结" in status_page()


def test_an_unknown_reference_finds_nothing(db):
    response = Client().post("/audits/complaints/status/", {"reference": "JB20260101ABCDEF12"})
    assert "未找到该受理编号" in page(response)


def test_a_city_chosen_shows_its_hotline(db):
    Region.objects.filter(code="320500").update(complaint_hotline="0512-12345678")
    assert "0512-12345678" in page(Client().get("/audits/complaints/new/?city=320500"))


def test_a_photo_is_accepted_and_a_renamed_file_refused(db):
    image = BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "PNG")
    photo = SimpleUploadedFile("现场照片-张三.png", image.getvalue(), content_type="image/png")
    assert complain(attachment=photo).status_code == 302
    stored = Complaint.objects.get().attachment.name
    assert stored.endswith(".png") and "张三" not in stored  # stored under a random name

    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = complain(attachment=fake)
    assert response.status_code == 200 and "文件内容与扩展名 .png 不符" in page(response)
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert "只接受 JPG、PNG 图片" in page(complain(attachment=exe))


def test_complaints_from_one_address_are_rate_limited(db):
    for _ in range(5):
        assert complain().status_code == 302
    response = complain()
    assert response.status_code == 429
    assert "提交过于频繁" in page(response)
    assert Complaint.objects.count() == 5
    assert complain(Client(REMOTE_ADDR="10.9.9.9")).status_code == 302


def test_city_staff_see_only_their_citys_complaints(
    catalog, nanjing_staff, nanjing_institution, suzhou_institution
):
    complain(institution=nanjing_institution.pk, target_description="南京的机构")
    complain(Client(REMOTE_ADDR="10.0.0.2"), institution=suzhou_institution.pk)
    nanjing, suzhou = (
        Complaint.objects.get(city_id="320100"),
        Complaint.objects.get(city_id="320500"),
    )
    client = signed_in(nanjing_staff)
    listing = page(client.get("/audits/complaints/"))
    assert nanjing.reference in listing and suzhou.reference not in listing
    assert client.get(f"/audits/complaints/{suzhou.pk}/").status_code == 404
    assert client.post(f"/audits/complaints/{suzhou.pk}/advance/").status_code == 404


def test_institutions_never_see_the_complaints_about_them(catalog, alice, nanjing_institution):
    complain(institution=nanjing_institution.pk)
    assert signed_in(alice).get("/audits/complaints/").status_code == 403


# --- acting on findings -------------------------------------------------------------------------


def test_a_persons_certificates_are_revoked_from_the_audit_page(
    province_auditor, nanjing_institution, suzhou_institution, lathe
):
    first = make_certificate(nanjing_institution, lathe, id_number=PERSON)
    second = make_certificate(suzhou_institution, lathe, id_number=PERSON)
    other = make_certificate(nanjing_institution, lathe)
    client = signed_in(province_auditor)
    refused = client.post(
        "/audits/actions/revoke-person/", {"id_number": PERSON.lower(), "reason": ""}
    )
    assert "请填写注销原因" in page(refused)
    response = client.post(
        "/audits/actions/revoke-person/",
        {"id_number": f" {PERSON.lower()} ", "reason": "抽查发现违规发证（54号 五）"},
    )
    assert response.status_code == 302
    for certificate in (first, second, other):
        certificate.refresh_from_db()
    assert first.status == second.status == CertificateStatus.REVOKED
    assert other.status == CertificateStatus.VALID


def test_a_batchs_certificates_are_revoked_and_city_staff_only_in_their_city(
    province_auditor, nanjing_staff, nanjing_institution, suzhou_institution, lathe
):
    nanjing_batch = make_batch(nanjing_institution, province_auditor, lathe)
    suzhou_batch = make_batch(suzhou_institution, province_auditor, lathe)
    nanjing_certs = [
        make_certificate(nanjing_institution, lathe, batch=nanjing_batch) for _ in range(3)
    ]
    suzhou_cert = make_certificate(suzhou_institution, lathe, batch=suzhou_batch)
    client = signed_in(nanjing_staff)
    outside = client.post(
        "/audits/actions/revoke-batch/", {"batch": suzhou_batch.pk, "reason": "违规"}
    )
    assert "您的管辖范围内没有该批次" in page(outside)
    response = client.post(
        "/audits/actions/revoke-batch/", {"batch": nanjing_batch.pk, "reason": "考务违规"}
    )
    assert response.status_code == 302
    assert {c.status for c in Certificate.objects.filter(batch=nanjing_batch)} == {"revoked"}
    suzhou_cert.refresh_from_db()
    assert suzhou_cert.status == "valid" and len(nanjing_certs) == 3
    again = client.post(
        "/audits/actions/revoke-batch/", {"batch": nanjing_batch.pk, "reason": "考务违规"}
    )
    assert again.status_code == 200 and "没有可注销的有效证书" in page(again)


def test_revoking_what_is_no_longer_valid_is_refused_alike_on_every_door(
    province_auditor, nanjing_institution, lathe, api_as
):
    """Certificate.revoke_many says it once; the audit page, the certificate page and the API
    used to answer "nothing in your scope", a silent no-op and {"revoked": 0}."""
    batch = make_batch(nanjing_institution, province_auditor, lathe)
    certificate = make_certificate(nanjing_institution, lathe, batch=batch)
    Certificate.revoke_many([certificate], user=province_auditor, reason="抽查发现违规")
    api = api_as(province_auditor)
    refused = api.post("/api/v1/certificates/revoke-batch/", {"batch": batch.pk, "reason": "x"})
    assert refused.status_code == 400 and "没有可注销的有效证书" in str(refused.json())
    one = api.post(f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "x"})
    assert one.status_code == 400
    client = signed_in(province_auditor)
    shown = client.post(f"/certificates/{certificate.pk}/revoke/", {"reason": "x"}, follow=True)
    assert "没有可注销的有效证书" in page(shown)
    assert RevocationRecord.objects.filter(certificate=certificate).count() == 1


def test_only_province_staff_raise_a_credit_flag(nanjing_staff, nanjing_institution):
    with pytest.raises(Forbidden):
        CreditFlag.raise_on(nanjing_institution, reason="违规", user=nanjing_staff)
    assert not CreditFlag.objects.exists()


def test_a_credit_flag_and_a_suspension(province_admin, province_auditor, nanjing_institution):
    client = signed_in(province_auditor)
    response = client.post(
        "/audits/actions/credit-flag/",
        {"institution": nanjing_institution.pk, "reason": "违规发放证书"},
    )
    assert response.status_code == 302
    assert CreditFlag.objects.get().institution == nanjing_institution
    assert "请填写原因" in page(
        client.post("/audits/actions/credit-flag/", {"institution": nanjing_institution.pk})
    )
    # The catalog is changed by province admins only: an auditor is told so.
    refused = client.post(
        "/audits/actions/suspend/", {"institution": nanjing_institution.pk, "reason": "违规"}
    )
    assert "仅省级管理员可调整目录" in page(refused)

    response = signed_in(province_admin).post(
        "/audits/actions/suspend/",
        {"institution": nanjing_institution.pk, "reason": "双随机抽查发现严重问题"},
    )
    assert response.status_code == 302
    nanjing_institution.refresh_from_db()
    assert nanjing_institution.catalog_status == CatalogStatus.SUSPENDED


def test_city_staff_may_revoke_but_not_flag_or_notify(nanjing_staff, nanjing_institution):
    client = signed_in(nanjing_staff)
    actions = page(client.get("/audits/actions/"))
    assert "注销证书" in actions and "信用核查标记" not in actions
    assert (
        client.post(
            "/audits/actions/credit-flag/", {"institution": nanjing_institution.pk, "reason": "x"}
        ).status_code
        == 403
    )
    assert client.post("/audits/actions/notice/", {"title": "x", "body": "y"}).status_code == 403


def test_institutions_may_not_act_on_findings(alice):
    assert signed_in(alice).get("/audits/actions/").status_code == 403


def test_a_notice_appears_on_the_public_notices_page(province_auditor, nanjing_institution):
    response = signed_in(province_auditor).post(
        "/audits/actions/notice/",
        {
            "title": "关于南京测试机电有限公司违规发证的通报",
            "body": "经查，该机构存在违规发放证书问题。",
            "institution": nanjing_institution.pk,
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.issued_by == province_auditor
    public = page(Client().get("/audits/notices/"))
    assert notice.title in public and "违规发放证书问题" in public


def test_the_public_pages_need_no_sign_in(db):
    for url in [
        "/audits/results/",
        "/audits/notices/",
        "/audits/complaints/new/",
        "/audits/complaints/status/",
    ]:
        assert Client().get(url).status_code == 200, url


def test_the_staff_pages_need_a_sign_in(db):
    for url in ["/audits/spot-checks/", "/audits/complaints/", "/audits/actions/"]:
        assert Client().get(url).status_code == 302, url
