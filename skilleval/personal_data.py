"""Personal data (ID numbers) at rest: encrypted with PERSONAL_DATA_KEY (Fernet), and found
through a keyed hash so that a lookup never needs to decrypt every row (SPEC "Public lookup and
privacy", PIPL)."""

import hashlib
import hmac

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    return Fernet(settings.PERSONAL_DATA_KEY.encode())


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """A stable HMAC of the normalised value: equal inputs match, the key stays secret."""
    # The hash key is derived from the encryption key, so one secret configures both.
    key = hashlib.sha256(b"skilleval-lookup:" + settings.PERSONAL_DATA_KEY.encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """3201**********123X: the first four and last four characters stay readable."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
