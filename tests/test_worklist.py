"""The to-do list on each dashboard: what waits for this user, oldest first, with a link."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from institutions.choices import BatchStatus, FilingStatus
from institutions.models import Batch, Filing
from skilleval.choices import JobKind, JobStatus, Role, in_chinese
from skilleval.models import Job
from skilleval.worklist import work_queues
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    approved_filing,
    planned_batch,
    region,
)

pytestmark = pytest.mark.django_db


def queue(user, name):
    return next(q for q in work_queues(user) if in_chinese(q.name) == name)


def submitted_filing(institution, days_ago):
    filing = Filing.objects.create(
        institution=institution,
        authority=institution.city,
        status=FilingStatus.SUBMITTED,
        created_by=UserFactory(role=Role.INSTITUTION_STAFF, institution=institution),
    )
    Filing.objects.filter(pk=filing.pk).update(
        submitted_at=timezone.now() - timedelta(days=days_ago)
    )
    return filing


def test_a_city_clerk_sees_the_filings_waiting_for_her_oldest_first(nanjing_staff):
    newer = submitted_filing(InstitutionFactory(county=region("320115")), days_ago=1)
    older = submitted_filing(InstitutionFactory(county=region("320102")), days_ago=6)
    submitted_filing(InstitutionFactory(county=region("320508")), days_ago=9)  # Suzhou's

    waiting = queue(nanjing_staff, "待审核的机构备案")

    assert waiting.total == 2
    assert [t.url for t in waiting.tasks] == [
        f"/institutions/filings/{older.pk}/",
        f"/institutions/filings/{newer.pk}/",
    ]
    assert [t.age_days for t in waiting.tasks] == [6, 1]


def test_the_signatory_sees_approved_batches_to_sign_off_and_no_other_institutions(
    nanjing_institution, suzhou_institution, lathe
):
    signatory = UserFactory(
        role=Role.INSTITUTION_SIGNATORY, institution=nanjing_institution, username="sig"
    )
    outsider = UserFactory(
        role=Role.INSTITUTION_SIGNATORY, institution=suzhou_institution, username="sig2"
    )
    approved_filing(nanjing_institution, [(lathe, 4)], regions=["320100"])
    batch = planned_batch(
        nanjing_institution,
        UserFactory(role=Role.INSTITUTION_STAFF, institution=nanjing_institution),
        lathe,
        exam_starts_on=date(2026, 12, 1),
        exam_ends_on=date(2026, 12, 2),
    )
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.RESULTS_APPROVED)

    assert [t.url for t in queue(signatory, "成绩已审核、待签发证书的批次").tasks] == [
        f"/institutions/batches/{batch.pk}/"
    ]
    assert queue(outsider, "成绩已审核、待签发证书的批次").total == 0


def test_the_dashboard_shows_the_to_do_list_and_the_navigation_counts_it(client, nanjing_staff):
    submitted_filing(InstitutionFactory(county=region("320115")), days_ago=3)
    client.force_login(nanjing_staff)

    page = client.get("/dashboard/").content.decode()

    assert "待审核的机构备案" in page
    assert 'title="待办事项">1</span>' in page  # the badge beside 工作台


def test_my_jobs_on_the_dashboard_are_only_my_own(client, province_admin):
    other = UserFactory(role=Role.PROVINCE_ADMIN, username="other-admin")
    Job.objects.create(kind=JobKind.OCCUPATION_IMPORT, status=JobStatus.FAILED, started_by=other)
    mine = Job.objects.create(
        kind=JobKind.OCCUPATION_IMPORT, status=JobStatus.FAILED, started_by=province_admin
    )
    client.force_login(province_admin)

    jobs = client.get("/dashboard/").context["jobs"]

    assert list(jobs) == [mine]


def test_an_institution_sees_each_batch_with_the_action_it_takes_next(nanjing_institution, lathe):
    staff = UserFactory(role=Role.INSTITUTION_STAFF, institution=nanjing_institution)
    approved_filing(nanjing_institution, [(lathe, 4)], regions=["320100"])
    batch = planned_batch(
        nanjing_institution,
        staff,
        lathe,
        exam_starts_on=date(2026, 12, 21),
        exam_ends_on=date(2026, 12, 22),
    )
    running = queue(staff, "进行中的评价批次")
    assert [t.next_step for t in running.tasks] == ["下一步：发布评价计划"]

    batch.publish_plan(staff)
    running = queue(staff, "进行中的评价批次")
    assert [t.next_step for t in running.tasks] == ["下一步：上传考生名单和照片"]
