"""Certificate PDFs prove themselves (54号 四): each is signed (PAdES) with the province's key,
any change breaks the signature, a PDF signed by another key is not ours, a revoked certificate's
PDF still validates but the register says revoked; the demo key never signs in production."""

import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import pdf, signing, verification
from certificates.choices import PdfVerdict, ProofReason
from certificates.models import Certificate, Proof
from tests.factories import UserFactory
from tests.test_certificate_pdf import make_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_signer():
    """Settings change between tests: load the key (and its trust roots) anew each time."""
    signing.signer.cache_clear()
    signing.trust_roots.cache_clear()
    yield
    signing.signer.cache_clear()
    signing.trust_roots.cache_clear()


@pytest.fixture
def certificate():
    return make_certificate("王小明")


@pytest.fixture
def signed(certificate):
    return pdf.render_certificate(certificate)


def upload(data: bytes, name="certificate.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_certificate_pdf_is_signed_over_the_whole_file_and_validates(signed):
    reader = PdfFileReader(io.BytesIO(signed))
    [signature] = reader.embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=signing.trust_roots(), allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_later_signatures_of_a_process_reuse_the_constant_parts_and_validate_alike(certificate):
    """The signer keeps what every signature shares (the signed attributes but the document's
    digest, the signer's identifier) after the first signature; the later ones validate as the
    first does, each over its own document, and an altered one still fails."""
    context = ValidationContext(trust_roots=signing.trust_roots(), allow_fetching=False)
    names = ("王小明", "欧阳娜娜", "李喆")
    pages = []
    for name in names:
        certificate.holder_name = name
        pages.append(pdf.certificate_page(certificate))
    _whole, singles = pdf.render_pages(pages)
    assert signing.signer()._attributes and signing.signer()._identity  # kept after the first
    digests = set()
    for data in singles:
        [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
        status = validate_pdf_signature(signature, context)
        assert status.intact and status.valid and status.trusted
        assert status.coverage.name == "ENTIRE_FILE"
        attributes = signature.signer_info["signed_attrs"]
        assert [a["type"].native for a in attributes] == [
            "content_type",
            "message_digest",
            "signing_certificate_v2",
        ]
        digests.add(attributes[1]["values"][0].native)
    assert len(digests) == len(names)
    check = verification.check_pdf(singles[0])
    assert check.verdict == PdfVerdict.VALID, check.reason  # the register's name
    assert verification.check_pdf(one_byte_changed(singles[-1])).verdict == PdfVerdict.ALTERED


def test_a_signed_pdf_checks_as_valid_and_names_its_certificate(signed, certificate):
    check = verification.check_pdf(signed)
    assert check.verdict == PdfVerdict.VALID
    assert check.number == certificate.number
    assert check.certificate == certificate
    assert "DEMO" in check.signer  # outside production the demo key says what it is


def one_byte_changed(data: bytes) -> bytes:
    """A byte inside the signed range (the page's size), not the signature itself."""
    position = data.index(b"/MediaBox") + len(b"/MediaBox [0 0 ")
    changed = bytearray(data)
    changed[position] = ord("7") if changed[position] != ord("7") else ord("8")
    return bytes(changed)


def test_one_changed_byte_makes_it_altered(signed):
    assert verification.check_pdf(one_byte_changed(signed)).verdict == PdfVerdict.ALTERED


def test_an_update_appended_after_signing_makes_it_altered(signed):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.document_meta.title = "职业技能等级证书 S000032000123264000001 李四"
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = verification.check_pdf(out.getvalue())
    assert check.verdict == PdfVerdict.ALTERED


def test_a_pdf_signed_by_another_key_is_not_issued_here(certificate, settings, tmp_path):
    # Another "province": its own demo CA, same document and claims.
    settings.CERTIFICATE_SIGNING_DEMO_DIR = str(tmp_path / "elsewhere")
    foreign = pdf.render_certificate(certificate)
    signing.signer.cache_clear()
    signing.trust_roots.cache_clear()
    settings.CERTIFICATE_SIGNING_DEMO_DIR = str(tmp_path / "ours")
    assert verification.check_pdf(foreign).verdict == PdfVerdict.NOT_ISSUED_HERE
    assert verification.check_pdf(pdf.render_certificate(certificate)).verdict == PdfVerdict.VALID


def test_an_unsigned_pdf_or_not_a_pdf_is_not_issued_here(certificate):
    _all_pages, (unsigned,) = pdf.render_pages([pdf.certificate_page(certificate)], sign=False)
    assert verification.check_pdf(unsigned).verdict == PdfVerdict.NOT_ISSUED_HERE
    assert verification.check_pdf(b"GIF89a").verdict == PdfVerdict.NOT_ISSUED_HERE


def test_a_revoked_certificate_still_validates_but_the_register_says_revoked(
    signed, certificate, province_admin
):
    Certificate.revoke_many([certificate], user=province_admin, reason="以欺骗手段取得")
    check = verification.check_pdf(signed)
    assert check.verdict == PdfVerdict.REVOKED
    assert check.revoked_on is not None


def test_a_pdf_from_before_a_correction_no_longer_matches_the_register(
    signed, certificate, province_admin
):
    certificate.pdf.save("tests/signed.pdf", ContentFile(signed))
    certificate.correct(user=province_admin, reason="姓名录入有误", holder_name="王晓明")
    assert verification.check_pdf(signed).verdict == PdfVerdict.ALTERED
    certificate.refresh_from_db()
    assert verification.check_pdf(certificate.pdf.read()).verdict == PdfVerdict.VALID


def test_a_proof_pdf_is_signed_and_checks_against_its_certificate(certificate, nanjing_institution):
    issuer = UserFactory(
        username="proof-issuer", role="institution_staff", institution=nanjing_institution
    )
    proof = Proof.objects.create(
        certificate=certificate, reason=ProofReason.LOST, issued_by=issuer, issued_on=date.today()
    )
    check = verification.check_pdf(pdf.render_proof(proof))
    assert check.verdict == PdfVerdict.VALID
    assert check.proof == proof


def test_production_without_a_key_refuses_to_issue_naming_the_variables(settings, certificate):
    settings.CERTIFICATE_SIGNING_DEMO = False
    settings.CERTIFICATE_SIGNING_P12 = ""
    with pytest.raises(signing.SigningNotConfigured) as refusal:
        pdf.render_certificate(certificate)
    assert "CERTIFICATE_SIGNING_P12" in str(refusal.value)
    assert "CERTIFICATE_SIGNING_P12_PASSWORD" in str(refusal.value)


def test_the_demo_key_never_signs_in_production(settings, certificate, tmp_path):
    directory = signing.ensure_demo_key(tmp_path / "demo")
    settings.CERTIFICATE_SIGNING_DEMO = False
    settings.CERTIFICATE_SIGNING_P12 = str(directory / signing.DEMO_P12)
    settings.CERTIFICATE_SIGNING_P12_PASSWORD = signing.DEMO_PASSWORD.decode()
    with pytest.raises(signing.SigningNotConfigured):
        pdf.render_certificate(certificate)


def test_a_configured_key_signs_and_its_ca_is_the_trust_root(settings, certificate, tmp_path):
    # A province's own key is a PKCS#12 file like the demo's; here one made for the test.
    directory = signing.ensure_demo_key(tmp_path / "province")
    settings.CERTIFICATE_SIGNING_P12 = str(directory / signing.DEMO_P12)
    settings.CERTIFICATE_SIGNING_P12_PASSWORD = signing.DEMO_PASSWORD.decode()
    settings.CERTIFICATE_SIGNING_TRUST_ROOTS = str(directory / signing.DEMO_CA)
    assert verification.check_pdf(pdf.render_certificate(certificate)).verdict == PdfVerdict.VALID
    settings.CERTIFICATE_SIGNING_P12_PASSWORD = ""
    signing.signer.cache_clear()
    with pytest.raises(signing.SigningNotConfigured, match="CERTIFICATE_SIGNING_P12_PASSWORD"):
        signing.check_configured()


def test_the_verification_page_checks_an_uploaded_pdf(client, signed, certificate):
    page = client.post(certificate.verification_path(), {"pdf": upload(signed)})
    assert page.status_code == 200
    text = page.content.decode()
    assert str(PdfVerdict.VALID.label) in text
    assert "签名有效，文件未被改动" in text

    page = client.post(certificate.verification_path(), {"pdf": upload(one_byte_changed(signed))})
    assert str(PdfVerdict.ALTERED.label) in page.content.decode()


def test_the_verification_page_answers_in_english(client, signed, certificate):
    client.cookies["django_language"] = "en"
    page = client.post(certificate.verification_path(), {"pdf": upload(signed)})
    text = page.content.decode()
    assert "Valid" in text
    assert "unchanged" in text


def test_the_api_checks_an_uploaded_pdf(api, signed, certificate, province_admin):
    body = api.post("/api/v1/public/verify-pdf/", {"pdf": upload(signed)}, format="multipart")
    assert body.status_code == 200
    answer = body.json()
    assert answer["verdict"] == "valid"
    assert answer["number"] == certificate.number
    assert answer["record"]["certificate"]["number"] == certificate.number

    Certificate.revoke_many([certificate], user=province_admin, reason="以欺骗手段取得")
    answer = api.post(
        "/api/v1/public/verify-pdf/", {"pdf": upload(signed)}, format="multipart"
    ).json()
    assert answer["verdict"] == "revoked"
    assert answer["revoked_on"]

    missing = api.post("/api/v1/public/verify-pdf/", {}, format="multipart")
    assert missing.status_code == 400
