"""The competition rules at every boundary, through the public self-check API."""

from datetime import date

import pytest

from skilleval import rules

pytestmark = pytest.mark.django_db


def result(api, rule_id, facts, as_of="2024-06-01"):
    response = api.post(
        f"/api/v1/rules/{rule_id}/evaluate/", {"as_of": as_of, "facts": facts}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["result"]


@pytest.mark.parametrize(
    ("total", "out", "required", "ratio"),
    [
        (1, 0, "none", 0.0),
        (1, 1, "province", 1.0),  # one contestant, from elsewhere
        (10, 1, "none", 0.1),  # exactly 10%
        (100, 11, "city", 0.11),
        (2, 1, "city", 0.5),  # exactly 50%
        (100, 50, "city", 0.5),
        (100, 51, "province", 0.51),
        (3, 1, "city", 0.3333),
        (0, 0, "none", 0.0),
    ],
)
def test_out_of_area_filing(api, total, out, required, ratio):
    body = result(
        api,
        "competition.out_of_area_filing",
        {"contestants_total": total, "contestants_out_of_area": out},
    )
    assert body == {"ratio": ratio, "required_filing": required}


def test_more_out_of_area_than_contestants_is_a_bad_fact(api):
    response = api.post(
        "/api/v1/rules/competition.out_of_area_filing/evaluate/",
        {"facts": {"contestants_total": 3, "contestants_out_of_area": 4}},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("span", "required"),
    [
        ("within_county", "none"),
        ("across_counties", "city"),
        ("across_cities", "province"),
        ("across_provinces", "co_signed"),
    ],
)
def test_cross_region_filing(api, span, required):
    assert result(api, "competition.cross_region_filing", {"span": span}) == {
        "required_filing": required
    }


@pytest.mark.parametrize(
    ("facts", "eligible", "basis"),
    [
        # 54号 一 "参加我省基本养老保险一年以上": 11 months is not a year, 12 is, 13 too.
        (
            {"group": "worker", "pension_months_in_province": 11, "hukou_in_province": False},
            False,
            None,
        ),
        (
            {"group": "worker", "pension_months_in_province": 12, "hukou_in_province": False},
            True,
            "pension",
        ),
        (
            {"group": "worker", "pension_months_in_province": 13, "hukou_in_province": False},
            True,
            "pension",
        ),
        (
            {"group": "worker", "pension_months_in_province": 0, "hukou_in_province": True},
            True,
            "hukou",
        ),
        (
            {
                "group": "worker",
                "pension_months_in_province": 0,
                "hukou_in_province": False,
                "enrolled_in_province_school": True,
            },
            False,
            None,
        ),
        (
            {
                "group": "student",
                "pension_months_in_province": 0,
                "hukou_in_province": False,
                "enrolled_in_province_school": True,
            },
            True,
            "school",
        ),
        (
            {
                "group": "student",
                "pension_months_in_province": 0,
                "hukou_in_province": False,
                "enrolled_in_province_school": False,
            },
            False,
            None,
        ),
    ],
)
def test_contestant_eligibility(api, facts, eligible, basis):
    assert result(api, "competition.contestant_eligible", facts) == {
        "eligible": eligible,
        "basis": basis,
    }


@pytest.mark.parametrize(
    ("kind", "klass", "rank", "level", "decided_by"),
    [
        ("worldskills", None, 1, 1, "province"),
        ("worldskills", None, 3, 1, "province"),
        ("worldskills", None, 4, None, "city_or_county"),
        ("national", 1, 3, 1, "province"),
        ("national", 1, 4, 2, "province"),
        ("national", 1, 6, 2, "province"),
        ("national", 1, 7, None, "city_or_county"),
        ("national", 2, 1, None, "city_or_county"),
        ("provincial", 1, 1, 1, "province"),
        ("provincial", 1, 2, 2, "province"),
        ("provincial", 1, 3, 2, "province"),
        ("provincial", 1, 4, None, "city_or_county"),
        ("provincial", 2, 1, None, "city_or_county"),
        ("city", 1, 1, None, "city_or_county"),
        ("county", None, 1, None, "city_or_county"),
    ],
)
def test_direct_recognition(api, kind, klass, rank, level, decided_by):
    body = result(
        api,
        "competition.direct_recognition",
        {"competition_kind": kind, "competition_class": klass, "rank": rank},
    )
    assert body == {"level": level, "decided_by": decided_by}


@pytest.mark.parametrize(
    ("level", "klass", "delegated", "authority", "issuer"),
    [
        ("city", 1, True, True, "city_appraisal_centre"),  # class 1 always the centre
        ("city", 2, True, True, "organiser"),
        ("city", 2, True, False, "city_appraisal_centre"),
        ("city", 2, False, True, "city_appraisal_centre"),
        ("county", 2, True, True, "city_appraisal_centre"),
        ("county", None, False, False, "city_appraisal_centre"),
    ],
)
def test_certificate_issuer(api, level, klass, delegated, authority, issuer):
    facts = {
        "competition_level": level,
        "competition_class": klass,
        "delegated_to_organiser": delegated,
        "organiser_has_authority": authority,
    }
    assert result(api, "competition.certificate_issuer", facts) == {"issuer": issuer}


@pytest.mark.parametrize(
    ("fees", "charged"),
    [
        ([], []),
        ([{"name": "报名费", "amount": "0.00"}, {"name": "参赛费", "amount": 0}], []),
        # Just over 0, and fees of names the notice does not list ("等费用": any name).
        ([{"name": "报名费", "amount": "0.01"}], ["报名费"]),
        ([{"name": "资料费", "amount": "0.01"}, {"name": "参赛费", "amount": 0}], ["资料费"]),
        (
            [{"name": "食宿费", "amount": 200}, {"name": "场地费", "amount": 5}],
            ["食宿费", "场地费"],
        ),
    ],
)
def test_no_fee_of_any_name(api, fees, charged):
    response = api.post(
        "/api/v1/rules/competition.fees_allowed/evaluate/",
        {"as_of": "2024-06-01", "facts": {"fees": fees}},
        format="json",
    )
    body = response.json()
    assert body["result"] == {"allowed": not charged, "charged": charged}
    for name in charged:
        assert name in body["explanation"]["zh"] and name in body["explanation"]["en"]


def test_the_old_fixed_fee_facts_are_refused_by_name(api):
    response = api.post(
        "/api/v1/rules/competition.fees_allowed/evaluate/",
        {"as_of": "2024-06-01", "facts": {"registration_fee": 0, "fees": []}},
        format="json",
    )
    assert response.status_code == 400
    assert "registration_fee" in response.json()["facts"]


@pytest.mark.parametrize(
    ("honour", "level"),
    [
        ("china_skills_award", 1),
        ("national_technical_expert", 1),
        ("jiangsu_skills_award", 1),
        ("other", None),
    ],
)
def test_honours(api, honour, level):
    assert result(api, "honour.direct_recognition", {"honour": honour})["level"] == level


@pytest.mark.parametrize(
    ("months", "status"), [(-1, 400), (0, 200), (1200, 200), (1201, 400), ("1.5", 400)]
)
def test_pension_months_are_whole_months_within_a_lifetime(api, months, status):
    response = api.post(
        "/api/v1/rules/competition.contestant_eligible/evaluate/",
        {
            "as_of": "2024-06-01",
            "facts": {
                "group": "worker",
                "pension_months_in_province": months,
                "hukou_in_province": False,
            },
        },
        format="json",
    )
    assert response.status_code == status
    if status == 400:
        assert "pension_months_in_province" in response.json()["facts"]


def test_the_old_pension_years_fact_is_refused_by_name(api):
    response = api.post(
        "/api/v1/rules/competition.contestant_eligible/evaluate/",
        {
            "as_of": "2024-06-01",
            "facts": {
                "group": "worker",
                "pension_years_in_province": 1,
                "pension_months_in_province": 12,
                "hukou_in_province": False,
            },
        },
        format="json",
    )
    assert response.status_code == 400
    assert "pension_years_in_province" in response.json()["facts"]


def test_the_minimum_is_a_parameter_in_months_of_12():
    rule = rules.get_rule("competition.contestant_eligible")
    assert rule.parameters_as_of(date(2024, 6, 1)) == {"min_pension_months": 12}
