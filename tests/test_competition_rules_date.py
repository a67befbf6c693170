"""A competition is judged by the notices in force when it is held, not on the day someone looks
at its record: filings and eligibility (54号 一、二) as of its first day, recognition (实施意见 十五)
as of its last."""

from datetime import date

import pytest
import time_machine

from competitions.choices import FilingReason
from competitions.models import Competition
from skilleval.choices import Role
from tests.factories import ContestantFactory, UserFactory, region

pytestmark = pytest.mark.django_db

IN_FORCE = date(2022, 5, 1)  # 苏人社办函〔2022〕54号


@pytest.fixture
def organiser(db):
    return UserFactory(username="org", role=Role.COMPETITION_ORGANISER, organisation="南京市总工会")


def cross_city_competition(organiser, starts_on):
    item = Competition.objects.create(
        name="宁镇扬车工邀请赛",
        organiser_name="南京市总工会",
        kind="city",
        competition_class=1,
        host_region=region("320100"),
        starts_on=starts_on,
        ends_on=starts_on,
        contact_phone="025-12345678",
        created_by=organiser,
    )
    item.regions_involved.set([region("321100")])  # 镇江: across cities
    return item


@pytest.mark.parametrize(
    ("starts_on", "owes_filing"),
    [(date(2022, 4, 30), False), (IN_FORCE, True), (date(2022, 5, 2), True)],
)
def test_a_cross_region_filing_is_owed_only_by_competitions_held_under_54(
    organiser, starts_on, owes_filing
):
    with time_machine.travel(date(2026, 12, 4)):
        item = cross_city_competition(organiser, starts_on)
        reasons = [reason for reason, _level in item.required_filings()]
    assert (FilingReason.CROSS_REGION in reasons) is owes_filing
    assert item.incentives_eligible is not owes_filing


def test_a_competition_recorded_before_54_but_held_after_it_owes_the_filing(organiser):
    with time_machine.travel(date(2022, 4, 20)):
        item = cross_city_competition(organiser, date(2022, 5, 10))
        assert [reason for reason, _level in item.required_filings()] == [FilingReason.CROSS_REGION]


@pytest.mark.parametrize(("starts_on", "eligible"), [(date(2022, 4, 30), True), (IN_FORCE, False)])
def test_a_contestant_without_a_jiangsu_ground_is_refused_only_under_54(
    organiser, starts_on, eligible
):
    """54号 一: pension, hukou or school in the province; before it no ground was asked."""
    with time_machine.travel(date(2026, 12, 4)):
        item = cross_city_competition(organiser, starts_on)
        contestant = ContestantFactory(
            competition=item, pension_region=None, pension_months=0, hukou_region=None
        )
    assert contestant.eligible is eligible
