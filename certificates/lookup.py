"""The public certificate lookup (SPEC "Public lookup and privacy"): workers check their own
certificates by (name + ID number) or (name + certificate number), never by one field alone.

What keeps it from becoming an enumeration oracle:
- a miss answers the same whichever field was wrong, and hit and miss run the same single query;
- rate limits per client address and per identity (the keyed hash of the ID number or of the
  certificate number), counted on the cache (Redis) with the captcha gate in one round trip
  (`pass_gate`), shared by the page and the API;
- after a few misses from one client, every further lookup needs a proof of work (a signed
  challenge the browser solves in about a second; a token is good for one attempt).

Settings (all optional, defaults in DEFAULTS): LOOKUP_RATE_LIMIT_ENABLED (the load benchmark
sets it False explicitly; it switches off the throttles and the captcha gate),
LOOKUP_RATE_PER_CLIENT, LOOKUP_RATE_PER_IDENTITY, LOOKUP_CAPTCHA_AFTER_MISSES,
LOOKUP_MISS_WINDOW, LOOKUP_CAPTCHA_MAX_AGE, LOOKUP_DOWNLOAD_MAX_AGE (seconds), LOOKUP_POW_BITS.
"""

import math
import time
import unicodedata
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.core import signing
from django.core.cache import cache, caches
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from certificates.choices import CertificateStatus
from certificates.models import Certificate, Proof
from institutions.models import Institution
from skilleval import proof_of_work
from skilleval.addresses import client_address
from skilleval.cache import count
from skilleval.models import Occupation
from skilleval.personal_data import keyed_hash

DEFAULTS = {
    "LOOKUP_RATE_LIMIT_ENABLED": True,
    "LOOKUP_RATE_PER_CLIENT": "30/minute",
    "LOOKUP_RATE_PER_IDENTITY": "10/minute",
    "LOOKUP_CAPTCHA_AFTER_MISSES": 3,
    "LOOKUP_MISS_WINDOW": 15 * 60,
    "LOOKUP_CAPTCHA_MAX_AGE": 5 * 60,
    "LOOKUP_POW_BITS": 16,  # about 65,000 hashes: a second in a phone's browser
    "LOOKUP_DOWNLOAD_MAX_AGE": 10 * 60,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def rate_limit_enabled() -> bool:
    return bool(setting("LOOKUP_RATE_LIMIT_ENABLED"))


# --- the lookup itself -----------------------------------------------------------------------


def normalise_name(value: str | None) -> str:
    # Spaces around and doubled inside are typing noise; the characters themselves are compared
    # exactly (no NFKC: it would change rare compatibility ideographs in names).
    return " ".join((value or "").split())


def normalise_code(value: str | None) -> str:
    """An ID or certificate number as typed on a phone: full-width characters and spaces out,
    upper case (the check character X)."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def lookup(name, id_number=None, certificate_number=None) -> list[Certificate]:
    """The certificates of the person with this name and ID number, or the certificate with
    this number and holder name. Exactly one of id_number / certificate_number is given.

    Hit or miss, wrong name or wrong number, it is one indexed query of the same shape: the
    answer cannot be told apart by the work done."""
    name = normalise_name(name)
    id_number = normalise_code(id_number)
    certificate_number = normalise_code(certificate_number)
    if not name or bool(id_number) == bool(certificate_number):
        raise ValueError("lookup() needs a name and exactly one of id_number, certificate_number")
    if id_number:
        return _find("id_number_hash", name, keyed_hash(id_number))
    return _find("number", name, certificate_number)


# The public lookup is the busiest request of the portal (benchmark: bench_lookup). Building the ORM
# query, and a raw queryset's reading of its columns, cost more CPU than PostgreSQL spends running
# it, so the statement is written once, with only the columns the answer shows, one index lookup
# (holder_name + the keyed hash or the number), and its rows become models without the ORM's help.
ANSWER_FIELDS = {
    "id",
    "kind",
    "number",
    "status",
    "holder_name",
    "id_type",
    "id_number_masked",
    "work_type",
    "level",
    "issued_on",
    "pdf",
    "verification_token",
    "revoked_at",
    "institution_id",
    "occupation_id",
}
# Model.from_db takes the values in the model's field order.
LOOKUP_FIELDS = tuple(
    f.attname for f in Certificate._meta.concrete_fields if f.attname in ANSWER_FIELDS
)
LOOKUP_SQL = f"""
SELECT {", ".join("c." + name for name in LOOKUP_FIELDS)},
       i.name, o.name, o.code
FROM certificates_certificate c
JOIN institutions_institution i ON i.id = c.institution_id
JOIN skilleval_occupation o ON o.id = c.occupation_id
WHERE c.holder_name = %s AND c.{{column}} = %s
ORDER BY c.issued_on DESC, c.number
"""
_FIELD_COUNT = len(LOOKUP_FIELDS)


_converters = {}  # database vendor → [(column index, [converters])]


def _column_converters():
    """What the ORM would apply to each column read (dates from SQLite's text, for example):
    the backend's converters and the field's own, as the SQL compiler gathers them."""
    if connection.vendor not in _converters:
        found = []
        for index, attname in enumerate(LOOKUP_FIELDS):
            column = Certificate._meta.get_field(attname.removesuffix("_id")).get_col("c")
            funcs = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if funcs:
                found.append((index, column, funcs))
        _converters[connection.vendor] = found
    return _converters[connection.vendor]


def _rows(sql: str, params: list) -> list[tuple]:
    """The lookup's rows. On PostgreSQL through a statement prepared once per connection:
    planning the three-table join costs ten times running it (pgbench: 0.71 ms a query
    unprepared, 0.07 ms prepared). Django keeps psycopg's preparing off for every other query
    (client-side binding); this one statement asks for it, with the connection's setting put
    back at once. (Behind a pooler in transaction mode, prepared statements need its support.)"""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    raw = connection.connection
    started = time.monotonic()
    raw.prepare_threshold = 0
    try:
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            rows = cursor.fetchall()
    finally:
        raw.prepare_threshold = None
    if connection.queries_logged:  # seen by DEBUG's query log and the tests' query counts
        connection.queries_log.append(
            {"sql": f"{sql} -- {params}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return rows


def _find(column: str, name: str, value: str) -> list[Certificate]:
    rows = _rows(LOOKUP_SQL.format(column=column), [name, value])
    converters = _column_converters()
    certificates = []
    for row in rows:
        values = list(row[:_FIELD_COUNT])
        for index, expression, funcs in converters:
            for convert in funcs:
                values[index] = convert(values[index], expression, connection)
        certificate = Certificate.from_db("default", LOOKUP_FIELDS, values)
        institution_name, occupation_name, occupation_code = row[_FIELD_COUNT:]
        # The related names come with the row: no further query when the answer is rendered.
        certificate._state.fields_cache["institution"] = Institution(
            pk=certificate.institution_id, name=institution_name
        )
        certificate._state.fields_cache["occupation"] = Occupation(
            pk=certificate.occupation_id, name=occupation_name, code=occupation_code
        )
        certificates.append(certificate)
    return certificates


def identity_of(id_number: str | None, certificate_number: str | None) -> str:
    """What the per-identity limit is keyed on: the keyed hash of the number the lookup really
    uses (after validation, whatever else the request carried), never the value itself."""
    id_number, number = normalise_code(id_number), normalise_code(certificate_number)
    return keyed_hash(id_number) if id_number else keyed_hash("N:" + number)


def public_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def revoked_on(certificate: Certificate):
    return timezone.localdate(certificate.revoked_at) if certificate.revoked_at else None


def find_by_token(token: str):
    """(certificate, proof) for a verification token: a certificate's own token gives
    (certificate, None), a proof's gives (its certificate, proof); None when unknown."""
    if not token or len(token) > 64:
        return None
    certificate = (
        Certificate.objects.select_related("institution", "occupation")
        .filter(verification_token=token)
        .first()
    )
    if certificate is not None:
        return certificate, None
    proof = (
        Proof.objects.select_related("certificate__institution", "certificate__occupation")
        .filter(verification_token=token)
        .first()
    )
    if proof is not None:
        return proof.certificate, proof
    return None


# --- rate limits --------------------------------------------------------------------------------


class _LookupThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self):
        return setting(self.rate_setting)

    def allow_request(self, request, view):
        if not rate_limit_enabled():
            return True
        return super().allow_request(request, view)


class ClientThrottle(_LookupThrottle):
    """The client rate for the captcha and the PDF check, each apart (the lookup counts its own
    in pass_gate)."""

    scope = "public-lookup-client"
    rate_setting = "LOOKUP_RATE_PER_CLIENT"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class CaptchaThrottle(ClientThrottle):
    """New challenges are cheap but not free: the client rate applies to them too."""

    scope = "public-captcha"


class PdfCheckThrottle(ClientThrottle):
    """Checking an uploaded PDF costs more than a lookup: the client rate applies, apart."""

    scope = "public-verify-pdf"


def throttle(request, limiter_class=ClientThrottle) -> float | None:
    """The per-client limit for a plain Django view: None when allowed, else seconds to wait."""
    limiter = limiter_class()
    if not limiter.allow_request(request, None):
        return limiter.wait() or 60
    return None


# --- the lookup's gate: both limits and the captcha gate in one round trip ------------------------


@dataclass(frozen=True)
class Gate:
    wait: float | None = None  # seconds until a limit that is reached lets through again
    captcha_required: bool = False


WINDOW_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/minute" → (30, 60), as DRF reads rates."""
    allowed, period = rate.split("/")
    return int(allowed), WINDOW_SECONDS[period[0]]


def pass_gate(request, identity: str | None) -> Gate:
    """Count this lookup against the client's limit and the number's limit, and read the client's
    misses for the captcha gate: one round trip to Redis, the request's only one (the limits hold
    across gunicorn workers and machines). Each limit counts in fixed windows of the rate's length,
    so across a window's edge at most twice the rate gets through. `identity` None: a request
    refused before it names a number, counted against the client only."""
    if not rate_limit_enabled():
        return Gate()
    client = client_address(request)
    limits = [(f"lookup-client:{client}", setting("LOOKUP_RATE_PER_CLIENT"))]
    if identity:
        limits.append((f"lookup-identity:{identity}", setting("LOOKUP_RATE_PER_IDENTITY")))
    now = time.time()
    windows = []
    for prefix, rate in limits:
        allowed, seconds = parse_rate(rate)
        window = int(now // seconds)
        windows.append((f"{prefix}:{window}", seconds, allowed, (window + 1) * seconds - now))
    counts, (misses,) = count(
        caches["default"], [(key, seconds) for key, seconds, _, _ in windows], (_miss_key(client),)
    )
    waits = [wait for (_, _, allowed, wait), n in zip(windows, counts, strict=True) if n > allowed]
    return Gate(
        wait=max(waits) if waits else None,
        captcha_required=misses >= setting("LOOKUP_CAPTCHA_AFTER_MISSES"),
    )


def _miss_key(client: str) -> str:
    return f"lookup-misses:{client}"


def record_miss(client: str) -> None:
    """The window starts at the first miss (its timeout is set only then)."""
    if rate_limit_enabled():
        count(caches["default"], [(_miss_key(client), setting("LOOKUP_MISS_WINDOW"))])


def captcha_required(client: str) -> bool:
    """For a page shown before anything is looked up (the lookup itself asks pass_gate)."""
    if not rate_limit_enabled():
        return False
    return cache.get(_miss_key(client), 0) >= setting("LOOKUP_CAPTCHA_AFTER_MISSES")


# --- the proof-of-work gate ---------------------------------------------------------------------
# After repeated misses a lookup must carry a proof of work (skilleval/proof_of_work.py).

POW_SALT = "certificates.lookup.pow"
POW_ALGORITHM = proof_of_work.ALGORITHM
solve = proof_of_work.solve


def new_challenge() -> proof_of_work.Challenge:
    """A challenge good for LOOKUP_CAPTCHA_MAX_AGE seconds and one attempt."""
    return proof_of_work.new_challenge(POW_SALT, int(setting("LOOKUP_POW_BITS")))


def check_captcha(token: str | None, answer: str | None) -> bool:
    return proof_of_work.check(
        POW_SALT,
        token,
        answer,
        min_bits=int(setting("LOOKUP_POW_BITS")),
        max_age=setting("LOOKUP_CAPTCHA_MAX_AGE"),
    )


# --- the holder's own download -----------------------------------------------------------------

DOWNLOAD_SALT = "certificates.lookup.download"


def download_path(certificate: Certificate) -> str | None:
    """A short-lived signed link to the holder's own PDF, handed out only in a lookup answer;
    None while there is no PDF or once the certificate is revoked."""
    if not certificate.pdf or certificate.is_revoked:
        return None
    signed = signing.dumps(certificate.pk, salt=DOWNLOAD_SALT)
    return reverse("lookup-download", args=[signed])


def certificate_from_download(signed: str) -> Certificate | None:
    try:
        pk = signing.loads(signed, salt=DOWNLOAD_SALT, max_age=setting("LOOKUP_DOWNLOAD_MAX_AGE"))
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Certificate.objects.filter(pk=pk, status=CertificateStatus.VALID).exclude(pdf="").first()


def retry_minutes(wait: float | None) -> int:
    return max(1, math.ceil((wait or 60) / 60))
