"""Staff certificate pages, export and API: scoping role by role, revocation (one, a person's,
a batch's), corrections with history, masked and formula-safe exports."""

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from openpyxl import load_workbook

from certificates.choices import CertificateKind, CertificateStatus, PrintKind
from certificates.models import Certificate, CertificatePrint, CertificateRevision, Proof
from skilleval.demo import make_resident_id
from skilleval.personal_data import mask_id_number
from tests.factories import BatchFactory, OccupationFactory, issued_certificate

PERSON = make_resident_id("320102", "19880214", 51)
_serial = iter(range(1, 10**6))


def make_certificate(institution, *, name="王小明", id_number=None, batch=None, **fields):
    """A certificate written straight to the database (issuance has its own tests)."""
    id_number = id_number or make_resident_id("320104", "19900101", next(_serial))
    number = fields.pop("number", f"S000032000123254{next(_serial):06d}")
    return issued_certificate(
        institution, number=number, id_number=id_number, name=name, batch=batch, **fields
    )


def make_batch(institution, user):
    return BatchFactory(
        institution=institution,
        occupation=OccupationFactory(),
        region=institution.county,
        venue="实训基地",
        exam_starts_on=date(2025, 5, 1),
        exam_ends_on=date(2025, 5, 2),
        created_by=user,
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def nanjing_cert(nanjing_institution):
    return make_certificate(nanjing_institution, name="南京人", id_number=PERSON)


@pytest.fixture
def suzhou_cert(suzhou_institution):
    return make_certificate(suzhou_institution, name="南京人", id_number=PERSON)


def page(response) -> str:
    return response.content.decode()


def refresh(*certificates):
    return [Certificate.objects.get(pk=c.pk) for c in certificates]


# --- scoping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_nanjing", "sees_suzhou"),
    [
        ("alice", True, False),  # the issuing institution
        ("bob", True, False),  # a colleague
        ("charlie", False, True),  # another institution
        ("nanjing_staff", True, False),  # city A
        ("suzhou_staff", False, True),  # city B
        ("jiangning_staff", True, False),  # the institution's county
        ("province_auditor", True, True),
        ("organiser", False, False),
    ],
)
def test_each_role_sees_the_certificates_in_its_scope(
    request, who, sees_nanjing, sees_suzhou, nanjing_cert, suzhou_cert, api_as
):
    user = request.getfixturevalue(who)
    client = signed_in(user)
    api = api_as(user)
    listing = client.get("/certificates/").content.decode()
    exported = export_text(client.get("/certificates/export.xlsx"))
    api_numbers = {row["number"] for row in api.get("/api/v1/certificates/").json()["results"]}
    for certificate, sees in [(nanjing_cert, sees_nanjing), (suzhou_cert, sees_suzhou)]:
        assert (certificate.number in listing) is sees
        assert (certificate.number in exported) is sees
        assert (certificate.number in api_numbers) is sees
        expected = 200 if sees else 404
        assert client.get(f"/certificates/{certificate.pk}/").status_code == expected
        assert api.get(f"/api/v1/certificates/{certificate.pk}/").status_code == expected


def test_the_pages_need_a_sign_in(nanjing_cert):
    assert Client().get("/certificates/").status_code == 302
    assert Client().get("/certificates/export.xlsx").status_code == 302
    assert Client().get(f"/certificates/{nanjing_cert.pk}/").status_code == 302


def test_the_list_filters(province_auditor, nanjing_cert, suzhou_cert, nanjing_institution):
    client = signed_in(province_auditor)
    other = make_certificate(nanjing_institution, level=3, issued_on=date(2024, 3, 1))

    def numbers(query):
        return {c.number for c in client.get(f"/certificates/?{query}").context["object_list"]}

    assert numbers(f"institution={nanjing_institution.pk}") == {nanjing_cert.number, other.number}
    assert numbers("level=3") == {other.number}
    assert numbers("year=2024") == {other.number}
    assert numbers(f"number={nanjing_cert.number.lower()}") == {nanjing_cert.number}
    assert numbers("name=南京") == {nanjing_cert.number, suzhou_cert.number}
    assert numbers("occupation=6-18") == {nanjing_cert.number, suzhou_cert.number, other.number}
    assert numbers("status=revoked") == set()


@pytest.mark.parametrize("year", ["0", "0.25", "1.5", "10000", "-3"])
def test_a_year_no_date_can_have_is_a_400_not_a_server_error(year, province_auditor, api_as):
    # Found by the API fuzzer: ?year=0.25 reached the date lookup and failed with a 500.
    response = api_as(province_auditor).get(f"/api/v1/certificates/?year={year}")
    assert response.status_code == 400 and "year" in response.json()
    assert signed_in(province_auditor).get(f"/certificates/?year={year}").status_code == 200


def test_an_institution_outside_the_scope_cannot_be_filtered_on(alice, suzhou_institution, api_as):
    response = api_as(alice).get(f"/api/v1/certificates/?institution={suzhou_institution.pk}")
    assert response.status_code == 400


# --- the API ---------------------------------------------------------------------------------


def test_the_api_exposes_the_agreed_fields_with_the_id_masked(alice, nanjing_cert, api_as):
    row = api_as(alice).get(f"/api/v1/certificates/{nanjing_cert.pk}/").json()
    for field in [
        "number",
        "kind",
        "level",
        "issued_on",
        "status",
        "holder_name",
        "id_number_masked",
        "occupation_code",
        "institution",
        "batch",
    ]:
        assert field in row
    assert row["occupation_code"] == "6-18-01-01"
    assert row["id_number_masked"] == mask_id_number(PERSON)
    assert PERSON not in str(row)


def test_the_api_is_read_only(province_admin, nanjing_cert, api_as):
    api = api_as(province_admin)
    assert api.delete(f"/api/v1/certificates/{nanjing_cert.pk}/").status_code == 405
    assert api.patch(f"/api/v1/certificates/{nanjing_cert.pk}/", {}).status_code == 405


def test_the_schema_documents_the_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in [
        "/api/v1/certificates/{id}/revoke/",
        "/api/v1/certificates/revoke-batch/",
        "/api/v1/certificates/revoke-person/",
        "/api/v1/public/lookup/",
        "/api/v1/public/verify/{token}/",
        "/api/v1/public/captcha/",
    ]:
        assert path in schema


# --- revocation ------------------------------------------------------------------------------


def test_a_province_auditor_revokes_any_certificate(province_auditor, suzhou_cert, api_as):
    response = api_as(province_auditor).post(
        f"/api/v1/certificates/{suzhou_cert.pk}/revoke/", {"reason": "督查发现违规发证"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    (certificate,) = refresh(suzhou_cert)
    assert certificate.revocation_reason == "督查发现违规发证"
    assert certificate.revocations.get().actor == province_auditor


def test_a_revocation_needs_a_reason(province_auditor, nanjing_cert, api_as):
    response = api_as(province_auditor).post(
        f"/api/v1/certificates/{nanjing_cert.pk}/revoke/", {"reason": " "}
    )
    assert response.status_code == 400
    assert refresh(nanjing_cert)[0].status == CertificateStatus.VALID


def test_city_staff_revoke_in_their_own_city_only(nanjing_staff, nanjing_cert, suzhou_cert, api_as):
    api = api_as(nanjing_staff)
    assert (
        api.post(f"/api/v1/certificates/{nanjing_cert.pk}/revoke/", {"reason": "x"}).status_code
        == 200
    )
    assert (
        api.post(f"/api/v1/certificates/{suzhou_cert.pk}/revoke/", {"reason": "x"}).status_code
        == 404
    )
    client = signed_in(nanjing_staff)
    assert (
        client.post(f"/certificates/{suzhou_cert.pk}/revoke/", {"reason": "x"}).status_code == 404
    )
    assert [c.status for c in refresh(nanjing_cert, suzhou_cert)] == ["revoked", "valid"]


@pytest.mark.parametrize("who", ["alice", "charlie", "jiangning_staff", "organiser"])
def test_other_roles_may_not_revoke(request, who, nanjing_cert, api_as):
    user = request.getfixturevalue(who)
    api = api_as(user)
    client = signed_in(user)
    assert (
        api.post(f"/api/v1/certificates/{nanjing_cert.pk}/revoke/", {"reason": "x"}).status_code
        == 403
    )
    assert (
        api.post(
            "/api/v1/certificates/revoke-person/", {"id_number": PERSON, "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        api.post("/api/v1/certificates/revoke-batch/", {"batch": 1, "reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(f"/certificates/{nanjing_cert.pk}/revoke/", {"reason": "x"}).status_code == 403
    )
    assert (
        client.post(
            "/certificates/revoke-person/", {"id_number": PERSON, "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post("/certificates/revoke-batch/", {"batch": 1, "reason": "x"}).status_code == 403
    )
    assert refresh(nanjing_cert)[0].status == CertificateStatus.VALID


def test_the_revoke_forms_show_only_to_those_who_may_revoke(alice, nanjing_staff, nanjing_cert):
    assert (
        "注销此证书"
        not in signed_in(alice).get(f"/certificates/{nanjing_cert.pk}/").content.decode()
    )
    page = signed_in(nanjing_staff).get(f"/certificates/{nanjing_cert.pk}/").content.decode()
    assert "注销此证书" in page
    assert "注销持证人的全部证书" in page


def test_an_auditor_revokes_all_of_a_persons_certificates(
    province_auditor, nanjing_cert, suzhou_cert, nanjing_institution, api_as
):
    someone_else = make_certificate(nanjing_institution)
    response = api_as(province_auditor).post(
        "/api/v1/certificates/revoke-person/", {"id_number": PERSON.lower(), "reason": "冒名顶替"}
    )
    assert response.json() == {"revoked": 2}
    assert [c.status for c in refresh(nanjing_cert, suzhou_cert, someone_else)] == [
        "revoked",
        "revoked",
        "valid",
    ]


def test_city_staff_revoke_a_persons_certificates_in_their_city_only(
    nanjing_staff, nanjing_cert, suzhou_cert
):
    response = signed_in(nanjing_staff).post(
        "/certificates/revoke-person/", {"id_number": PERSON, "reason": "冒名顶替"}
    )
    assert response.status_code == 302
    assert [c.status for c in refresh(nanjing_cert, suzhou_cert)] == ["revoked", "valid"]


def test_a_persons_certificates_are_revoked_from_the_detail_page(
    province_auditor, nanjing_cert, suzhou_cert
):
    response = signed_in(province_auditor).post(
        "/certificates/revoke-person/", {"certificate": nanjing_cert.pk, "reason": "冒名顶替"}
    )
    assert response["Location"] == f"/certificates/{nanjing_cert.pk}/"
    assert [c.status for c in refresh(nanjing_cert, suzhou_cert)] == ["revoked", "revoked"]


def test_revoking_a_person_outside_the_scope_finds_nothing(suzhou_staff, nanjing_cert, api_as):
    response = api_as(suzhou_staff).post(
        "/api/v1/certificates/revoke-person/", {"id_number": PERSON, "reason": "x"}
    )
    assert response.status_code == 404
    assert refresh(nanjing_cert)[0].status == CertificateStatus.VALID


def test_a_batch_is_revoked_whole(
    province_auditor, nanjing_staff, suzhou_staff, alice, nanjing_institution, api_as
):
    batch = make_batch(nanjing_institution, alice)
    in_batch = [make_certificate(nanjing_institution, batch=batch) for _ in range(3)]
    outside = make_certificate(nanjing_institution)

    assert (
        api_as(suzhou_staff)
        .post("/api/v1/certificates/revoke-batch/", {"batch": batch.pk, "reason": "x"})
        .status_code
        == 404
    )
    response = api_as(province_auditor).post(
        "/api/v1/certificates/revoke-batch/", {"batch": batch.pk, "reason": "批次违规"}
    )
    assert response.json() == {"revoked": 3}
    assert {c.status for c in refresh(*in_batch)} == {"revoked"}
    assert refresh(outside)[0].status == "valid"


def test_city_staff_revoke_a_batch_from_the_filtered_list(
    nanjing_staff, alice, nanjing_institution
):
    batch = make_batch(nanjing_institution, alice)
    in_batch = [make_certificate(nanjing_institution, batch=batch) for _ in range(2)]
    client = signed_in(nanjing_staff)
    page = client.get(f"/certificates/?batch={batch.pk}").content.decode()
    assert "注销整个批次" in page
    assert (
        "注销整个批次"
        not in signed_in(alice).get(f"/certificates/?batch={batch.pk}").content.decode()
    )
    response = client.post("/certificates/revoke-batch/", {"batch": batch.pk, "reason": "批次违规"})
    assert response.status_code == 302
    assert {c.status for c in refresh(*in_batch)} == {"revoked"}


# --- corrections and prints ------------------------------------------------------------------


def test_the_issuing_institution_corrects_a_name_and_the_history_stays(alice, nanjing_cert):
    client = signed_in(alice)
    response = client.post(
        f"/certificates/{nanjing_cert.pk}/correct/",
        {"holder_name": "南京仁", "work_type": "数控车工", "reason": "姓名录入错误"},
    )
    assert response.status_code == 302
    (certificate,) = refresh(nanjing_cert)
    assert (certificate.holder_name, certificate.work_type) == ("南京仁", "数控车工")
    revision = CertificateRevision.objects.get(certificate=certificate)
    assert revision.before == {"holder_name": "南京人", "work_type": ""}
    assert revision.after == {"holder_name": "南京仁", "work_type": "数控车工"}
    assert revision.actor == alice
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert "姓名录入错误" in page
    assert "南京人" in page  # the old value in the history


def test_only_changed_fields_are_recorded(alice, nanjing_cert):
    signed_in(alice).post(
        f"/certificates/{nanjing_cert.pk}/correct/",
        {"holder_name": "南京人", "work_type": "数控车工", "reason": "补充工种"},
    )
    assert CertificateRevision.objects.get().after == {"work_type": "数控车工"}


@pytest.mark.parametrize(("who", "status"), [("charlie", 404), ("nanjing_staff", 403)])
def test_others_may_not_correct(request, who, status, nanjing_cert):
    client = signed_in(request.getfixturevalue(who))
    response = client.post(
        f"/certificates/{nanjing_cert.pk}/correct/",
        {"holder_name": "改名", "work_type": "", "reason": "x"},
    )
    assert response.status_code == status
    assert refresh(nanjing_cert)[0].holder_name == "南京人"


def test_a_staff_download_is_recorded_as_a_reprint(bob, nanjing_cert, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(bob)
    assert client.get(f"/certificates/{nanjing_cert.pk}/pdf/").status_code == 404
    nanjing_cert.pdf.save("c.pdf", ContentFile(b"%PDF-1.4"))
    response = client.get(f"/certificates/{nanjing_cert.pk}/pdf/")
    assert response.status_code == 200
    print_ = CertificatePrint.objects.get(certificate=nanjing_cert)
    assert (print_.kind, print_.actor) == (PrintKind.REPRINT, bob)


# --- the export ------------------------------------------------------------------------------


def export_rows(response):
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def export_text(response):
    return "\n".join(str(v) for row in export_rows(response) for v in row if v is not None)


def test_the_export_masks_id_numbers_and_neutralises_formulas(
    province_auditor, nanjing_institution
):
    make_certificate(
        nanjing_institution, name='=HYPERLINK("http://evil.example","点我")', id_number=PERSON
    )
    response = signed_in(province_auditor).get("/certificates/export.xlsx")
    assert response["Cache-Control"] == "no-store"
    rows = export_rows(response)
    header, row = rows[0], rows[1]
    assert row[header.index("证件号码")] == mask_id_number(PERSON)
    assert row[header.index("姓名")].startswith("'=")
    text = export_text(response)
    assert PERSON not in text
    sheet = load_workbook(BytesIO(response.content)).active
    for cells in sheet.iter_rows():
        for cell in cells:
            assert cell.data_type != "f"


def test_the_export_follows_the_filters(
    province_auditor, nanjing_cert, suzhou_cert, suzhou_institution
):
    response = signed_in(province_auditor).get(
        f"/certificates/export.xlsx?institution={suzhou_institution.pk}"
    )
    text = export_text(response)
    assert suzhou_cert.number in text
    assert nanjing_cert.number not in text


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_shows_certificates_read_only_without_the_id_number(superuser, nanjing_cert):
    client = signed_in(superuser)
    nanjing_cert.correct(user=superuser, reason="更正", holder_name="南京仁")
    for url in [
        "/admin/certificates/certificate/",
        f"/admin/certificates/certificate/{nanjing_cert.pk}/change/",
        "/admin/certificates/certificaterevision/",
        "/admin/certificates/certificateprint/",
        "/admin/certificates/revocationrecord/",
        "/admin/certificates/proof/",
        "/admin/certificates/numberseries/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert PERSON not in response.content.decode()
    assert client.get("/admin/certificates/certificate/add/").status_code == 403
    response = client.post(
        f"/admin/certificates/certificate/{nanjing_cert.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Certificate.objects.filter(pk=nanjing_cert.pk).exists()


def test_the_correction_history_names_the_fields_in_words_in_each_language(
    alice, nanjing_cert, settings
):
    client = signed_in(alice)
    nanjing_cert.correct(user=alice, reason="姓名录入错误", holder_name="南京仁")

    chinese = client.get(f"/certificates/{nanjing_cert.pk}/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/certificates/{nanjing_cert.pk}/").content.decode()

    assert "<code>holder_name</code>" not in chinese and "姓名：南京人" in chinese
    assert "<code>holder_name</code>" not in english and "Name：南京人" in english


# --- proofs instead of new certificates after the exit (239号 二(三)) -----------------------------


@pytest.fixture
def vq_cert(nanjing_institution):
    """A level-evaluation vocational qualification certificate of 2020, with its PDF."""
    return make_certificate(
        nanjing_institution,
        name="赵建国",
        kind=CertificateKind.VOCATIONAL_QUALIFICATION,
        number="2032000000400012",
        issued_on=date(2020, 11, 30),
        pdf=ContentFile(b"%PDF-1.4 original", name="vq.pdf"),
    )


def test_the_issuing_institution_gives_a_proof_from_the_certificate_page(alice, vq_cert):
    client = signed_in(alice)
    detail = page(client.get(f"/certificates/{vq_cert.pk}/"))
    assert "出具职业资格证书证明" in detail
    response = client.post(
        f"/certificates/{vq_cert.pk}/proof/", {"reason": "lost", "detail": "本人遗失"}
    )
    proof = Proof.objects.get(certificate=vq_cert)
    assert response.status_code == 302 and response["Location"].endswith(f"#proof-{proof.pk}")
    detail = page(client.get(f"/certificates/{vq_cert.pk}/"))
    assert f"/certificates/proofs/{proof.pk}/pdf/" in detail and "证书遗失" in detail
    download = client.get(f"/certificates/proofs/{proof.pk}/pdf/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # The proof's QR page names it.
    assert "证明" in page(Client().get(f"/v/{proof.verification_token}/"))


def test_an_exited_qualification_is_never_printed_anew_only_proven(alice, vq_cert):
    """Downloading the staff PDF records a reprint, and a correction prints the certificate
    again: both would issue a vocational qualification certificate after 2021-01-31."""
    client = signed_in(alice)
    refused = client.get(f"/certificates/{vq_cert.pk}/pdf/", follow=True)
    assert "遗失或错证只能由原核发机构出具证明" in page(refused)
    assert not CertificatePrint.objects.filter(certificate=vq_cert).exists()
    with pytest.raises(ValidationError):
        vq_cert.correct(user=alice, reason="错字", holder_name="赵建民")
    vq_cert.refresh_from_db()
    assert vq_cert.holder_name == "赵建国" and not vq_cert.revisions.exists()


def test_a_skill_level_certificate_gets_no_proof_and_others_may_not_give_one(
    alice, charlie, province_auditor, nanjing_cert, vq_cert, api_as
):
    refused = api_as(alice).post(
        f"/api/v1/certificates/{nanjing_cert.pk}/proof/", {"reason": "lost"}
    )
    assert refused.status_code == 400 and "证明只为退出目录的职业资格证书出具" in str(
        refused.json()
    )
    assert "出具职业资格证书证明" not in page(
        signed_in(alice).get(f"/certificates/{nanjing_cert.pk}/")
    )
    auditor = api_as(province_auditor).post(
        f"/api/v1/certificates/{vq_cert.pk}/proof/", {"reason": "lost"}
    )
    assert auditor.status_code == 403
    other = api_as(charlie).post(f"/api/v1/certificates/{vq_cert.pk}/proof/", {"reason": "lost"})
    assert other.status_code == 404
    given = api_as(alice).post(
        f"/api/v1/certificates/{vq_cert.pk}/proof/", {"reason": "wrong", "detail": "姓名有误"}
    )
    assert given.status_code == 201
    assert given.json()["reason"] == "wrong" and "/v/" in given.json()["verification_url"]
    assert Proof.objects.filter(certificate=vq_cert).count() == 1
