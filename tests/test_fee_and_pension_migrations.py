"""Competition fees became a list (competitions 0004) and pension insurance months (competitions
0005, skilleval 0016): a database from before migrates forward with its data kept."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from competitions.models import Competition, Contestant
from skilleval.models import RuleParameterVersion
from tests.factories import OccupationFactory, UserFactory

BEFORE = [
    ("competitions", "0003_constraint_messages_in_one_language"),
    ("skilleval", "0015_change_log_from_audits"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def test_old_fees_pension_years_and_parameters_migrate_forward(live_db):
    # Rows made with today's models, then the schema taken back to before the change.
    user = UserFactory()
    OccupationFactory()
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldCompetition = old.get_model("competitions", "Competition")
    OldEvent = old.get_model("competitions", "Event")
    OldContestant = old.get_model("competitions", "Contestant")
    OldVersion = old.get_model("skilleval", "RuleParameterVersion")
    competition = OldCompetition.objects.create(
        name="车工大赛",
        organiser_name="南京市总工会",
        kind="city",
        competition_class=1,
        host_region_id="320100",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 3),
        contact_phone="025-12345678",
        created_by_id=user.pk,
    )
    event = OldEvent.objects.create(
        competition=competition,
        occupation_id=old.get_model("skilleval", "Occupation").objects.get().pk,
    )
    for n, years in enumerate(["1.0", "0.9", "2.5"]):
        OldContestant.objects.create(
            competition=competition,
            event=event,
            name=f"选手{n}",
            id_number_encrypted="x",
            id_number_hash=f"h{n}",
            id_number_masked="3201**",
            group="worker",
            pension_region_id="320115",
            pension_years=Decimal(years),
        )
    OldVersion.objects.create(
        rule_id="competition.contestant_eligible",
        effective_from=date(2024, 1, 1),
        parameters={"min_pension_years": "1.0"},
    )

    _migrate(None)
    migrated = Competition.objects.get(pk=competition.pk)
    assert migrated.fee_list() == [
        {"name": "报名费", "amount": Decimal("0.00")},
        {"name": "参赛费", "amount": Decimal("0.00")},
        {"name": "证书费", "amount": Decimal("0.00")},
    ]
    # Rounded down: a year stays eligible (12 months), 0.9 stays short of it (10 months).
    months = dict(Contestant.objects.values_list("name", "pension_months"))
    assert months == {"选手0": 12, "选手1": 10, "选手2": 30}
    version = RuleParameterVersion.objects.get(rule_id="competition.contestant_eligible")
    assert version.parameters == {"min_pension_months": 12}
