"""Certificate numbers: both national formats, the provincial ones, and allocation that stays
gap-free and unique when several processes issue at once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connections, transaction

from certificates.models import NumberExhausted, NumberSeries
from certificates.numbering import SEQUENCE_WIDTH, allocate, prefix_for
from institutions.choices import InstitutionKind
from tests.factories import InstitutionFactory, region

pytestmark = pytest.mark.django_db


def check(api, kind, number):
    response = api.post(
        "/api/v1/rules/certificate.number_format/evaluate/",
        {"as_of": "2026-11-22", "facts": {"kind": kind, "number": number}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()["result"]


class TestFormats:
    def test_a_skill_level_number_is_split_into_its_segments(self, api):
        result = check(api, "skill_level", "S000032000123265000001")
        assert result == {
            "valid": True,
            "parts": {
                "institution_type": "S",
                "institution_code": "0000",
                "province": "32",
                "institution_serial": "000123",
                "year": "26",
                "level": "5",
                "sequence": "000001",
            },
        }

    @pytest.mark.parametrize(
        "number",
        [
            "S00003200012326500000",  # 21 characters
            "S0000320001232650000011",  # 23
            "X000032000123265000001",  # neither Y nor S
            "S000011000123265000001",  # another province
            "S000032000123266000001",  # level 6
            "S000032000123265000000",  # sequence 0
        ],
    )
    def test_a_malformed_skill_level_number_is_invalid(self, api, number):
        assert check(api, "skill_level", number)["valid"] is False

    def test_a_vocational_qualification_number_is_split_into_its_segments(self, api):
        result = check(api, "vocational_qualification", "2032012001400001")
        assert result["valid"] is True
        assert result["parts"] == {
            "year": "20",
            "province": "32",
            "city": "01",
            "institution_type": "2",
            "institution_serial": "001",
            "level": "4",
            "sequence": "00001",
        }

    @pytest.mark.parametrize(
        "number",
        ["203201200140000", "2032015001400001", "2032142001400001", "2032012001600001"],
    )
    def test_a_malformed_vocational_qualification_number_is_invalid(self, api, number):
        assert check(api, "vocational_qualification", number)["valid"] is False

    def test_the_provincial_formats_are_checked_too(self, api):
        assert check(api, "special_ability", "ZX320126000123000001")["valid"] is False  # 20 chars
        assert check(api, "special_ability", "ZX3201260001230001")["valid"] is False  # 18 chars
        assert check(api, "special_ability", "ZX32012600012300001")["valid"] is True
        assert check(api, "competition", "JS320126000070001")["valid"] is True
        assert check(api, "competition", "JX320126000070001")["valid"] is False


class TestPrefixes:
    def test_an_employer_numbers_with_y_and_a_social_org_with_s(self):
        employer = InstitutionFactory(kind=InstitutionKind.EMPLOYER, province_serial="000123")
        org = InstitutionFactory(kind=InstitutionKind.SOCIAL_ORG, province_serial="000124")
        assert (
            prefix_for("skill_level", institution=employer, issued_on=date(2026, 5, 1), level=4)
            == "Y00003200012326" + "4"
        )
        assert (
            prefix_for("skill_level", institution=org, issued_on=date(2026, 5, 1), level=3)
            == "S000032000124263"
        )

    def test_a_vocational_qualification_prefix_uses_city_and_station(self):
        station = InstitutionFactory(
            county=region("320115"), vq_station_type=2, vq_station_serial="001"
        )
        assert (
            prefix_for(
                "vocational_qualification",
                institution=station,
                issued_on=date(2020, 11, 1),
                level=4,
            )
            == "20320120014"
        )

    def test_an_institution_without_a_provincial_serial_cannot_number(self):
        with pytest.raises(NumberExhausted):
            prefix_for(
                "skill_level", institution=InstitutionFactory(), issued_on=date(2026, 5, 1), level=4
            )


class TestAllocation:
    def test_numbers_run_from_000001_without_gaps(self):
        with transaction.atomic():
            first = allocate("S000032000123264", 6, 3)
        with transaction.atomic():
            second = allocate("S000032000123264", 6, 2)
        assert first + second == [f"S000032000123264{n:06d}" for n in range(1, 6)]

    def test_a_rolled_back_issuance_gives_its_numbers_back(self):
        with pytest.raises(RuntimeError), transaction.atomic():
            allocate("S000032000123264", 6, 10)
            raise RuntimeError("the worker died")
        with transaction.atomic():
            assert allocate("S000032000123264", 6, 1) == ["S000032000123264000001"]

    def test_exhaustion_is_a_clear_error_not_a_wrap(self):
        NumberSeries.objects.create(prefix="S000032000123264", width=6, last=999_998)
        with transaction.atomic():
            assert allocate("S000032000123264", 6, 1)[0].endswith("999999")
        with pytest.raises(NumberExhausted, match="已用尽"), transaction.atomic():
            allocate("S000032000123264", 6, 1)

    def test_allocation_outside_a_transaction_is_refused(self, live_db):
        with pytest.raises(RuntimeError):
            allocate("S000032000123264", 6, 1)

    def test_the_widths_match_the_formats(self):
        assert SEQUENCE_WIDTH == {
            "skill_level": 6,
            "vocational_qualification": 5,
            "special_ability": 5,
            "competition": 4,
        }


def _allocate_in_a_session(count):
    """Run in a thread of its own: a database session of its own, as each web or worker process
    has; the row lock in allocate() is what keeps the numbers apart."""
    numbers = []
    try:
        for _ in range(count):
            with transaction.atomic():
                numbers.extend(allocate("S000032000999264", 6, 1))
    finally:
        connections.close_all()  # this thread's connection
    return numbers


def test_several_sessions_at_once_never_share_or_skip_a_number(live_db, on_postgres):
    # Threads, not forked processes: a fork would copy the test's open connection into every
    # child (a hang when two of them read the same socket); each thread opens its own.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_allocate_in_a_session, [50, 50, 50, 50]))
    numbers = [n for chunk in results for n in chunk]
    assert len(numbers) == len(set(numbers)) == 200
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 201))
    assert NumberSeries.objects.get(prefix="S000032000999264").last == 200
