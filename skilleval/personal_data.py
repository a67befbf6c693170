"""Personal data (ID numbers) at rest: encrypted with PERSONAL_DATA_KEY (Fernet), and found
through a keyed hash so that a lookup never needs to decrypt every row (SPEC "Public lookup and
privacy", PIPL)."""

import functools
import hashlib
import hmac

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
