"""Jobs never stick: a heartbeat, a sweeper that requeues what lost its worker and sends what the
broker never got, a retry for staff, and a recorded job when the broker is down."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from skilleval.choices import JobKind, JobStatus, Role
from skilleval.models import Job, Occupation
from tests.factories import UserFactory

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
