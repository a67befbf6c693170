from skilleval import personal_data


def test_an_id_number_is_encrypted_and_decrypts_back():
    token = personal_data.encrypt("32010219900307123X")
    assert "32010219900307123X" not in token
    assert personal_data.decrypt(token) == "32010219900307123X"


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
