"""A proof of work instead of a picture captcha: the browser (static/js/lookup-pow.js) finds an
`answer` such that SHA-256 of "<token>:<answer>" starts with `bits` zero bits. A person waits
about a second once; a machine guessing pays that for every guess, on its own CPU. No image to
read (a machine read the old arithmetic picture 10 times out of 10), nothing fetched from
elsewhere: it works offline. Used by the public lookup after repeated misses and by the sign-in
after repeated wrong passwords of one account.
"""

import hashlib
import itertools
import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

ALGORITHM = 'sha256("<token>:<answer>") has <bits> leading zero bits; answer: decimal digits'


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int


def new_challenge(purpose: str, bits: int) -> Challenge:
    """A signed challenge (random nonce and difficulty) for one purpose and one attempt."""
    token = signing.dumps({"n": secrets.token_hex(12), "b": bits}, salt=purpose)
    return Challenge(token=token, bits=bits)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def check(purpose: str, token, answer, *, min_bits: int, max_age: int) -> bool:
    """True when the answer proves the work for an unexpired token of this purpose, of at least
    `min_bits`, not used before. Any attempt uses the token up, right or wrong."""
    if not isinstance(token, str) or not isinstance(answer, str):
        return False
    if not token or not answer or len(answer) > 32 or not (answer.isascii() and answer.isdigit()):
        return False
    try:
        payload = signing.loads(token, salt=purpose, max_age=max_age)
        nonce, bits = str(payload["n"]), int(payload["b"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return False
    if bits < min_bits:
        return False  # issued before the difficulty was raised
    if not cache.add(f"pow-used:{purpose}:{nonce}", True, timeout=max_age + 60):
        return False
    digest = hashlib.sha256(f"{token}:{answer}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def solve(token: str, bits: int) -> str:
    """What the browser computes; here for API clients written in Python and for the tests."""
    for counter in itertools.count():
        answer = str(counter)
        if leading_zero_bits(hashlib.sha256(f"{token}:{answer}".encode()).digest()) >= bits:
            return answer
    raise AssertionError("unreachable")
