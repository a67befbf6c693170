"""The public certificate lookup (SPEC "Public lookup and privacy"): workers check their own
certificates by (name + ID number) or (name + certificate number), never by one field alone.

What keeps it from becoming an enumeration oracle:
- a miss answers the same whichever field was wrong, and hit and miss run the same single query;
- rate limits per client address and per identity (the keyed hash of the ID number or of the
  certificate number), as DRF throttles on the cache, shared by the page and the API;
- after a few misses from one client, every further lookup needs an offline captcha (a signed
  arithmetic challenge drawn as an SVG; a token is good for one attempt).

Settings (all optional, defaults in DEFAULTS): LOOKUP_RATE_LIMIT_ENABLED (the load benchmark
sets it False explicitly; it switches off the throttles and the captcha gate),
LOOKUP_RATE_PER_CLIENT, LOOKUP_RATE_PER_IDENTITY, LOOKUP_CAPTCHA_AFTER_MISSES,
LOOKUP_MISS_WINDOW, LOOKUP_CAPTCHA_MAX_AGE, LOOKUP_DOWNLOAD_MAX_AGE (seconds).
"""

import hmac
import math
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.throttling import SimpleRateThrottle

from certificates.choices import CertificateStatus
from certificates.models import Certificate, Proof
from skilleval.personal_data import keyed_hash

DEFAULTS = {
    "LOOKUP_RATE_LIMIT_ENABLED": True,
    "LOOKUP_RATE_PER_CLIENT": "30/minute",
    "LOOKUP_RATE_PER_IDENTITY": "10/minute",
    "LOOKUP_CAPTCHA_AFTER_MISSES": 3,
    "LOOKUP_MISS_WINDOW": 15 * 60,
    "LOOKUP_CAPTCHA_MAX_AGE": 5 * 60,
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


# The public lookup is the busiest request of the portal (benchmark: ≥ 600/s on 2 cores). Building
# the ORM query cost more CPU than PostgreSQL spends running it, so the statement is written once:
# only the columns the answer shows, one index lookup (holder_name + the keyed hash or the number).
LOOKUP_SQL = """
SELECT c.id, c.kind, c.number, c.status, c.holder_name, c.id_type, c.id_number_masked,
       c.work_type, c.level, c.issued_on, c.pdf, c.verification_token, c.revoked_at,
       c.institution_id, c.occupation_id,
       i.name AS institution_name, o.name AS occupation_name, o.code AS occupation_code
FROM certificates_certificate c
JOIN institutions_institution i ON i.id = c.institution_id
JOIN skilleval_occupation o ON o.id = c.occupation_id
WHERE c.holder_name = %s AND c.{column} = %s
ORDER BY c.issued_on DESC, c.number
"""


def _find(column: str, name: str, value: str) -> list[Certificate]:
    from institutions.models import Institution
    from skilleval.models import Occupation

    certificates = list(Certificate.objects.raw(LOOKUP_SQL.format(column=column), [name, value]))
    for certificate in certificates:
        # The related names come with the row: no further query when the answer is rendered.
        certificate._state.fields_cache["institution"] = Institution(
            pk=certificate.institution_id, name=certificate.institution_name
        )
        certificate._state.fields_cache["occupation"] = Occupation(
            pk=certificate.occupation_id,
            name=certificate.occupation_name,
            code=certificate.occupation_code,
        )
    return certificates


def identity_of(data) -> str | None:
    """What the per-identity limit is keyed on: the keyed hash of the ID number (or of the
    certificate number), never the value itself. The page's `mode` says which field counts."""
    if not isinstance(data, Mapping):
        return None
    mode = data.get("mode")
    id_number = normalise_code(data.get("id_number")) if mode != "number" else ""
    number = normalise_code(data.get("certificate_number")) if mode != "id" else ""
    if id_number:
        return keyed_hash(id_number)
    if number:
        return keyed_hash("N:" + number)
    return None


def client_address(request) -> str:
    """The real client address behind the proxy, resolved exactly as for the sign-in lockout."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


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
    """30 lookups a minute from one client address (page and API together)."""

    scope = "public-lookup-client"
    rate_setting = "LOOKUP_RATE_PER_CLIENT"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class IdentityThrottle(_LookupThrottle):
    """10 lookups a minute of one ID number or certificate number, from anywhere: guessing
    names for a known number across many addresses is as slow as from one."""

    scope = "public-lookup-identity"
    rate_setting = "LOOKUP_RATE_PER_IDENTITY"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request, "data") else request.POST
        identity = identity_of(data)
        if identity is None:
            return None  # refused as incomplete before any lookup
        return self.cache_format % {"scope": self.scope, "ident": identity}


class CaptchaThrottle(ClientThrottle):
    """New challenges are cheap but not free: the client rate applies to them too."""

    scope = "public-captcha"


def throttle(request) -> float | None:
    """Run the lookup throttles for a plain Django view: None when allowed, else the seconds
    to wait."""
    for throttle_class in (ClientThrottle, IdentityThrottle):
        limiter = throttle_class()
        if not limiter.allow_request(request, None):
            return limiter.wait() or 60
    return None


# --- misses and the captcha gate ---------------------------------------------------------------


def _miss_key(client: str) -> str:
    return f"lookup-misses:{client}"


def record_miss(client: str) -> None:
    if not rate_limit_enabled():
        return
    key = _miss_key(client)
    # The window starts at the first miss; incr keeps the expiry.
    cache.add(key, 0, timeout=setting("LOOKUP_MISS_WINDOW"))
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=setting("LOOKUP_MISS_WINDOW"))


def captcha_required(client: str) -> bool:
    if not rate_limit_enabled():
        return False
    return cache.get(_miss_key(client), 0) >= setting("LOOKUP_CAPTCHA_AFTER_MISSES")


# --- the offline captcha -----------------------------------------------------------------------

CAPTCHA_SALT = "certificates.lookup.captcha"

# Stroke glyphs on a 10 × 16 grid, drawn as paths (no <text>: the answer is not in the markup).
GLYPHS = {
    "0": [[(1, 0), (9, 0), (10, 2), (10, 14), (9, 16), (1, 16), (0, 14), (0, 2), (1, 0)]],
    "1": [[(3, 3), (6, 0), (6, 16)], [(3, 16), (9, 16)]],
    "2": [[(0, 2), (2, 0), (8, 0), (10, 2), (10, 6), (0, 16), (10, 16)]],
    "3": [[(0, 0), (10, 0), (5, 7), (8, 7), (10, 9), (10, 14), (8, 16), (2, 16), (0, 14)]],
    "4": [[(8, 16), (8, 0), (0, 11), (10, 11)]],
    "5": [[(10, 0), (1, 0), (0, 7), (7, 7), (10, 10), (10, 14), (8, 16), (0, 16)]],
    "6": [[(9, 0), (3, 0), (0, 4), (0, 14), (2, 16), (8, 16), (10, 14), (10, 9), (8, 7), (0, 7)]],
    "7": [[(0, 0), (10, 0), (4, 16)]],
    "8": [
        [(2, 0), (8, 0), (10, 2), (10, 5), (8, 7), (2, 7), (0, 5), (0, 2), (2, 0)],
        [(2, 7), (8, 7), (10, 9), (10, 14), (8, 16), (2, 16), (0, 14), (0, 9), (2, 7)],
    ],
    "9": [[(10, 9), (2, 9), (0, 7), (0, 2), (2, 0), (8, 0), (10, 2), (10, 12), (7, 16), (1, 16)]],
    "+": [[(5, 4), (5, 12)], [(1, 8), (9, 8)]],
    "-": [[(1, 8), (9, 8)]],
    "x": [[(2, 4), (8, 12)], [(8, 4), (2, 12)]],
    "=": [[(1, 6), (9, 6)], [(1, 10), (9, 10)]],
    "?": [[(0, 3), (2, 0), (8, 0), (10, 3), (10, 6), (5, 9), (5, 12)], [(5, 15), (5, 16)]],
}
_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Challenge:
    token: str
    svg: str


def _answer_digest(nonce: str, answer: str) -> str:
    return salted_hmac(CAPTCHA_SALT, f"{nonce}:{answer}").hexdigest()[:32]


def _problem() -> tuple[str, int]:
    operator = _random.choice("+-x")
    if operator == "x":
        a, b = _random.randint(2, 9), _random.randint(2, 9)
        return f"{a}x{b}=?", a * b
    a, b = _random.randint(10, 49), _random.randint(1, 9)
    return (f"{a}+{b}=?", a + b) if operator == "+" else (f"{a}-{b}=?", a - b)


def _svg(text: str) -> str:
    width, height, scale = 200, 60, 2.1
    step = (width - 20) / len(text)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="验证码 / captcha">',
        f'<rect width="{width}" height="{height}" rx="6" fill="#f4f1ea"/>',
    ]
    for _ in range(4):  # light noise behind the glyphs
        y1, y2 = _random.uniform(5, height - 5), _random.uniform(5, height - 5)
        cx, cy = _random.uniform(40, width - 40), _random.uniform(-20, height + 20)
        hue = _random.randint(0, 359)
        parts.append(
            f'<path d="M0 {y1:.1f} Q{cx:.1f} {cy:.1f} {width} {y2:.1f}" fill="none" '
            f'stroke="hsl({hue},40%,72%)" stroke-width="{_random.uniform(1, 2):.1f}"/>'
        )
    for index, char in enumerate(text):
        x0 = 12 + index * step + _random.uniform(-2, 2)
        y0 = (height - 16 * scale) / 2 + _random.uniform(-4, 4)
        angle = _random.uniform(-14, 14)
        d = []
        for stroke in GLYPHS[char]:
            points = [
                (x + _random.uniform(-0.5, 0.5), y + _random.uniform(-0.5, 0.5)) for x, y in stroke
            ]
            d.append("M" + " L".join(f"{x * scale:.1f} {y * scale:.1f}" for x, y in points))
        hue = _random.randint(0, 359)
        parts.append(
            f'<path transform="translate({x0:.1f} {y0:.1f}) rotate({angle:.1f} {5 * scale:.1f} '
            f'{8 * scale:.1f})" d="{" ".join(d)}" fill="none" stroke="hsl({hue},55%,28%)" '
            f'stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>'
        )
    for _ in range(30):  # speckles over them
        parts.append(
            f'<circle cx="{_random.uniform(0, width):.1f}" cy="{_random.uniform(0, height):.1f}" '
            f'r="{_random.uniform(0.6, 1.6):.1f}" fill="hsl({_random.randint(0, 359)},30%,55%)" '
            f'opacity="0.7"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def new_challenge() -> Challenge:
    """A signed arithmetic challenge. The token carries a nonce and an HMAC of the answer (a
    signed value is readable, so never the answer itself) and expires after
    LOOKUP_CAPTCHA_MAX_AGE seconds."""
    text, answer = _problem()
    nonce = secrets.token_hex(12)
    token = signing.dumps({"n": nonce, "h": _answer_digest(nonce, str(answer))}, salt=CAPTCHA_SALT)
    return Challenge(token=token, svg=_svg(text))


def check_captcha(token: str | None, answer: str | None) -> bool:
    """True when the answer is right for an unexpired token not used before. Any attempt uses
    the token up, right or wrong, so one challenge cannot be tried twice."""
    if not token or not answer:
        return False
    max_age = setting("LOOKUP_CAPTCHA_MAX_AGE")
    try:
        payload = signing.loads(token, salt=CAPTCHA_SALT, max_age=max_age)
        nonce, digest = str(payload["n"]), str(payload["h"])
    except (signing.BadSignature, KeyError, TypeError):
        return False
    if not cache.add(f"lookup-captcha-used:{nonce}", True, timeout=max_age + 60):
        return False
    given = normalise_code(answer).replace("−", "-")
    return hmac.compare_digest(_answer_digest(nonce, given), digest)


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
