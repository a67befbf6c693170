"""Certificates that prove themselves: every certificate PDF handed out (the individual PDFs of a
batch, reprints and the holder's own copy, proofs 证明) carries a PAdES signature of the issuing
province's key, so that any change to the file breaks it in any PDF reader, and anyone can check
it offline.

54号 四: only certificates in the provincial system are valid. A signature says who made the file
and that it is unchanged; whether the certificate still stands (not revoked) is always answered by
the register, so `certificates.verification` reads both. This module touches no model: render processes
import it before Django is set up.

The key: `CERTIFICATE_SIGNING_P12` (a PKCS#12 file) and `CERTIFICATE_SIGNING_P12_PASSWORD`. Outside
production, without them, a throwaway demo CA and signing certificate are made under
`CERTIFICATE_SIGNING_DEMO_DIR` (named DEMO in every field a reader shows); production never signs
with them.
"""

import asyncio
import contextlib
import datetime
import io
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from asn1crypto import algos, cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper

# Every field of the demo certificates a PDF reader shows says what they are.
DEMO_ORGANISATION = "skilleval DEMO - not a real signing key"
DEMO_PASSWORD = b"demo"
DEMO_P12 = "demo-signing.p12"
DEMO_CA = "demo-ca.pem"
# Room for the CMS signature (key, two certificates, a timestamp token): reserved up front, so
# pyHanko need not sign twice to learn the size.
SIGNATURE_BYTES = 12_288
# What a signed PDF's keywords start with, before the certificate's number and verification token.
KEYWORD = "skilleval-certificate"


class SigningNotConfigured(ImproperlyConfigured):
    pass


# --- the key --------------------------------------------------------------------------------------


def _not_configured() -> SigningNotConfigured:
    return SigningNotConfigured(
        gettext(
            "证书签名密钥未配置：请设置环境变量 CERTIFICATE_SIGNING_P12（PKCS#12 文件路径）和 "
            "CERTIFICATE_SIGNING_P12_PASSWORD，证书才能签发"
        )
    )


def key_files() -> tuple[Path, bytes]:
    """The PKCS#12 file and its password: the configured ones, or (outside production) the demo."""
    configured = settings.CERTIFICATE_SIGNING_P12
    if configured:
        password = settings.CERTIFICATE_SIGNING_P12_PASSWORD
        if not password:
            raise _not_configured()
        return Path(configured), password.encode()
    if not settings.CERTIFICATE_SIGNING_DEMO:
        raise _not_configured()
    return ensure_demo_key(Path(settings.CERTIFICATE_SIGNING_DEMO_DIR)) / DEMO_P12, DEMO_PASSWORD


@cache
def signer():
    """The loaded signer (pyHanko), once per process."""
    path, password = key_files()
    if not path.is_file():
        raise SigningNotConfigured(
            gettext("证书签名密钥文件不存在：CERTIFICATE_SIGNING_P12=%(path)s") % {"path": path}
        )
    loaded = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    if loaded is None:
        raise SigningNotConfigured(
            gettext("无法读取证书签名密钥：请检查 CERTIFICATE_SIGNING_P12_PASSWORD")
        )
    if is_demo(loaded.signing_cert) and not settings.CERTIFICATE_SIGNING_DEMO:
        raise SigningNotConfigured(gettext("生产环境不得使用演示签名密钥签发证书"))
    return ProvinceSigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


class ProvinceSigner(signers.SimpleSigner):
    """pyHanko's signer, with what is the same in every signature built once per process.

    pyHanko builds the signed attributes (content type, the ESS reference to the signing
    certificate) and the signer's identifier (the certificate's issuer and serial) anew from the
    certificate for every PDF, which was ~70 % of a signature's cost in a bulk issuance (issue 14).
    Here the first signature's parts are kept as DER and reloaded for the next ones; only the
    message digest of each document is new. A signature whose attributes hold anything else (a
    signing time, revocation information) is built by pyHanko in full each time."""

    CONSTANT_ATTRIBUTES = {"content_type", "signing_certificate_v2"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._attributes: dict[tuple, list[bytes | None]] = {}
        self._identity: dict[str, tuple[bytes, bytes, bytes]] = {}

    async def signed_attrs(self, data_digest, digest_algorithm, attr_settings=None, **options):
        key = (digest_algorithm, repr(sorted(options.items(), key=lambda item: item[0])))
        constant = self._attributes.get(key) if not options.get("dry_run") else None
        if constant is None:
            attributes = await super().signed_attrs(
                data_digest, digest_algorithm, attr_settings=attr_settings, **options
            )
            types = [attribute["type"].native for attribute in attributes]
            if set(types) == self.CONSTANT_ATTRIBUTES | {"message_digest"}:
                self._attributes[key] = [
                    None if kind == "message_digest" else attribute.dump()
                    for kind, attribute in zip(types, attributes, strict=True)
                ]
            return attributes
        digest = cms.CMSAttribute({"type": "message_digest", "values": [data_digest]})
        return cms.CMSAttributes(
            [digest if der is None else cms.CMSAttribute.load(der) for der in constant]
        )

    def signer_info(self, digest_algorithm, signed_attrs, signature):
        identity = self._identity.get(digest_algorithm)
        if identity is None:
            info = super().signer_info(digest_algorithm, signed_attrs, signature)
            self._identity[digest_algorithm] = (
                info["sid"].dump(),
                info["digest_algorithm"].dump(),
                info["signature_algorithm"].dump(),
            )
            return info
        sid, digest, mechanism = identity
        return cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(sid),
                "digest_algorithm": algos.DigestAlgorithm.load(digest),
                "signature_algorithm": algos.SignedDigestAlgorithm.load(mechanism),
                "signed_attrs": signed_attrs,
                "signature": signature,
            }
        )


def check_configured() -> None:
    """Raise SigningNotConfigured, naming the variables, unless certificates can be signed."""
    signer()


def is_demo(certificate) -> bool:
    """asn1crypto certificate → whether it is one of the demo keys."""
    return certificate.subject.native.get("organization_name") == DEMO_ORGANISATION


@cache
def trust_roots() -> list:
    """The certificates a signature must chain to: CERTIFICATE_SIGNING_TRUST_ROOTS (PEM, one or
    more: the province's CA), else the self-signed CAs in the key file, else its certificate."""
    configured = settings.CERTIFICATE_SIGNING_TRUST_ROOTS
    if configured:
        data = Path(configured).read_bytes()
        blocks = pem.unarmor(data, multiple=True) if pem.detect(data) else [(None, None, data)]
        return [asn1_x509.Certificate.load(der) for _type, _headers, der in blocks]
    own = signer()
    roots = [c for c in own.cert_registry if c.self_signed]
    return roots or [own.signing_cert]


@cache
def _timestamper():
    if not settings.CERTIFICATE_SIGNING_TSA_URL:
        return None
    return HTTPTimeStamper(settings.CERTIFICATE_SIGNING_TSA_URL)


# --- signing --------------------------------------------------------------------------------------


def sign_pdf(data: bytes, *, title: str, number: str, token: str, issuer: str) -> bytes:
    """The PDF signed (PAdES B-B; B-T with a timestamp authority) over the whole file. The
    certificate's number and verification token are written into the signed revision's document
    information, so a checker can find the register entry the file claims to be."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.document_meta.title = title
    writer.document_meta.subject = issuer
    writer.document_meta.keywords = [KEYWORD, number, token]
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="江苏省技能人才评价证书电子签发",  # what a PDF reader shows beside the signature
        location="江苏省 Jiangsu, CN",
    )
    pdf_signer = signers.PdfSigner(metadata, signer=signer(), timestamper=_timestamper())
    signed = run_async(pdf_signer.async_sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES))
    return signed.getvalue()


def run_async(coroutine):
    """Run one of pyHanko's coroutines to its end from synchronous code, also when the calling
    thread already runs an event loop (a test driving a browser, an async server): then in a
    thread of its own, since asyncio.run cannot nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- the demo key -----------------------------------------------------------------------------------


def ensure_demo_key(directory: Path) -> Path:
    """A throwaway CA and signing certificate under `directory` (made once; of two processes
    making it at once, one's rename wins and the other's copy is dropped)."""
    if (directory / DEMO_P12).is_file():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-signing-", dir=directory.parent))
    try:
        _write_demo_key(staging)
        with contextlib.suppress(OSError):  # another process made it first: keep theirs
            os.rename(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def _write_demo_key(target: Path) -> None:
    def name(common_name):
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )

    def usage(**allowed):
        flags = dict.fromkeys(
            [
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ],
            False,
        )
        return x509.KeyUsage(**{**flags, **allowed})

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("演示 CA（非真实签发机构）DEMO CA"))
        .issuer_name(name("演示 CA（非真实签发机构）DEMO CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name("演示证书签发（非真实）DEMO certificate signing"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    (target / DEMO_CA).write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (target / DEMO_P12).write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"skilleval demo",
            key,
            certificate,
            [ca],
            serialization.BestAvailableEncryption(DEMO_PASSWORD),
        )
    )
