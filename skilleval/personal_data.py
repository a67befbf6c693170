"""Personal data (ID numbers) at rest: encrypted with PERSONAL_DATA_KEY (Fernet), and found
through a keyed hash so that a lookup never needs to decrypt every row (SPEC "Public lookup and
privacy", PIPL)."""

import functools
import hashlib
import hmac
import re
import unicodedata

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    return _fernet_for(settings.PERSONAL_DATA_KEY)


# Keyed by the key itself: a roster of 100,000 rows made a Fernet per row (a tenth of its import),
# and a key changed in settings (tests do) still takes effect.
@functools.lru_cache(maxsize=4)
def _fernet_for(key: str) -> Fernet:
    return Fernet(key.encode())


@functools.lru_cache(maxsize=4)
def _hash_key_for(key: str) -> bytes:
    # The hash key is derived from the encryption key, so one secret configures both.
    return hashlib.sha256(b"skilleval-lookup:" + key.encode()).digest()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """A stable HMAC of the normalised value: equal inputs match, the key stays secret."""
    key = _hash_key_for(settings.PERSONAL_DATA_KEY)
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


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
