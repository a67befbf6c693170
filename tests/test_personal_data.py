import base64

import pytest
from cryptography.fernet import InvalidToken

from skilleval import personal_data

# Made with Fernet under the test settings' PERSONAL_DATA_KEY, as every token before "g1:" was.
OLD_FERNET_TOKEN = (
    "gAAAAABrEzbKCVJuVAczOFaw5xHgCZ-LOJDpV7aVoFh1RptsSFKJOb2N6XncuxS7iliKq8q8MhFTfbTFxZfo3h8ntlZc"
    "AKpERVld6jWbRiYXt6FvBUJsqf0="
)


def test_an_id_number_is_encrypted_and_decrypts_back():
    token = personal_data.encrypt("32010219900307123X")
    assert "32010219900307123X" not in token
    assert personal_data.decrypt(token) == "32010219900307123X"


def test_new_tokens_are_aes_gcm_with_their_scheme_named_and_a_fresh_nonce():
    first, second = (personal_data.encrypt("32010219900307123X") for _ in range(2))
    assert first.startswith("g1:") and second.startswith("g1:")
    assert first != second  # a random nonce per value
    raw = base64.urlsafe_b64decode(first.removeprefix("g1:"))
    assert len(raw) == 12 + len("32010219900307123X") + 16  # nonce, ciphertext, tag
    assert personal_data.decrypt(first) == personal_data.decrypt(second) == "32010219900307123X"


def test_a_fernet_token_written_before_still_decrypts():
    assert personal_data.decrypt(OLD_FERNET_TOKEN) == "32010219900307123X"


def test_a_tampered_token_is_refused():
    token = personal_data.encrypt("32010219900307123X")
    raw = bytearray(base64.urlsafe_b64decode(token.removeprefix("g1:")))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        altered = raw.copy()
        altered[position] ^= 1
        with pytest.raises(InvalidToken):
            personal_data.decrypt("g1:" + base64.urlsafe_b64encode(bytes(altered)).decode())
    for broken in (
        "g1:",
        "g1:AAAA",
        "g1:not base64!",
        token[:-4],
        OLD_FERNET_TOKEN[:-8] + "AAAAAAA=",
    ):
        with pytest.raises(InvalidToken):
            personal_data.decrypt(broken)


def test_a_token_made_under_another_key_is_refused(settings):
    token = personal_data.encrypt("32010219900307123X")
    settings.PERSONAL_DATA_KEY = "mZ0d6m2m0y2sQqWnq4r9o3dGZb7s1bM7cT2l9iW0V5E="
    with pytest.raises(InvalidToken):
        personal_data.decrypt(token)
    with pytest.raises(InvalidToken):
        personal_data.decrypt(OLD_FERNET_TOKEN)


def test_the_keyed_hash_is_the_one_stored_before():
    # HMAC-SHA256 under the test key: existing rows are found by it, so it must never change.
    assert personal_data.keyed_hash(" 32010219900307123x ") == (
        "755b775c56d4d8bcbb503630976f32f33dcb4c39acc89f77806d6dae2170fbd0"
    )


def test_the_keyed_hash_matches_regardless_of_case_and_spaces():
    assert personal_data.keyed_hash(" 32010219900307123x") == personal_data.keyed_hash(
        "32010219900307123X"
    )
    assert personal_data.keyed_hash("320102199003071234") != personal_data.keyed_hash(
        "32010219900307123X"
    )


def test_the_keyed_hash_depends_on_the_key(settings):
    before = personal_data.keyed_hash("32010219900307123X")
    settings.PERSONAL_DATA_KEY = "mZ0d6m2m0y2sQqWnq4r9o3dGZb7s1bM7cT2l9iW0V5E="
    assert personal_data.keyed_hash("32010219900307123X") != before


def test_an_id_number_is_masked_like_on_the_lookup_page():
    assert personal_data.mask_id_number("32010219900307123X") == "3201**********123X"


def test_demo_resident_id_numbers_are_valid():
    from stdnum.cn import ric

    from skilleval.demo import make_resident_id

    assert all(ric.is_valid(make_resident_id("320102", "19900307", n)) for n in range(50))
