"""Personal data (ID numbers) at rest: encrypted with PERSONAL_DATA_KEY, and found through a
keyed hash so that a lookup never needs to decrypt every row (SPEC "Public lookup and privacy",
PIPL).

Tokens are versioned. New ones are AES-256-GCM, "g1:" + urlsafe base64 of nonce (96 bits, random
per value) + ciphertext + tag, under a key derived from PERSONAL_DATA_KEY by HKDF: about a tenth
of Fernet's cost, which was a quarter of a 100,000-row roster import. Tokens without a prefix are
Fernet (PERSONAL_DATA_KEY itself), as every token written before; they stay readable."""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

GCM_PREFIX = "g1:"  # Fernet tokens are urlsafe base64 and never contain ":"
GCM_NONCE_BYTES = 12
_GCM_INFO = b"skilleval personal data AES-256-GCM v1"
_GCM_AAD = b"g1"  # the scheme is authenticated with the value


def _fernet() -> Fernet:
    return _fernet_for(settings.PERSONAL_DATA_KEY)


# Keyed by the key itself: a roster of 100,000 rows made a Fernet per row (a tenth of its import),
# and a key changed in settings (tests do) still takes effect.
@functools.lru_cache(maxsize=4)
def _fernet_for(key: str) -> Fernet:
    return Fernet(key.encode())


@functools.lru_cache(maxsize=4)
def _aesgcm_for(key: str) -> AESGCM:
    # Derived, so that the one setting keeps configuring everything; the info string names the
    # scheme, so the key is never the one Fernet or the keyed hash use.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_GCM_INFO).derive(
        key.encode()
    )
    return AESGCM(derived)


@functools.lru_cache(maxsize=4)
def _hash_key_for(key: str) -> bytes:
    # The hash key is derived from the encryption key, so one secret configures both.
    return hashlib.sha256(b"skilleval-lookup:" + key.encode()).digest()


def encrypt(value: str) -> str:
    """A "g1:" token (AES-256-GCM)."""
    nonce = os.urandom(GCM_NONCE_BYTES)
    sealed = _aesgcm_for(settings.PERSONAL_DATA_KEY).encrypt(nonce, value.encode(), _GCM_AAD)
    return GCM_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    """The value of a "g1:" token or of a Fernet token (written before tokens had a prefix).
    Raises cryptography's InvalidToken, as before, when the token was altered, cut short or made
    under another key."""
    if token.startswith(GCM_PREFIX):
        try:
            raw = base64.urlsafe_b64decode(token[len(GCM_PREFIX) :])
            nonce, sealed = raw[:GCM_NONCE_BYTES], raw[GCM_NONCE_BYTES:]
            plain = _aesgcm_for(settings.PERSONAL_DATA_KEY).decrypt(nonce, sealed, _GCM_AAD)
        except (InvalidTag, binascii.Error, ValueError) as exc:  # ValueError: nonce too short
            raise InvalidToken from exc
        return plain.decode()
    return _fernet().decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """A stable HMAC of the normalised value: equal inputs match, the key stays secret."""
    key = _hash_key_for(settings.PERSONAL_DATA_KEY)
    # hmac.digest is the one-shot C path; the same HMAC-SHA256 as hmac.new(…).hexdigest().
    return hmac.digest(key, value.strip().upper().encode(), "sha256").hex()


def mask_id_number(value: str) -> str:
    """3201**********123X: the first four and last four characters stay readable."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


# --- personal data inside free text (a text published to everyone must carry none) -------------

# A phone number as the roster accepts one: an 11-digit mobile (with or without +86), or a landline
# with its area code (and an extension). ASCII digits only ([0-9], not \d, which takes any
# Unicode digit such as "０"; text is NFKC-normalised first).
PHONE_RE = re.compile(
    r"(?:(?:\+?86)?1[3-9][0-9]{9}|0[0-9]{9,11}(?:(?:转|ext|#)[0-9]{1,6})?|[0-9]{7,8})"
)
# In free text a bare 7–8 digit run is as likely a date or an amount as a phone: only a mobile or
# a number with its area code counts there.
PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:(?:\+?86)?1[3-9][0-9]{9}|0[1-9][0-9]{8,10})(?![0-9])")
# An ID number: 18 characters (GB 11643, check character included) or the old 15 digits. A wrong
# check character still names a person, so the shape is enough.
ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
# Digits written in groups ("139 0000 1234", "025-8320-1683") are read as one number.
DIGIT_GROUP_SEPARATORS = re.compile(r"(?<=[0-9])[\s\-－—.·()（）]+(?=[0-9Xx])")


def personal_data_in(text: str) -> list[tuple[str, str]]:
    """The ID numbers and phone numbers written in a text, each as (kind, masked value) with kind
    "id_number" or "phone"; masked, because the answer is shown back to whoever wrote it."""
    flat = DIGIT_GROUP_SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text or "")))
    found = [("id_number", mask_id_number(m.group())) for m in ID_NUMBER_IN_TEXT.finditer(flat)]
    taken = [m.span() for m in ID_NUMBER_IN_TEXT.finditer(flat)]
    for match in PHONE_IN_TEXT.finditer(flat):
        if not any(start <= match.start() < end for start, end in taken):
            found.append(("phone", mask_id_number(match.group())))
    return found


def identity_fields(id_number: str) -> dict:
    """What a contestant, candidate or honour stores of an ID number: encrypted, keyed hash, masked — never plain."""
    return {
        "id_number_encrypted": encrypt(id_number),
        "id_number_hash": keyed_hash(id_number),
        "id_number_masked": mask_id_number(id_number),
    }
