"""Batches whose scores were closed before the result counts existed (institutions 0012) are
counted by the migration as record_examined counts them; open batches stay uncounted."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from institutions.choices import BatchStatus
from institutions.models import Batch
from tests.factories import BatchFactory, CandidateFactory

BEFORE = [("institutions", "0011_non_professional_association")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def test_closed_batches_are_counted_on_migration(live_db):
    # Rows made with today's models, then the schema taken back to before the counts.
    issued = BatchFactory(status=BatchStatus.CERTIFICATES_ISSUED)
    for passed in (True, True, False):
        CandidateFactory(batch=issued, passed=passed)
    CandidateFactory(batch=issued, absent=True, passed=False)
    empty = BatchFactory(status=BatchStatus.EXAMINED)
    scoring = BatchFactory(status=BatchStatus.TICKETS_GENERATED)
    CandidateFactory(batch=scoring, passed=True)
    _migrate(BEFORE)

    _migrate(None)
    counted = {
        pk: (sat, passed)
        for pk, sat, passed in Batch.objects.values_list("pk", "results_sat", "results_passed")
    }
    assert counted == {issued.pk: (3, 2), empty.pk: (0, 0), scoring.pk: (None, None)}
