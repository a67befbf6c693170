"""The batch rules at their boundaries, through the public self-check API."""

import pytest

pytestmark = pytest.mark.django_db


def decide(api, rule_id, facts, as_of):
    response = api.post(
        f"/api/v1/rules/{rule_id}/evaluate/", {"as_of": as_of, "facts": facts}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize(
    ("exit_batch", "reached", "as_of", "valid"),
    [
        (1, "2020-09-30", "2020-10-01", True),  # reached on the cut-off day
        (1, "2020-10-01", "2020-10-01", False),  # reached one day late
        (1, None, "2020-09-30", True),  # the cut-off has not passed yet
        (1, None, "2020-10-01", False),
        (2, None, "2020-12-31", True),
        (2, None, "2021-01-01", False),
        (2, "2020-12-31", "2025-01-01", True),
    ],
)
def test_exit_batch_valid_at_cutoff(api, exit_batch, reached, as_of, valid):
    body = decide(
        api,
        "exit.batch_valid_at_cutoff",
        {"exit_batch": exit_batch, "reached_admission_tickets_on": reached},
        as_of,
    )
    assert body["result"] == {"valid": valid}
    assert body["clause"] == "苏人社函〔2020〕239号 二(二)"


@pytest.mark.parametrize(
    ("exit_batch", "route"), [(1, "school_skill_level"), (2, "city_daily_appraisal")]
)
def test_2020_graduates_are_routed_by_exit_batch(api, exit_batch, route):
    body = decide(api, "exit.graduate_route", {"exit_batch": exit_batch}, "2020-11-01")
    assert body["result"]["route"] == route


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("national_bank", True),
        ("provincial_bank", True),
        ("approved_spec", True),
        ("self_made", False),
    ],
)
def test_question_sources(api, source, allowed):
    assert decide(api, "batch.question_source", {"question_source": source}, "2024-01-01")[
        "result"
    ] == {"allowed": allowed}


@pytest.mark.parametrize(
    ("publicised_on", "on", "may_approve", "ends"),
    [
        ("2026-11-05", "2026-11-11", False, "2026-11-11"),  # Thu → 5 working days end Wed
        ("2026-11-05", "2026-11-12", True, "2026-11-11"),
        ("2026-11-07", "2026-11-13", False, "2026-11-13"),  # publicised on a Saturday
        ("2026-11-07", "2026-11-14", True, "2026-11-13"),
    ],
)
def test_results_publicity_lasts_five_working_days(api, publicised_on, on, may_approve, ends):
    body = decide(api, "batch.results_publicity", {"publicised_on": publicised_on, "on": on}, on)
    assert body["result"] == {"may_approve": may_approve, "publicity_ends": ends}


@pytest.mark.parametrize(
    ("created_on", "flag"),
    [("2020-09-15", False), ("2020-09-16", True), ("2020-09-30", True), ("2020-10-01", False)],
)
def test_rush_before_cutoff_window(api, created_on, flag):
    body = decide(
        api, "exit.rush_before_cutoff", {"exit_batch": 1, "created_on": created_on}, created_on
    )
    assert body["result"]["flag"] is flag


@pytest.mark.parametrize(
    ("candidates", "usual", "flag"),
    [(49, 5, False), (50, 5, True), (60, 20, False), (61, 20, True)],
)
def test_volume_surge(api, candidates, usual, flag):
    body = decide(
        api,
        "batch.volume_surge",
        {"candidates": candidates, "usual_candidates": usual},
        "2024-01-01",
    )
    assert body["result"]["flag"] is flag
