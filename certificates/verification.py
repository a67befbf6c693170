"""Checking an uploaded certificate PDF (54号 四): its signature, offline, against the province's
trust roots (certificates/signing.py), then what it claims against the register. The verdicts:
valid / valid but revoked since … / altered / not issued by this province."""

import datetime
import io
import logging
from dataclasses import dataclass

from django.utils.translation import gettext
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certificates.choices import PdfVerdict
from certificates.lookup import find_by_token, revoked_on
from certificates.signing import KEYWORD, run_async, trust_roots

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2 * 2**20  # a certificate PDF is about 60-120 KB


@dataclass
class PdfCheck:
    """What a PDF proves: its verdict (certificates.choices.PdfVerdict), the register entry it
    claims, and why, in the reader's language."""

    verdict: PdfVerdict | None
    reason: str
    number: str = ""
    token: str = ""
    signer: str = ""
    signed_at: datetime.datetime | None = None
    certificate: object = None
    proof: object = None
    revoked_on: datetime.date | None = None


def _info(reader) -> dict:
    """The document information of the file's last revision (the signed one, when the
    signature covers the whole file)."""
    try:
        return reader.trailer["/Info"]  # dereferenced
    except KeyError:
        return {}


def _signed_claims(reader) -> tuple[str, str]:
    """(number, token) from the signed document information, or ('', '')."""
    keywords = str(_info(reader).get("/Keywords", ""))
    parts = [part.strip() for part in keywords.replace(";", ",").split(",")]
    if len(parts) >= 3 and parts[0] == KEYWORD:
        return parts[1], parts[2]
    return "", ""


def _title(reader) -> str:
    return str(_info(reader).get("/Title", ""))


def check_pdf(data: bytes) -> PdfCheck:
    """Validate an uploaded PDF's signature offline against the province's trust roots, then
    compare what it claims with the register."""
    not_ours = PdfVerdict.NOT_ISSUED_HERE
    if len(data) > MAX_UPLOAD_BYTES:
        return PdfCheck(not_ours, gettext("文件太大，不是本平台签发的证书 PDF"))
    if not data.startswith(b"%PDF-"):
        return PdfCheck(not_ours, gettext("不是 PDF 文件"))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # a damaged or hostile file: whatever the parser trips on
        log.info("an uploaded PDF could not be read", exc_info=True)
        return PdfCheck(PdfVerdict.ALTERED, gettext("文件已损坏，无法读取"))
    if not signatures:
        return PdfCheck(not_ours, gettext("文件没有电子签名：本平台签发的证书都带有签名"))
    signature = signatures[0]
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False)
    try:
        status = run_async(async_validate_pdf_signature(signature, context))
    except ValueError:  # pyHanko's SignatureValidationError among them
        log.info("an uploaded PDF's signature could not be validated", exc_info=True)
        return PdfCheck(PdfVerdict.ALTERED, gettext("签名已损坏"))
    subject = status.signing_cert.subject.native if status.signing_cert else {}
    signer_name = " / ".join(
        subject[part] for part in ("common_name", "organization_name") if subject.get(part)
    )
    found = PdfCheck(None, "", signer=signer_name, signed_at=status.signer_reported_dt)
    if not (status.intact and status.valid):
        found.verdict, found.reason = (
            PdfVerdict.ALTERED,
            gettext("签名与文件内容不符：文件已被改动"),
        )
        return found
    if not status.trusted:
        found.verdict = not_ours
        found.reason = gettext("签名人不是江苏省技能人才评价管理平台的签发证书")
        return found
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(signatures) != 1:
        found.verdict, found.reason = PdfVerdict.ALTERED, gettext("签名之后文件又被追加修改")
        return found
    found.number, found.token = _signed_claims(reader)
    match = find_by_token(found.token) if found.token else None
    if match is None:
        found.verdict, found.reason = not_ours, gettext("平台登记中没有这份文件所载的证书")
        return found
    found.certificate, found.proof = match
    certificate = found.certificate
    if found.number != certificate.number or certificate.holder_name not in _title(reader):
        found.verdict = PdfVerdict.ALTERED
        found.reason = gettext("文件所载内容与平台登记不一致（证书可能已更正，请以平台记录为准）")
        return found
    if certificate.is_revoked:
        found.verdict, found.revoked_on = PdfVerdict.REVOKED, revoked_on(certificate)
        found.reason = gettext("签名有效，但该证书已被注销")
        return found
    found.verdict = PdfVerdict.VALID
    found.reason = gettext("签名有效，文件未被改动，内容与平台登记一致")
    return found
