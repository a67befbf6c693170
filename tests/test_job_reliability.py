"""Jobs never stick: a heartbeat, a sweeper that requeues what lost its worker and sends what the
broker never got, a retry for staff, and a recorded job when the broker is down."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from skilleval.choices import JobKind, JobStatus, Role
from skilleval.models import Job, Occupation
from tests.factories import UserFactory
from tests.waiting import wait_for_the_end_of

pytestmark = pytest.mark.django_db
CSV = "职业编码,职业名称,工种,等级\n4-14-02-02,养老护理员,,一级;二级;三级\n".encode()


def new_job(user, **fields) -> Job:
    return Job.objects.create(
        kind=JobKind.OCCUPATION_IMPORT,
        started_by=user,
        input_file=ContentFile(CSV, name="occupations.csv"),
        **fields,
    )


@pytest.fixture
def broker_down(monkeypatch):
    """Sending fails as kombu fails when Redis refuses the connection."""
    from kombu.exceptions import OperationalError

    from skilleval.tasks import run_job

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_job, "apply_async", refused)


def test_a_job_started_while_the_broker_is_down_is_recorded_and_the_page_says_so(
    client, province_admin, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = Job.objects.start(
            JobKind.OCCUPATION_IMPORT,
            user=province_admin,
            input_file=ContentFile(CSV, name="occupations.csv"),
        )
    job.refresh_from_db()
    assert (job.status, job.sent_at) == (JobStatus.QUEUED, None)
    client.force_login(province_admin)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    assert "消息队列暂时不可用" in page.content.decode()


def test_the_sweeper_sends_it_once_the_broker_is_back(province_admin):
    job = new_job(province_admin)  # never sent
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    swept = Job.objects.sweep()  # tasks run in-process here: sending runs it
    assert swept["sent"] == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.sent_at is not None
    assert Occupation.objects.filter(code="4-14-02-02").exists()


def test_a_running_job_whose_heartbeat_stopped_is_requeued_exactly_once(province_admin, settings):
    old = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 60)
    job = new_job(province_admin, status=JobStatus.RUNNING, heartbeat_at=old, sent_at=old)
    first = Job.objects.sweep()
    second = Job.objects.sweep()
    assert first["requeued"] == [job.pk] and second["requeued"] == []
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1


def test_a_fresh_heartbeat_is_left_alone(province_admin):
    job = new_job(province_admin, status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert Job.objects.sweep()["requeued"] == []
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


def test_a_job_that_never_finishes_fails_after_the_last_attempt(province_admin, settings):
    job = new_job(province_admin, attempts=settings.JOB_MAX_ATTEMPTS)
    job.run()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "工作进程多次中断" in job.error


def test_the_starter_retries_a_failed_job_and_a_stranger_may_not(client, province_admin, api_as):
    job = new_job(province_admin, status=JobStatus.FAILED, error="boom")
    stranger = UserFactory(username="other", role=Role.PROVINCE_AUDITOR)
    assert api_as(stranger).post(f"/api/v1/jobs/{job.pk}/retry/").status_code in (403, 404)
    client.force_login(province_admin)
    response = client.post(f"/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    again = api_as(province_admin).post(f"/api/v1/jobs/{job.pk}/retry/")
    assert again.status_code == 400  # succeeded: nothing to retry


# --- one run per message -------------------------------------------------------------------------

RUNS = []  # (job, run number) of every handler call
DURING_THE_RUN = {}  # job pk → what the handler does while it runs


def counted_handler(job):
    RUNS.append((job.pk, job.run_number))
    if job.pk in DURING_THE_RUN:
        DURING_THE_RUN[job.pk](job)
    return {"ran": True}


@pytest.fixture
def handler(monkeypatch):
    """Jobs of the test's kind run counted_handler; the runs it saw are returned."""
    from skilleval.models.jobs import JOB_HANDLERS

    RUNS.clear()
    DURING_THE_RUN.clear()
    monkeypatch.setitem(JOB_HANDLERS, JobKind.OCCUPATION_IMPORT, f"{__name__}.counted_handler")
    yield RUNS
    DURING_THE_RUN.clear()


@pytest.fixture
def broker(monkeypatch):
    """The messages handed to the broker, kept for the test to deliver (as a worker would, with
    run_job(*message)) instead of running at once."""
    from skilleval.tasks import run_job

    messages = []
    monkeypatch.setattr(run_job, "apply_async", lambda args, **kwargs: messages.append(tuple(args)))
    return messages


def deliver(message):
    from skilleval.tasks import run_job

    run_job(*message)


def test_each_message_names_the_run_it_is_for(province_admin, broker):
    job = new_job(province_admin)
    assert job.send() and job.send()
    assert broker == [(job.pk, 1), (job.pk, 2)]


def test_a_message_delivered_again_while_its_job_runs_does_nothing(province_admin, handler, broker):
    job = new_job(province_admin)
    job.send()
    # The broker hands the message out again (visibility timeout) while the first run goes on.
    DURING_THE_RUN[job.pk] = lambda running: deliver(broker[0])
    deliver(broker[0])
    assert handler == [(job.pk, 1)]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1


def test_an_exception_without_a_message_still_fails_the_job(province_admin, handler, broker):
    job = new_job(province_admin)
    job.send()

    def fail_silently(running):
        raise RuntimeError()  # str() of it is ""

    DURING_THE_RUN[job.pk] = fail_silently
    deliver(broker[0])
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None


def test_a_copy_of_the_message_after_the_job_finished_does_nothing(province_admin, handler, broker):
    job = new_job(province_admin)
    job.send()
    deliver(broker[0])
    job.refresh_from_db()
    finished_at = job.finished_at
    deliver(broker[0])
    deliver((job.pk,))  # and as a message from before runs were numbered
    assert handler == [(job.pk, 1)]
    job.refresh_from_db()
    assert job.finished_at == finished_at and job.attempts == 1


def test_a_message_from_before_runs_were_numbered_runs_a_queued_job(province_admin, handler):
    job = new_job(province_admin)
    deliver((job.pk,))
    assert handler == [(job.pk, 0)]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_after_a_requeue_the_old_runs_message_does_nothing_and_the_new_one_runs(
    province_admin, handler, broker, settings
):
    job = new_job(province_admin)
    job.send()
    # Run 1 started, then its worker died: the heartbeat stopped.
    old = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 60)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=old)
    assert Job.objects.sweep() == {"requeued": [job.pk], "sent": [job.pk]}
    assert broker == [(job.pk, 1), (job.pk, 2)]
    deliver(broker[0])  # run 1's message, redelivered by the broker
    assert handler == []
    deliver(broker[1])
    assert handler == [(job.pk, 2)]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_a_run_whose_job_was_requeued_stops_at_its_next_report_and_records_nothing(
    province_admin, handler, broker, settings
):
    settings.JOB_HEARTBEAT_INTERVAL = 0  # every report writes the row
    job = new_job(province_admin)
    job.send()

    def requeued_meanwhile(running):
        # Its worker lost the database for longer than JOB_STALE_AFTER: the sweeper requeued it.
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, sent_at=None)
        Job.objects.get(pk=job.pk).send()
        del DURING_THE_RUN[job.pk]
        running.report_progress(1, 2)
        raise AssertionError("the superseded run went on")

    DURING_THE_RUN[job.pk] = requeued_meanwhile
    deliver(broker[0])
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.QUEUED, "")  # run 1 recorded no outcome
    deliver(broker[1])
    assert handler == [(job.pk, 1), (job.pk, 2)]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_the_heartbeat_names_the_worker_and_writes_the_row_at_most_every_few_seconds(
    province_admin, handler, broker
):
    import os
    import socket

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = new_job(province_admin)
    job.send()
    row_writes = []

    def reports_often(running):
        with CaptureQueriesContext(connection) as queries:
            for done in range(1, 51):
                running.report_progress(done, 100)
            running._row_beat_at -= 6  # six seconds later
            running.report_progress(51, 100)
        row_writes.extend(q["sql"] for q in queries if q["sql"].startswith("UPDATE"))
        live = Job.objects.get(pk=job.pk).with_live_progress()
        assert (live.done, live.total) == (51, 100)  # what a browser sees, at every report

    DURING_THE_RUN[job.pk] = reports_often
    deliver(broker[0])
    assert len(row_writes) == 1
    job.refresh_from_db()
    assert job.worker == f"{socket.gethostname()}:{os.getpid()}"


# --- the sweeper sends again only what needs it ----------------------------------------------------


def test_the_sweeper_does_not_resend_a_waiting_job_every_minute(province_admin, broker, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        job = Job.objects.create(kind=JobKind.OCCUPATION_IMPORT, started_by=province_admin)
        job.send()  # handed over; a long queue is in front of it
        for minutes in (1, 2, 11, 60, settings.JOB_RESEND_AFTER // 60 - 1):
            clock.move_to(start + timedelta(minutes=minutes))
            assert Job.objects.sweep()["sent"] == []
        clock.move_to(start + timedelta(seconds=settings.JOB_RESEND_AFTER + 60))
        assert Job.objects.sweep()["sent"] == [job.pk]
        clock.shift(timedelta(minutes=1))
        assert Job.objects.sweep()["sent"] == []
    assert broker == [(job.pk, 1), (job.pk, 2)]


def test_a_job_the_broker_never_got_is_sent_after_half_a_minute(province_admin, broker):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        job = Job.objects.create(kind=JobKind.OCCUPATION_IMPORT, started_by=province_admin)
        clock.shift(timedelta(seconds=20))  # still being committed and sent by its starter
        assert Job.objects.sweep()["sent"] == []
        clock.shift(timedelta(seconds=20))
        assert Job.objects.sweep()["sent"] == [job.pk]
        clock.shift(timedelta(minutes=1))
        assert Job.objects.sweep()["sent"] == []
    assert broker == [(job.pk, 1)]


# --- a time limit ----------------------------------------------------------------------------------


def test_a_job_past_its_time_limit_fails_with_a_message(client, province_admin, handler, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:

        def runs_too_long(running):
            clock.shift(timedelta(seconds=settings.JOB_TIME_LIMIT - 60))
            running.report_progress(1, 10)  # within the limit: goes on
            clock.shift(timedelta(seconds=120))
            running.report_progress(2, 10)
            raise AssertionError("the run went on past its time limit")

        job = new_job(province_admin)
        DURING_THE_RUN[job.pk] = runs_too_long
        job.run()
    job.refresh_from_db()
    minutes = settings.JOB_TIME_LIMIT // 60
    assert job.status == JobStatus.FAILED
    assert job.error == (
        f"任务运行超过 {minutes} 分钟仍未完成，已停止；请检查原因后重试 / The job ran for more than "
        f"{minutes} minutes without finishing and was stopped; find out why, then retry"
    )
    client.force_login(province_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"The job ran for more than {minutes} minutes without finishing" in page


# --- concurrency on PostgreSQL ---------------------------------------------------------------------


def in_a_thread(work):
    """Run `work` in a thread of its own, with its own database connection (closed after)."""
    from django.db import connection

    def target():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_two_workers_given_the_same_message_at_once_run_the_job_once(
    live_db, on_postgres, province_admin, handler, broker
):
    job = new_job(province_admin)
    job.send()
    together = threading.Barrier(2)
    DURING_THE_RUN[job.pk] = lambda running: time.sleep(0.5)  # long enough to overlap

    def worker():
        together.wait()
        deliver(broker[0])

    threads = [in_a_thread(worker) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=30)
    assert handler == [(job.pk, 1)]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1


def test_the_sweeper_skips_a_job_whose_row_another_transaction_holds(
    live_db, on_postgres, province_admin, broker, settings
):
    from django.db import transaction

    old = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 60)
    job = new_job(province_admin, status=JobStatus.RUNNING, heartbeat_at=old, sent_at=old)
    locked, release = threading.Event(), threading.Event()

    def holds_the_row():
        # As its worker does while it writes progress inside its handler's transaction.
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=job.pk)
            locked.set()
            release.wait(timeout=30)

    holder = in_a_thread(holds_the_row)
    try:
        assert locked.wait(timeout=10)
        assert Job.objects.sweep() == {"requeued": [], "sent": []}  # not waiting for the lock
    finally:
        release.set()
        holder.join(timeout=30)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert Job.objects.sweep() == {"requeued": [job.pk], "sent": [job.pk]}


@pytest.mark.celery_worker
def test_a_real_worker_runs_a_job_once_however_often_its_message_arrives(
    live_db, celery_worker_process, province_admin
):
    from skilleval.tasks import run_job

    job = new_job(province_admin)
    assert job.send()
    run_job.apply_async(args=[job.pk, job.run_number])  # a copy, as the broker redelivers one
    run_job.apply_async(args=[job.pk])  # and one sent before runs were numbered
    # One worker, one message at a time, in order: once this job is done, so are the copies.
    last = new_job(province_admin)
    assert last.send()
    wait_for_the_end_of(last, 60)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 1 and job.worker


@pytest.mark.parametrize("variable", ["JOB_STALE_AFTER", "JOB_RESEND_AFTER", "JOB_TIME_LIMIT"])
def test_a_job_limit_no_longer_than_the_heartbeat_stops_the_start(variable):
    from tests.test_settings import GOOD, run_manage

    result = run_manage({**GOOD, variable: "5"}, "check")
    assert result.returncode != 0
    assert f"Environment variable {variable} has a bad value" in result.stderr
