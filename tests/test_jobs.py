import pytest
from django.core.files.base import ContentFile

from skilleval.choices import JobKind, JobStatus
from skilleval.models import AuditEntry, Job, Occupation
from tests.waiting import wait_for_the_end_of

GOOD_CSV = "职业编码,职业名称,工种,等级\n6-18-01-01,车工,,5|4|3|2|1\n4-14-02-02,健康管理师,,3|2|1\n".encode()


def start_import(user, content=GOOD_CSV):
    return Job.objects.start(
        JobKind.OCCUPATION_IMPORT,
        user=user,
        input_file=ContentFile(content, name="occupations.csv"),
    )


@pytest.mark.django_db
def test_without_a_broker_a_job_runs_in_process_and_reports_its_outcome(
    province_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(province_admin)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.percent == 100
    assert job.result["created"] == 2
    assert Occupation.objects.filter(code="6-18-01-01").exists()


@pytest.mark.django_db
def test_the_job_api_shows_progress(api_as, province_admin):
    job = Job.objects.create(
        kind=JobKind.OCCUPATION_IMPORT, started_by=province_admin, done=30, total=120
    )
    body = api_as(province_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == ("queued", 30, 120, 25)


@pytest.mark.django_db
def test_progress_reported_inside_an_open_transaction_is_visible_at_once(api_as, province_admin):
    job = Job.objects.create(
        kind=JobKind.OCCUPATION_IMPORT, started_by=province_admin, status="running"
    )
    job.report_progress(40, 100, "第 40 行")
    Job.objects.filter(pk=job.pk).update(
        done=0
    )  # as another connection sees the row mid-transaction
    body = api_as(province_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["done"], body["total"], body["message"]) == (40, 100, "第 40 行")


@pytest.mark.django_db
def test_the_job_page_polls_until_the_job_finishes(client, province_admin):
    job = Job.objects.create(
        kind=JobKind.OCCUPATION_IMPORT, started_by=province_admin, done=1, total=4
    )
    client.force_login(province_admin)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'value="25"' in page and "job-progress.js" in page


@pytest.mark.django_db
def test_running_a_finished_job_again_changes_nothing(
    province_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(province_admin)
    job.refresh_from_db()
    finished_at = job.finished_at
    job.run()
    job.refresh_from_db()
    assert job.finished_at == finished_at and job.status == JobStatus.SUCCEEDED


@pytest.mark.celery_worker
def test_a_real_worker_runs_the_job_through_redis(live_db, celery_worker_process, province_admin):
    job = start_import(province_admin)  # committed at once: the worker is another process
    wait_for_the_end_of(job, 60)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 2
    assert Occupation.objects.get(code="4-14-02-02").level_numbers == [1, 2, 3]
    entry = AuditEntry.objects.filter(object_type="skilleval.occupation").first()
    assert entry.actor_name == "system:celery:skilleval.tasks.run_job"
