"""A rule asked about a day before it entered into force answers "not in force" as its result,
never the later rule's decision (the engine, the API, the self-check page, and each caller)."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from competitions.models import Recognition
from institutions.catalog import announcing_branches
from institutions.models import Institution
from skilleval import rules
from tests.factories import (
    BatchFactory,
    CompetitionFactory,
    ContestantFactory,
    InstitutionFactory,
    OccupationFactory,
)

pytestmark = pytest.mark.django_db

# 54号 entered into force on 2022-05-01: the day before, on, and after.
BOUNDARY = [
    ("2022-04-30", False),
    ("2022-05-01", True),
    ("2022-05-02", True),
]


@pytest.mark.parametrize(("as_of", "in_force"), BOUNDARY)
def test_the_engine_answers_not_in_force_before_the_rule_entered_into_force(as_of, in_force):
    decision = rules.evaluate(
        "competition.out_of_area_filing",
        {"contestants_total": 10, "contestants_out_of_area": 9},
        date.fromisoformat(as_of),
    )
    assert decision.not_in_force is not in_force
    if in_force:
        assert decision.result["required_filing"] == "province"
    else:
        # Only that it was not in force, and from when: no later decision beside it.
        assert decision.result == {"in_force": False, "in_force_from": date(2022, 5, 1)}
        assert "尚未施行" in decision.zh and "not yet in force" in decision.en
        assert "54号 二" in decision.zh


@pytest.mark.parametrize(("as_of", "in_force"), BOUNDARY)
def test_the_api_answers_not_in_force_as_the_result(api, as_of, in_force):
    OccupationFactory(code="6-18-01-01", name="某职业")
    response = api.post(
        "/api/v1/rules/occupation.evaluable/evaluate/",
        {"as_of": as_of, "facts": {"occupation_code": "6-18-01-01"}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["in_effect"] is in_force
    if in_force:
        assert body["result"] == {"allowed": True}
    else:
        assert body["result"] == {"in_force": False, "in_force_from": "2022-05-01"}
        assert "2022-05-01" in body["explanation"]["zh"]


def test_facts_are_still_checked_on_a_day_the_rule_was_not_in_force(api):
    response = api.post(
        "/api/v1/rules/occupation.evaluable/evaluate/",
        {"as_of": "2021-01-01", "facts": {"occupation_cod": "6-18-01-01"}},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(("as_of", "in_force"), BOUNDARY)
def test_the_self_check_page_says_not_in_force(client, as_of, in_force):
    response = client.post(
        "/rules/competition.fees_allowed/",
        {"check": "1", "as_of": as_of, "facts": '{"fees": [{"name": "报名费", "amount": "50"}]}'},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert ("所询日期本规则尚未施行" in page) is not in_force
    assert ("decision refused" in page) is in_force


@pytest.mark.parametrize(("as_of", "in_force"), BOUNDARY)
def test_require_refuses_nothing_before_the_rule_entered_into_force(as_of, in_force):
    facts = {"fees": [{"name": "报名费", "amount": "50"}]}
    if in_force:
        with pytest.raises(rules.RuleRefusal):
            rules.require("competition.fees_allowed", facts, date.fromisoformat(as_of))
    else:
        decision = rules.require("competition.fees_allowed", facts, date.fromisoformat(as_of))
        assert decision.not_in_force


class TestCallers:
    """Each caller decides what "not in force" means for it."""

    @pytest.mark.parametrize(("on", "waits"), [("2022-04-30", False), ("2022-05-01", True)])
    def test_a_batch_publicised_before_54号_五_is_not_held_by_a_publicity_period(self, on, waits):
        batch = BatchFactory(publicised_on=date.fromisoformat(on))
        publicity = batch.publicity(date.fromisoformat(on))
        assert publicity.not_in_force is not waits
        assert (batch.publicity_ends(date.fromisoformat(on)) is not None) is waits

    @pytest.mark.parametrize(("on", "recognised"), [("2019-12-31", False), ("2020-01-01", True)])
    def test_no_direct_recognition_is_proposed_before_实施意见_十五(self, on, recognised):
        competition = CompetitionFactory()
        ContestantFactory(competition=competition, rank=1)
        if recognised:
            (proposal,) = Recognition.propose_for(competition, on=date.fromisoformat(on))
            assert proposal.decided_by == "city_or_county"  # a city class-1 competition
        else:
            with pytest.raises(ValidationError, match="尚未施行"):
                Recognition.propose_for(competition, on=date.fromisoformat(on))

    @pytest.mark.parametrize(("today", "waits"), [("2020-09-23", False), ("2020-09-24", True)])
    def test_a_branch_waits_for_its_announcement_only_once_41号_is_in_force(self, today, waits):
        day = date.fromisoformat(today)
        parent = InstitutionFactory()
        branch = InstitutionFactory(parent=parent, announced_on=day)
        with time_machine.travel(f"{today}T10:00:00+08:00", tick=False):
            assert (branch.pk in announcing_branches(Institution.objects.all(), day)) is waits
            assert branch.branch_announcement(day).not_in_force is not waits
