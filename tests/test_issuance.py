"""Bulk issuance of a batch's certificates (54号 四), its resumability, the 239号 二(三) deadline for
vocational qualification certificates, and proofs instead of new certificates."""

import io
import subprocess
import zipfile
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from certificates import issuance, pdf
from certificates.choices import CertificateKind, PrintKind, ProofReason
from certificates.models import Certificate, CertificatePrint, NumberSeries, Proof
from certificates.numbering import prefix_for
from institutions.choices import (
    BatchStatus,
    EligibilityStatus,
    EvaluationType,
    InstitutionKind,
)
from institutions.models import Batch
from skilleval.choices import JobStatus, Role
from skilleval.demo import make_photo_jpeg
from skilleval.models import Job
from tests.clock import on
from tests.conftest import start_celery_worker
from tests.factories import (
    BatchFactory,
    InstitutionFactory,
    UserFactory,
    make_candidate,
    occupation_with_resources,
    region,
)
from tests.waiting import wait_for, wait_for_the_end_of


def approved_batch(
    *,
    passing=3,
    failing=1,
    evaluation_type=EvaluationType.SKILL_LEVEL,
    photos=True,
    institution=None,
    names=None,
):
    """A batch whose results are approved, written straight to the database (the workflow has its
    own tests in test_batches.py)."""
    institution = institution or InstitutionFactory(
        name="南京测试机电有限公司",
        kind=InstitutionKind.EMPLOYER,
        province_serial="000123",
        vq_station_type=4,
        vq_station_serial="007",
        responsible_person="张三",
    )
    occupation = occupation_with_resources()
    staff = UserFactory(
        username=f"staff-{institution.pk}", role=Role.INSTITUTION_STAFF, institution=institution
    )
    batch = BatchFactory(
        institution=institution,
        occupation=occupation,
        evaluation_type=evaluation_type,
        region=region("320115"),
        venue="江宁区某实训基地",
        exam_starts_on=date(2020, 11, 1),
        exam_ends_on=date(2020, 11, 2),
        created_by=staff,
    )
    photo = default_storage.save("tests/photos/one-inch.jpg", ContentFile(make_photo_jpeg()))
    names = names or [f"考生{n}" for n in range(passing)]
    for n, name in enumerate(names):
        make_candidate(
            batch,
            n,
            name=name,
            eligibility=EligibilityStatus.PASSED,
            passed=True,
            photo=photo if photos else "",
        )
    for n in range(failing):
        make_candidate(
            batch, 900 + n, name=f"未通过{n}", passed=False
        )  # ID numbers differ below 1000
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.RESULTS_APPROVED)
    batch.refresh_from_db()
    return batch


def signatory_of(institution):
    return UserFactory(
        username=f"signatory-{institution.pk}",
        role=Role.INSTITUTION_SIGNATORY,
        institution=institution,
    )


def sequences(batch) -> list[int]:
    return sorted(int(n[-6:]) for n in batch.certificates.values_list("number", flat=True))


@pytest.mark.django_db
class TestIssuance:
    def test_every_passing_candidate_gets_one_certificate_numbered_from_one(self):
        batch = approved_batch(passing=3, failing=1)
        result = issuance.issue_batch(batch, signatory_of(batch.institution))
        batch.refresh_from_db()
        assert batch.status == BatchStatus.CERTIFICATES_ISSUED
        certificates = list(batch.certificates.order_by("number"))
        assert [c.number for c in certificates] == [f"Y00003200012326400000{n}" for n in (1, 2, 3)]
        assert {c.candidate.name for c in certificates} == {"考生0", "考生1", "考生2"}
        assert all(c.candidate.passed for c in certificates)
        first = certificates[0]
        assert first.kind == CertificateKind.SKILL_LEVEL
        assert first.signatory == "张三" and first.level_display == "四级/中级工"
        assert first.issued_on == timezone.localdate()
        assert first.photo.name == first.candidate.photo.name
        assert result["certificates"] == 3 and result["created"] == 3

    def test_it_writes_a_pdf_per_certificate_a_merged_print_file_and_a_zip(self):
        batch = approved_batch(passing=3)
        result = issuance.issue_batch(batch, signatory_of(batch.institution))
        for certificate in batch.certificates.all():
            with default_storage.open(certificate.pdf.name) as file:
                assert pdf.page_count(file.read()) == 1
        with default_storage.open(result["merged_pdf"]) as file:
            assert pdf.page_count(file.read()) == 3
        with default_storage.open(result["zip"]) as file:
            names = zipfile.ZipFile(io.BytesIO(file.read())).namelist()
        assert names == [
            f"{c.number}-{c.holder_name}.pdf" for c in batch.certificates.order_by("number")
        ]
        assert (
            CertificatePrint.objects.filter(
                certificate__batch=batch, kind=PrintKind.ISSUANCE
            ).count()
            == 3
        )

    def test_a_candidate_without_a_photo_blocks_issuance_with_their_name(self):
        batch = approved_batch(passing=2)
        batch.candidates.filter(name="考生1").update(photo="")
        with pytest.raises(ValidationError, match="考生1"):
            issuance.issue_batch(batch, signatory_of(batch.institution))
        assert not batch.certificates.exists()

    def test_a_batch_whose_results_are_not_approved_is_refused(self):
        batch = approved_batch()
        Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.RESULTS_PUBLICISED)
        with pytest.raises(ValidationError, match="成绩审核通过后"):
            issuance.issue_batch(batch, signatory_of(batch.institution))

    def test_running_issuance_twice_creates_nothing_new(self):
        batch = approved_batch(passing=3)
        signatory = signatory_of(batch.institution)
        issuance.issue_batch(batch, signatory)
        numbers = set(Certificate.objects.values_list("number", flat=True))
        with pytest.raises(ValidationError):
            issuance.issue_batch(batch, signatory)  # now certificates_issued: refused
        assert set(Certificate.objects.values_list("number", flat=True)) == numbers
        assert CertificatePrint.objects.count() == 3
        assert NumberSeries.objects.get().last == 3

    def test_an_interrupted_run_finishes_without_gaps_or_duplicates(self, monkeypatch):
        batch = approved_batch(passing=5)
        signatory = signatory_of(batch.institution)
        monkeypatch.setattr(issuance, "NUMBER_CHUNK", 2)
        real_render = pdf.render_chunk

        def worker_killed(task):
            raise SystemExit("worker killed while rendering")

        monkeypatch.setattr(pdf, "render_chunk", worker_killed)
        with pytest.raises(SystemExit):
            issuance.issue_batch(batch, signatory)
        assert batch.certificates.count() == 5  # numbers were stored, no PDF yet
        assert not batch.certificates.exclude(pdf="").exists()

        monkeypatch.setattr(pdf, "render_chunk", real_render)
        result = issuance.issue_batch(batch, signatory)
        assert result["created"] == 0
        assert sequences(batch) == [1, 2, 3, 4, 5]
        assert batch.candidates.filter(passed=True, certificate__isnull=True).count() == 0
        assert not batch.certificates.filter(pdf="").exists()
        batch.refresh_from_db()
        assert batch.status == BatchStatus.CERTIFICATES_ISSUED

    def test_a_run_stopped_after_some_pdfs_renders_only_the_rest(self, monkeypatch):
        batch = approved_batch(passing=5)
        signatory = signatory_of(batch.institution)
        monkeypatch.setattr(issuance, "RENDER_CHUNK", 2)
        real_render, calls = pdf.render_chunk, []

        def render_then_die(task):
            if calls:
                raise SystemExit("killed")
            calls.append(task)
            return real_render(task)

        monkeypatch.setattr(pdf, "render_chunk", render_then_die)
        with pytest.raises(SystemExit):
            issuance.issue_batch(batch, signatory)
        monkeypatch.setattr(pdf, "render_chunk", real_render)
        result = issuance.issue_batch(batch, signatory)
        assert result["rendered_chunks"] == 2  # of 3: the first chunk was complete
        assert result["pages"] == 5 and sequences(batch) == [1, 2, 3, 4, 5]

    def test_the_job_issues_the_batch_and_offers_both_files(
        self, django_capture_on_commit_callbacks
    ):
        batch = approved_batch(passing=2)
        signatory = signatory_of(batch.institution)
        with django_capture_on_commit_callbacks(execute=True):
            job = batch.sign_off(signatory)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result_file.name.endswith(".zip") and default_storage.exists(
            job.result_file.name
        )
        assert default_storage.exists(job.result["merged_pdf"])
        assert job.result["certificates"] == 2

    def test_certificates_carry_the_sign_off_date_when_the_job_runs_days_later(self):
        batch = approved_batch(passing=2)
        with on(date(2020, 12, 30)):
            job = batch.sign_off(signatory_of(batch.institution))  # queued: no worker ran it
        with on(date(2021, 1, 4)):  # the worker gets to it after the new year
            job.run()
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert set(batch.certificates.values_list("issued_on", flat=True)) == {date(2020, 12, 30)}
        prefix = prefix_for(
            CertificateKind.SKILL_LEVEL,
            institution=batch.institution,
            issued_on=date(2020, 12, 30),
            level=batch.level,
        )
        assert all(
            n.startswith(prefix) for n in batch.certificates.values_list("number", flat=True)
        )

    def test_a_name_no_font_can_draw_is_refused_before_any_number(self):
        from certificates import fonts

        missing = [chr(cp) for cp in range(0x2EBF0, 0x2EC00) if fonts.missing_glyphs(chr(cp))]
        if not missing:
            pytest.skip("every candidate character has a glyph in an installed font")
        batch = approved_batch(names=["王小明", "赵" + missing[0]])
        # Listed with every other problem (Batch.issuance_problems), before any number.
        with pytest.raises(ValidationError, match=f"U\\+{ord(missing[0]):04X}"):
            issuance.issue_batch(batch, signatory_of(batch.institution))
        assert not NumberSeries.objects.exists()


@pytest.mark.django_db
class TestVocationalQualificationExit:
    """239号 二(三): no level-evaluation vocational qualification certificate from 2021-02-01."""

    def test_a_vocational_qualification_batch_on_31_january_2021_is_issued(self):
        batch = approved_batch(evaluation_type=EvaluationType.VOCATIONAL_QUALIFICATION)
        with on(date(2021, 1, 31)):
            issuance.issue_batch(batch, signatory_of(batch.institution))
        # year 21, Jiangsu 32, Nanjing 01, enterprise station 4, serial 007, level 4, sequence
        assert batch.certificates.get(candidate__name="考生0").number == "2132014007400001"

    def test_a_vocational_qualification_batch_from_1_february_2021_is_refused(self):
        batch = approved_batch(evaluation_type=EvaluationType.VOCATIONAL_QUALIFICATION)
        with on(date(2021, 2, 1)), pytest.raises(ValidationError, match="239号 二\\(三\\)"):
            issuance.issue_batch(batch, signatory_of(batch.institution))
        assert not batch.certificates.exists()

    def test_a_skill_level_batch_is_issued_after_the_exit(self):
        batch = approved_batch()
        with on(date(2021, 3, 1)):
            issuance.issue_batch(batch, signatory_of(batch.institution))
        assert batch.certificates.count() == 3


@pytest.mark.django_db
class TestProofs:
    @pytest.fixture
    def vq_certificate(self):
        batch = approved_batch(passing=1, evaluation_type=EvaluationType.VOCATIONAL_QUALIFICATION)
        with on(date(2021, 1, 20)):
            issuance.issue_batch(batch, signatory_of(batch.institution))
        return batch.certificates.get()

    def test_a_lost_vocational_qualification_certificate_gets_a_proof(
        self, vq_certificate, tmp_path
    ):
        staff = UserFactory(
            username="proof-staff",
            role=Role.INSTITUTION_STAFF,
            institution=vq_certificate.institution,
        )
        with on(date(2022, 6, 1)):
            proof = issuance.issue_proof(vq_certificate, staff, ProofReason.LOST, "本人遗失")
        assert proof.issued_on == date(2022, 6, 1)
        with default_storage.open(proof.pdf.name) as file:
            data = file.read()
        (tmp_path / "proof.pdf").write_bytes(data)
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "proof.pdf"), "-"], capture_output=True, text=True
        ).stdout
        for expected in ("证明", vq_certificate.number, "考生0", "证书遗失", "2022年6月1日"):
            assert expected in text, expected

    def test_no_new_certificate_is_printed_for_it_after_the_exit(self, vq_certificate):
        with on(date(2022, 6, 1)), pytest.raises(ValidationError, match="239号 二\\(三\\)"):
            vq_certificate.reprint(signatory_of(vq_certificate.institution))
        assert not vq_certificate.prints.filter(kind=PrintKind.REPRINT).exists()

    def test_a_skill_level_certificate_gets_no_proof(self):
        batch = approved_batch(passing=1)
        issuance.issue_batch(batch, signatory_of(batch.institution))
        certificate = batch.certificates.get()
        with pytest.raises(ValidationError, match="职业资格证书"):
            issuance.issue_proof(certificate, signatory_of(batch.institution), ProofReason.LOST)
        assert not Proof.objects.exists()

    def test_only_the_original_issuer_gives_the_proof(self, vq_certificate, charlie):
        with pytest.raises(PermissionDenied):
            issuance.issue_proof(vq_certificate, charlie, ProofReason.WRONG)


# --- a real worker killed mid-job (PostgreSQL, Redis) -------------------------------------------------


def start_worker(settings, name="second"):
    """Another `celery worker` process, started the way the first one was."""
    return start_celery_worker(settings, name)


def assert_issued_once(job, batch, passing):
    """The job ended well: every passing candidate holds exactly one certificate with its PDF and
    print record, nobody else holds one, and the series runs 1…passing without a gap."""
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CERTIFICATES_ISSUED
    passing_candidates = batch.candidates.filter(passed=True)
    assert passing_candidates.count() == passing
    assert passing_candidates.filter(certificate__isnull=True).count() == 0
    assert batch.certificates.count() == passing
    assert sequences(batch) == list(range(1, passing + 1))
    assert Certificate.objects.filter(candidate__batch=batch, candidate__passed=False).count() == 0
    assert not batch.certificates.filter(pdf="").exists()
    assert CertificatePrint.objects.filter(certificate__batch=batch).count() == passing


def wait_for_the_first_numbers(job, batch):
    """Until the running job has allocated some certificate numbers: work is visible. (Not the
    row's progress count: the row is written at most every few seconds, and a quick run may
    finish between two writes.)"""
    wait_for(
        lambda: (
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exists()
            and Certificate.objects.filter(candidate__batch=batch).exists()
        ),
        120,
        "the job to start",
    )


@pytest.mark.celery_worker
def test_killing_the_worker_mid_job_and_running_it_again_issues_each_certificate_once(
    live_db, on_postgres, celery_worker_process, settings
):
    passing = 240  # three render chunks and several number chunks
    batch = approved_batch(passing=passing, failing=2)
    signatory = signatory_of(batch.institution)
    job = batch.sign_off(signatory)  # committed at once: the worker is another process

    # Kill the worker while the job is running, once some work is visible.
    wait_for_the_first_numbers(job, batch)
    celery_worker_process.kill()
    celery_worker_process.wait()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # it died mid-run
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RESULTS_APPROVED

    worker = start_worker(settings)
    try:
        # The sweeper (beat, every minute) finds the heartbeat stopped and sends the job again;
        # here its staleness is written rather than waited for.
        stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER + 1)
        Job.objects.filter(pk=job.pk).update(heartbeat_at=stale)
        assert Job.objects.sweep()["requeued"] == [job.pk]
        wait_for_the_end_of(job)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert_issued_once(job, batch, passing)


@pytest.mark.celery_worker
def test_one_batch_spread_over_two_workers_gives_one_certificate_each_in_a_gap_free_series(
    live_db, on_postgres, celery_worker_process, settings
):
    """The render chunks of one batch go to whichever worker is free (a chord); the callback
    merges and zips once all are done."""
    passing = 300  # three render chunks
    second = start_worker(settings)
    try:
        batch = approved_batch(passing=passing, failing=3)
        job = batch.sign_off(signatory_of(batch.institution))
        wait_for_the_end_of(job)
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert_issued_once(job, batch, passing)
    # Both worker processes rendered: the chunks were spread, not run inside the first.
    assert len(job.result["rendered_by"]) == 2, job.result["rendered_by"]
    assert sum(job.result["rendered_by"].values()) == passing
    assert job.result["pages"] == passing and job.result_file.name == job.result["zip"]
