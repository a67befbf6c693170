"""A batch as a new user meets it: steps that wait for the exam (239号 四), a sign-off that says
beforehand what would stop the issuance, job pages written for people, links between a batch, its
jobs, its certificates and its print files, and a dashboard listing only one's own jobs."""

import shutil
import subprocess
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from certificates import issuance
from institutions.choices import BatchStatus, EligibilityStatus
from institutions.models import Batch, ExamRoom, Institution
from institutions.tickets import admission_tickets_pdf
from skilleval.choices import JobKind, JobStatus, Role
from skilleval.demo import make_photo_jpeg
from skilleval.job_pages import in_language
from skilleval.models import Job
from tests.clock import on
from tests.factories import (
    BatchFactory,
    UserFactory,
    make_candidate,
    occupation_with_resources,
    region,
)
from tests.test_certificate_views import PERSON, make_certificate
from tests.test_issuance import approved_batch, signatory_of
from tests.test_occupation_import import csv_bytes, start_import

pytestmark = pytest.mark.django_db
EXAM_STARTS, EXAM_ENDS = date(2027, 1, 19), date(2027, 1, 20)


def signed_in(user, language=None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def batch_at(status, institution, user, **fields) -> Batch:
    """A batch examined on 2027-01-19/20, written straight into the given state."""
    return BatchFactory(
        institution=institution,
        occupation=occupation_with_resources(),
        region=region("320115"),
        venue="江宁区某实训基地",
        examiners="张考评",
        exam_starts_on=EXAM_STARTS,
        exam_ends_on=EXAM_ENDS,
        created_by=user,
        status=status,
        tickets_generated_on=date(2026, 12, 1),
        **fields,
    )


@pytest.fixture
def examining(nanjing_institution, alice):
    batch = batch_at(BatchStatus.TICKETS_GENERATED, nanjing_institution, alice)
    room = ExamRoom.objects.create(batch=batch, name="第01考场", capacity=10)
    make_candidate(
        batch, 1, eligibility=EligibilityStatus.PASSED, room=room, seat=1, ticket_number="1"
    )
    return batch


# --- 1. dates in order (239号 四) -------------------------------------------------------------


class TestStepsWaitForTheExam:
    def test_scores_are_refused_until_the_day_after_the_exam_ends(self, examining, alice):
        candidate = examining.candidates.get()
        for day in (date(2026, 12, 4), EXAM_ENDS):
            with on(day), pytest.raises(ValidationError) as refused:
                candidate.record_scores(theory=80, practical=80)
            assert "考试结束后（2027-01-20 之后）方可录入成绩" in refused.value.messages[0]
            assert "239号 四" in refused.value.messages[0]
            with on(day), pytest.raises(ValidationError, match="方可录入成绩"):
                examining.record_examined(alice)
        with on(date(2027, 1, 21)):
            candidate.record_scores(theory=80, practical=80)
            examining.record_examined(alice)
        assert Batch.objects.get(pk=examining.pk).status == BatchStatus.EXAMINED

    def test_publicity_and_approval_wait_for_the_exam_too(
        self, nanjing_institution, alice, nanjing_staff
    ):
        examined = batch_at(BatchStatus.EXAMINED, nanjing_institution, alice)
        with on(date(2026, 12, 4)), pytest.raises(ValidationError, match="方可公示成绩"):
            examined.publicise_results(alice)
        publicised = batch_at(
            BatchStatus.RESULTS_PUBLICISED,
            nanjing_institution,
            alice,
            publicised_on=date(2026, 12, 4),
        )
        with on(date(2027, 1, 20)), pytest.raises(ValidationError, match="方可审核成绩"):
            publicised.approve_results(nanjing_staff)
        with on(date(2027, 1, 21)):
            examined.publicise_results(alice)
        assert examined.status == BatchStatus.RESULTS_PUBLICISED

    def test_no_sign_off_before_the_exam(self, nanjing_institution, alice):
        batch = batch_at(BatchStatus.RESULTS_APPROVED, nanjing_institution, alice)
        with on(date(2026, 12, 4)):
            problems = batch.issuance_problems()
            assert any("方可签发证书" in p for p in problems)
            with pytest.raises(ValidationError, match="方可签发证书"):
                batch.sign_off(signatory_of(nanjing_institution))
        assert not Job.objects.exists()

    def test_issued_certificates_carry_their_exam_date(self):
        batch = approved_batch(passing=1, failing=0)
        issuance.issue_batch(batch, signatory_of(batch.institution))
        assert batch.certificates.get().exam_ended_on == batch.exam_ends_on

    def test_the_database_refuses_a_certificate_dated_before_its_exam(self, nanjing_institution):
        make_certificate(nanjing_institution, issued_on=date(2027, 1, 21), exam_ended_on=EXAM_ENDS)
        with pytest.raises(IntegrityError), transaction.atomic():
            make_certificate(
                nanjing_institution, issued_on=date(2026, 12, 4), exam_ended_on=EXAM_ENDS
            )

    def test_the_page_says_when_scores_open_and_marks_the_steps_not_yet_open(
        self, examining, alice
    ):
        with on(date(2026, 12, 4)):
            page = html(signed_in(alice).get(reverse("batch-detail", args=[examining.pk])))
            english = html(signed_in(alice, "en").get(reverse("batch-detail", args=[examining.pk])))
        assert "考试结束后（2027-01-20 之后）方可录入成绩" in page
        assert page.count('class="locked"') == 4  # scores, publicity, approval, certificates
        assert "2027-01-21 起" in page
        assert reverse("batch-scores", args=[examining.pk]) not in page  # no form yet
        assert "Scores can be entered only after the exam ends (2027-01-20)" in english
        with on(date(2027, 1, 21)):
            page = html(signed_in(alice).get(reverse("batch-detail", args=[examining.pk])))
        assert 'class="locked"' not in page and "方可录入成绩" not in page
        assert reverse("batch-scores", args=[examining.pk]) in page


# --- 2. a sign-off that tells the truth -------------------------------------------------------


class TestSignOff:
    def test_every_reason_issuance_would_refuse_is_listed_at_once(self):
        batch = approved_batch(passing=3, failing=0)
        Institution.objects.filter(pk=batch.institution_id).update(province_serial=None)
        batch.candidates.filter(name="考生1").update(photo="")
        batch.candidates.filter(name="考生2").update(id_number_encrypted="", id_number_masked="")
        batch.refresh_from_db()
        problems = batch.issuance_problems()
        assert len(problems) == 3, problems
        assert "尚未分配省级机构序号" in problems[0]
        assert "1 名合格考生没有照片" in problems[1] and "考生1" in problems[1]
        assert "1 名合格考生没有证件号码" in problems[2] and "考生2" in problems[2]
        # The job refuses with the very same list, kept in both languages for its page.
        with pytest.raises(ValidationError) as refused:
            issuance.issue_batch(batch, signatory_of(batch.institution))
        assert [in_language(m, "zh-hans") for m in refused.value.messages] == problems
        with translation.override("en"):
            in_english = batch.issuance_problems()
        assert [in_language(m, "en") for m in refused.value.messages] == in_english

    def test_a_photo_file_lost_from_storage_is_listed(self):
        batch = approved_batch(passing=1, failing=0)
        default_storage.delete(batch.candidates.get().photo.name)
        assert any("照片文件已丢失" in p for p in batch.issuance_problems())

    def test_the_button_is_disabled_and_says_why(self):
        batch = approved_batch(passing=2, failing=0)
        batch.candidates.filter(name="考生1").update(photo="")
        page = html(
            signed_in(signatory_of(batch.institution)).get(reverse("batch-detail", args=[batch.pk]))
        )
        assert "以下问题解决后方可签发" in page and "考生1" in page
        assert 'disabled aria-describedby="sign-off-why"' in page

    def test_after_sign_off_the_message_says_the_job_failed_and_links_it(
        self, live_db, monkeypatch
    ):
        # Committed for real, as in the embedded demo: the job runs before the redirect.
        batch = approved_batch(passing=1, failing=0)
        signatory = signatory_of(batch.institution)

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(issuance, "render_and_store", broken)
        client = signed_in(signatory)
        response = client.post(reverse("batch-sign-off", args=[batch.pk]), follow=True)
        job = Job.objects.get()
        assert job.status == JobStatus.FAILED
        page = html(response)
        assert "证书核发任务失败" in page and "已签发，证书正在批量核发" not in page
        batch_page = html(client.get(reverse("batch-detail", args=[batch.pk])))
        assert "证书核发任务失败" in batch_page
        assert reverse("job-detail", args=[job.pk]) in batch_page

    def test_after_sign_off_a_queued_job_is_called_queued(self):
        batch = approved_batch(passing=1, failing=0)
        response = signed_in(signatory_of(batch.institution)).post(
            reverse("batch-sign-off", args=[batch.pk]), follow=True
        )
        assert "证书核发任务排队中" in html(response)


# --- 3. job pages for people --------------------------------------------------------------------


def failed_roster_job(batch, user) -> Job:
    """A roster import refused at row 5, as the roster job leaves it."""
    return Job.objects.create(
        kind=JobKind.ROSTER_IMPORT,
        status=JobStatus.FAILED,
        started_by=user,
        institution=batch.institution,
        params={"batch_id": batch.pk},
        input_file="jobs/input/2026/12/名单.xlsx",
        done=20,
        total=40,
        message="正在检查第 20 行 / Checking row 20",
        result={
            "errors": [
                {
                    "row": 5,
                    "column": "证件号码",
                    "value": "3201**********0001",
                    "zh": "证件号码校验位错误",
                    "en": "The check digit of the ID number is wrong",
                }
            ],
            "error_count": 1,
        },
        error="考生名单有 1 处错误，未导入任何考生 / 1 errors; nothing was imported\n"
        "第5行 证件号码：证件号码校验位错误 / The check digit of the ID number is wrong",
    )


class TestJobPages:
    def test_a_failed_roster_job_shows_a_table_in_the_readers_language(self, examining, alice):
        job = failed_roster_job(examining, alice)
        url = reverse("job-detail", args=[job.pk])
        page = html(signed_in(alice).get(url))
        assert f"批次 #{examining.pk} 车工 四级/中级工 考生名单导入" in page
        assert '<table class="table stack job-errors">' in page
        assert "证件号码校验位错误" in page and "3201**********0001" in page
        assert reverse("batch-detail", args=[examining.pk]) in page  # back to the batch
        assert "失败" in page
        for internal in ("{'row'", "error_count", "正在检查第 20 行", "20</span> / ", "jobs/input"):
            assert internal not in page, internal
        assert "<pre>" not in page
        english = html(signed_in(alice, "en").get(url))
        assert f"Roster import for batch #{examining.pk}" in english
        assert "The check digit of the ID number is wrong" in english
        assert "证件号码校验位错误" not in english

    def test_a_refused_occupation_import_lists_its_rows_with_their_values(
        self, province_admin, django_capture_on_commit_callbacks
    ):
        content = csv_bytes([["6-18-01-01", "车工", "", "5"], ["618-01-02", "铣工", "", "5"]])
        with django_capture_on_commit_callbacks(execute=True):
            job = start_import(province_admin, content)
        page = html(signed_in(province_admin).get(reverse("job-detail", args=[job.pk])))
        assert "job-errors" in page and "<code>618-01-02</code>" in page
        assert reverse("occupation-list") in page
        assert "{'" not in page

    def test_an_old_error_kept_as_a_list_repr_reads_as_lines_and_paths_are_hidden(
        self, examining, alice
    ):
        job = Job.objects.create(
            kind=JobKind.CERTIFICATE_ISSUANCE,
            status=JobStatus.FAILED,
            started_by=alice,
            params={"batch_id": examining.pk},
            error="['以下 1 名合格考生没有照片，不能核发证书：赵建国 / 1 passing candidates have "
            "no photo: 赵建国']",
        )
        page = html(signed_in(alice).get(reverse("job-detail", args=[job.pk])))
        assert "以下 1 名合格考生没有照片，不能核发证书：赵建国" in page
        assert "[&#x27;" not in page and "['" not in page
        assert f"批次 #{examining.pk} 车工 四级/中级工 证书核发" in page
        Job.objects.filter(pk=job.pk).update(
            error="[Errno 2] No such file or directory: '/srv/media/certificates/pdf/x.pdf'"
        )
        page = html(signed_in(alice).get(reverse("job-detail", args=[job.pk])))
        assert "/srv/media" not in page and "certificates/pdf" not in page

    def test_a_running_job_polls_the_api_from_a_static_script_and_refreshes_without_it(
        self, examining, alice
    ):
        job = Job.objects.create(
            kind=JobKind.ROSTER_IMPORT,
            status=JobStatus.RUNNING,
            started_by=alice,
            params={"batch_id": examining.pk},
            done=20,
            total=40,
            message="正在检查第 20 行 / Checking row 20",
        )
        page = html(signed_in(alice).get(reverse("job-detail", args=[job.pk])))
        assert f'data-api="/api/v1/jobs/{job.pk}/"' in page
        assert "js/job-progress.js" in page
        assert '<noscript><meta http-equiv="refresh"' in page
        assert "正在检查第 20 行" in page and "Checking row" not in page
        assert "<script>" not in page  # no inline script (CSP)


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    """A batch issued through the sign-off job, and the job."""
    batch = approved_batch(passing=2, failing=0)
    with django_capture_on_commit_callbacks(execute=True):
        job = batch.sign_off(signatory_of(batch.institution))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    batch.refresh_from_db()
    return batch, job


class TestIssuedBatch:
    def test_the_issuance_job_page_offers_the_print_pdf_and_hides_paths_and_timings(self, issued):
        batch, job = issued
        page = html(signed_in(signatory_of(batch.institution)).get(job_url(job)))
        assert f"批次 #{batch.pk} 车工 四级/中级工 证书核发" in page
        assert reverse("job-print-pdf", args=[job.pk]) in page
        assert reverse("job-result", args=[job.pk]) in page
        assert f"{reverse('certificate-list')}?batch={batch.pk}" in page
        for internal in ("timings", "merged_pdf", "certificates/issuance", "rendered_by"):
            assert internal not in page, internal

    def test_the_merged_print_pdf_is_for_the_institution_only(self, issued, charlie):
        batch, job = issued
        colleague = UserFactory(
            username="colleague", role=Role.INSTITUTION_STAFF, institution=batch.institution
        )
        url = reverse("job-print-pdf", args=[job.pk])
        response = signed_in(colleague).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert signed_in(charlie).get(url).status_code == 404

    def test_the_batch_page_links_its_certificates_job_and_print_files(self, issued):
        batch, job = issued
        page = html(signed_in(signatory_of(batch.institution)).get(batch_url(batch)))
        assert f"{reverse('certificate-list')}?batch={batch.pk}" in page
        assert reverse("job-detail", args=[job.pk]) in page
        assert reverse("job-print-pdf", args=[job.pk]) in page
        assert reverse("job-result", args=[job.pk]) in page

    def test_the_batch_certificate_list_links_back_to_the_batch_and_print_files(self, issued):
        batch, job = issued
        listing = html(
            signed_in(signatory_of(batch.institution)).get(
                reverse("certificate-list"), {"batch": batch.pk}
            )
        )
        assert batch_url(batch) in listing
        assert reverse("job-print-pdf", args=[job.pk]) in listing


def job_url(job):
    return reverse("job-detail", args=[job.pk])


def batch_url(batch):
    return reverse("batch-detail", args=[batch.pk])


# --- 4. certificate ↔ batch ↔ the holder's other certificates ----------------------------------


def test_a_certificate_links_its_batch_and_the_holders_other_certificates_in_scope(
    nanjing_institution, suzhou_institution, alice
):
    batch = batch_at(BatchStatus.CERTIFICATES_ISSUED, nanjing_institution, alice)
    first = make_certificate(nanjing_institution, id_number=PERSON, batch=batch)
    second = make_certificate(nanjing_institution, id_number=PERSON, number="Y0000320001232640099")
    elsewhere = make_certificate(
        suzhou_institution, id_number=PERSON, number="S0000320009992640001"
    )
    page = html(signed_in(alice).get(reverse("certificate-detail", args=[first.pk])))
    assert batch_url(batch) in page
    assert reverse("certificate-detail", args=[second.pk]) in page
    assert reverse("certificate-detail", args=[elsewhere.pk]) not in page  # outside alice's scope
    assert elsewhere.number not in page


# --- 5. my jobs -------------------------------------------------------------------------------


def test_my_jobs_on_a_province_dashboard_are_only_my_own(province_admin, alice):
    mine = Job.objects.create(kind=JobKind.OCCUPATION_IMPORT, started_by=province_admin)
    theirs = Job.objects.create(kind=JobKind.ROSTER_IMPORT, started_by=alice)
    page = html(signed_in(province_admin).get(reverse("dashboard")))
    assert job_url(mine) in page and job_url(theirs) not in page


# --- 6. the admission ticket ----------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_ticket_labels_stand_apart_from_their_values_and_the_seat_has_its_own_line(
    examining,
):
    photo = default_storage.save("tests/photos/ticket.jpg", ContentFile(make_photo_jpeg()))
    examining.candidates.update(name="赵建国", seat=18, photo=photo)
    words = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"],
        input=admission_tickets_pdf(examining),
        capture_output=True,
        check=True,
    ).stdout.decode()

    def box(text):
        """(xMin, yMin, xMax) of the first word that is exactly `text`."""
        for line in words.splitlines():
            if line.strip().endswith(f">{text}</word>"):
                parts = dict(p.split("=") for p in line.split()[1:5])
                return tuple(float(parts[k].strip('"')) for k in ("xMin", "yMin", "xMax"))
        raise AssertionError(f"{text} is not a word of its own")

    label, name = box("姓名"), box("赵建国")  # once "姓 名赵建国", one run of text
    assert name[0] - label[2] >= 5  # points of white between label and value
    seat_label, seat = box("座位号"), box("18")
    assert abs(seat[1] - seat_label[1]) < 1 and seat[0] - seat_label[2] >= 5  # on one line
