"""PostgreSQL drops the worker's connection in the middle of an issuance job (the server restarts,
a failover, an administrator's pg_terminate_backend): the job is run again and ends with every
passing candidate holding exactly one certificate, the numbers without gap or duplicate.
A real Celery worker on Redis, a real PostgreSQL connection terminated by the server; no mocks.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from skilleval.choices import JobStatus
from skilleval.models import Job
from tests.conftest import WORKER_APPLICATION_NAME
from tests.test_issuance import (
    approved_batch,
    assert_issued_once,
    signatory_of,
    wait_for_the_first_numbers,
)
from tests.waiting import wait_for, wait_for_the_end_of


def terminate_other_connections() -> list[int]:
    """End, from the server side, the worker's sessions on the test database (by their name:
    the suite's other sessions, a live server's included, are left alone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = %s",
            [WORKER_APPLICATION_NAME],
        )
        return [pid for pid, terminated in cursor.fetchall() if terminated]


def worker_is_idle() -> bool:
    """A solo worker answers control messages only between tasks."""
    from skilleval.celery import app

    replies = app.control.inspect(timeout=1).active()
    return bool(replies) and all(not tasks for tasks in replies.values())


@pytest.mark.celery_worker
def test_a_connection_dropped_mid_issuance_loses_nothing_and_duplicates_nothing(
    live_db, on_postgres, celery_worker_process, settings
):
    # Eight render chunks: the job lasts seconds even with pages drawn at ~150/s, so the drop
    # falls inside it (with 240 it once ended before a connection could be dropped). Below 900:
    # approved_batch numbers the failing candidates' ID numbers from there.
    passing = 800
    batch = approved_batch(passing=passing, failing=2)
    job = batch.sign_off(signatory_of(batch.institution))

    wait_for_the_first_numbers(job, batch)
    # Between two of the job's tasks the worker holds no connection (Django closes it after each
    # task): try again until one of its sessions is there to drop.
    wait_for(terminate_other_connections, 60, "a connection of the worker to drop")
    assert Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exists(), (
        "the job ended before a connection of its worker could be dropped"
    )
    wait_for(worker_is_idle, 300, "the worker to be done with the job")
    job.refresh_from_db()
    # The run that lost its connection puts the job back in the queue and the worker runs it
    # again at once; had it died instead, the sweeper would requeue the silent run.
    if job.status == JobStatus.RUNNING:
        # Its heartbeat stopped: the sweeper (beat, every minute) puts it back in the queue.
        stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 1)
        Job.objects.filter(pk=job.pk).update(heartbeat_at=stale)
        assert Job.objects.sweep()["requeued"] == [job.pk]
    wait_for_the_end_of(job)
    assert_issued_once(job, batch, passing)
    assert job.attempts >= 2  # the interrupted run and the one that finished
