"""Bulk issuance of a batch's certificates, and proofs for exited vocational qualifications.

谁评价、谁发证、谁负责 (54号 四): once a batch's results are approved, the institution's signatory
signs off and the job (certificates/tasks.py) issues every passing candidate's certificate:
  (a) numbers — chunks of candidates without a certificate, each in one transaction that allocates
      the chunk's numbers (row-locked, gap-free) and stores its certificates;
  (b) PDFs — certificates without a PDF, rendered many per WeasyPrint document, chunk by chunk:
      in the job, each chunk a task any worker may take (a chord; its callback does the rest);
  (c) one merged print PDF in number order, and a ZIP of the individual PDFs;
  (d) a print record per certificate; (e) the batch becomes `certificates_issued`.
Every step finds what an earlier, interrupted run left and carries on from there, so a worker killed
at any point and the job run again ends with each passing candidate holding exactly one certificate
and no gap or duplicate in the numbers.
"""

import logging
import time
import zipfile
from contextlib import ExitStack

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from certificates import fonts, pdf
from certificates.choices import CertificateKind, PrintKind, ProofReason
from certificates.models import Certificate, CertificatePrint, Proof
from certificates.numbering import SEQUENCE_WIDTH, allocate, issued_run, prefix_for
from institutions.choices import EvaluationType
from institutions.models import Batch
from skilleval import storage
from skilleval.choices import AuditAction
from skilleval.job_pages import in_both_languages
from skilleval.models import AuditEntry, Job

log = logging.getLogger(__name__)

NUMBER_CHUNK = 500  # candidates numbered per transaction
RENDER_CHUNK = 100  # certificates laid out per WeasyPrint document
# Progress lines of the issuance job, kept in both languages for its page.
NUMBERING = gettext_lazy("生成证书编号 %(done)s/%(total)s")
RENDERING = gettext_lazy("生成证书 PDF %(done)s/%(total)s")
ZIPPING = gettext_lazy("打包 ZIP %(done)s/%(total)s")

CERTIFICATE_KIND = {
    EvaluationType.SKILL_LEVEL: CertificateKind.SKILL_LEVEL,
    EvaluationType.VOCATIONAL_QUALIFICATION: CertificateKind.VOCATIONAL_QUALIFICATION,
    EvaluationType.SPECIAL_ABILITY: CertificateKind.SPECIAL_ABILITY,
}


def _no_progress(done, total=None, message=None):
    pass


# --- outputs, named per batch so that a rerun finds them -----------------------------------------


def outputs(batch) -> dict:
    """Where a batch's issuance puts its files (names in default storage)."""
    folder = f"certificates/issuance/batch-{batch.pk}"
    return {
        "folder": folder,
        "zip": f"{folder}/证书-批次{batch.pk}.zip",
        "merged_pdf": f"{folder}/证书-批次{batch.pk}-打印.pdf",
    }


def _chunk_name(batch, chunk) -> str:
    return f"{outputs(batch)['folder']}/chunks/{chunk[0].number}-{chunk[-1].number}.pdf"


def _certificate_pdf_name(certificate) -> str:
    # The field's upload_to is certificates/pdf/%Y/%m/; the number makes the name unique, so a
    # rerun writes over the file of an interrupted run instead of adding another.
    return f"certificates/pdf/{certificate.issued_on:%Y/%m}/{certificate.number}.pdf"


# --- checks -------------------------------------------------------------------------------------


def check_issuable(batch, today) -> None:
    """What must hold before any number is handed out; every problem is listed at once. The
    batch page shows the same list before the signatory signs off (Batch.issuance_problems)."""
    problems = batch.issuance_problems(today)
    if problems:
        # Kept on the job in both languages: its page shows the reader's (job_pages.in_language).
        with translation.override("zh-hans"):
            chinese = batch.issuance_problems(today)
        with translation.override("en"):
            english = batch.issuance_problems(today)
        raise ValidationError([" / ".join(pair) for pair in zip(chinese, english, strict=True)])


# --- (a) numbers ----------------------------------------------------------------------------------


def _number_chunk(batch, kind, today, prefix) -> list[Certificate]:
    """Certificates for the next chunk of candidates without one, in one transaction."""
    with transaction.atomic():
        # One issuer per batch at a time: a second run waits here, then finds the work done.
        Batch.objects.select_for_update().filter(pk=batch.pk).first()
        candidates = list(
            batch.candidates.filter(passed=True, certificate__isnull=True).order_by("pk")[
                :NUMBER_CHUNK
            ]
        )
        if not candidates:
            return []
        numbers = allocate(prefix, SEQUENCE_WIDTH[kind], len(candidates))
        institution, occupation = batch.institution, batch.occupation
        certificates = [
            Certificate(
                kind=kind,
                number=number,
                institution=institution,
                batch=batch,
                candidate=candidate,
                **Certificate.holder_fields(candidate),
                occupation=occupation,
                work_type=occupation.work_type,
                level=None if kind == CertificateKind.SPECIAL_ABILITY else batch.level,
                issued_on=today,
                exam_ended_on=batch.exam_ends_on,
                signatory=institution.responsible_person,
                photo=candidate.photo.name,
            )
            for candidate, number in zip(candidates, numbers, strict=True)
        ]
        Certificate.objects.bulk_create(certificates)
        # bulk_create sends no signals: one summary entry per chunk for the audit log.
        AuditEntry.objects.record_many(
            [
                {
                    "action": AuditAction.CREATE,
                    "object_type": "certificates.certificate",
                    "object_id": f"batch:{batch.pk}",
                    "object_repr": f"批次 {batch.pk} 核发证书 {numbers[0]} – {numbers[-1]}",
                    "after": {"batch": batch.pk, **issued_run(numbers, today)},
                }
            ]
        )
    return certificates


# --- (b) PDFs -------------------------------------------------------------------------------------


def chunk_done(batch, chunk) -> bool:
    return all(c.pdf for c in chunk) and default_storage.exists(_chunk_name(batch, chunk))


def chunked(certificates) -> list[list[Certificate]]:
    """The render chunks, in number order: the same chunks for every run, so a chunk file found
    by a rerun is the chunk it would render."""
    return [certificates[i : i + RENDER_CHUNK] for i in range(0, len(certificates), RENDER_CHUNK)]


def render_and_store(batch, chunk, sign=True) -> None:
    """Render one chunk (many pages per WeasyPrint document), store its files, and record each
    certificate's PDF: the whole step is safe to repeat."""
    fonts.prepare()  # the cached font faces, built once per process
    rendered = pdf.render_chunk(
        {
            "pages": [pdf.certificate_page(c) for c in chunk],
            "names": [_certificate_pdf_name(c) for c in chunk],
            "chunk": _chunk_name(batch, chunk),
            "sign": sign,
        }
    )
    with transaction.atomic():
        Certificate.objects.bulk_update(
            [Certificate(pk=pk, pdf=name) for pk, name in rendered], ["pdf"]
        )
        AuditEntry.objects.record_many(
            [
                {
                    "action": AuditAction.UPDATE,
                    "object_type": "certificates.certificate",
                    "object_id": f"batch:{batch.pk}",
                    "object_repr": f"批次 {batch.pk} 证书 PDF {len(rendered)} 份",
                    "after": {"batch": batch.pk, "pdf": len(rendered)},
                }
            ]
        )
    for certificate in chunk:
        certificate.pdf.name = _certificate_pdf_name(certificate)


def still_to_render(batch, certificates) -> tuple[list[list[Certificate]], int]:
    """The chunks an earlier run did not finish, and how many certificates are rendered."""
    todo = [chunk for chunk in chunked(certificates) if not chunk_done(batch, chunk)]
    return todo, len(certificates) - sum(len(chunk) for chunk in todo)


def _render_here(batch, certificates, progress, sign=True) -> int:
    """Render the chunks not done yet, one after the other in this process (issue_batch; the job
    spreads them over the workers instead)."""
    todo, done = still_to_render(batch, certificates)
    total = len(certificates)
    progress(done, total, in_both_languages(RENDERING, {"done": done, "total": total}))
    for chunk in todo:
        render_and_store(batch, chunk, sign)
        done += len(chunk)
        progress(done, total, in_both_languages(RENDERING, {"done": done, "total": total}))
    return len(todo)


# --- (c) the merged print PDF and the ZIP ------------------------------------------------------------


def _merge(batch, chunks) -> tuple[str, int]:
    name = outputs(batch)["merged_pdf"]
    with ExitStack() as stack, storage.writing(name) as target:
        sources = [
            stack.enter_context(storage.reading(_chunk_name(batch, chunk))) for chunk in chunks
        ]
        pages = pdf.merge_pdfs(sources, target)
    return name, pages


def _zip(batch, certificates, progress) -> str:
    """The individual PDFs, stored as they are (they are compressed already)."""
    name = outputs(batch)["zip"]
    total = len(certificates)
    with (
        storage.writing(name) as target,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for n, certificate in enumerate(certificates, start=1):
            with storage.reading(certificate.pdf.name) as source:
                archive.write(source, f"{certificate.number}-{certificate.holder_name}.pdf")
            if n % 1000 == 0 or n == total:
                progress(n, total, in_both_languages(ZIPPING, {"done": n, "total": total}))
    return name


# --- the whole issuance -------------------------------------------------------------------------------


def prepared(batch, issued_on=None):
    """The batch read afresh, the issue day, the certificate kind; refused (ValidationError) with
    every problem at once when the batch may not be issued."""
    batch = Batch.objects.select_related("institution", "occupation").get(pk=batch.pk)
    today = issued_on or timezone.localdate()
    check_issuable(batch, today)
    return batch, today, CERTIFICATE_KIND[batch.evaluation_type]


def number_all(batch, kind, today, progress) -> tuple[list[Certificate], int]:
    """(a) A certificate for every passing candidate without one, chunk by chunk; all the batch's
    certificates in number order, and how many this run created."""
    total = batch.candidates.filter(passed=True).count()
    prefix = prefix_for(kind, institution=batch.institution, issued_on=today, level=batch.level)
    numbered = batch.certificates.count()
    created = 0
    progress(numbered, total, in_both_languages(NUMBERING, {"done": numbered, "total": total}))
    while chunk := _number_chunk(batch, kind, today, prefix):
        created += len(chunk)
        numbered += len(chunk)
        progress(numbered, total, in_both_languages(NUMBERING, {"done": numbered, "total": total}))
    certificates = list(
        batch.certificates.select_related("institution", "occupation").order_by("number")
    )
    holders = {c.candidate_id for c in certificates}
    if len(certificates) != total or len(holders) != total:
        raise RuntimeError(
            gettext("批次 %(pk)s：%(total)s 名合格考生，却有 %(count)s 张证书")
            % {"pk": batch.pk, "total": total, "count": len(certificates)}
        )
    return certificates, created


def finish(batch, signatory, certificates, progress) -> dict:
    """(c) the merged print PDF and the ZIP, (d) a print record per certificate, (e) the batch
    is done. Every certificate has its PDF by now."""
    timings = {}
    mark = time.perf_counter()
    progress(0, 1, gettext("合并打印文件"))
    merged, pages = _merge(batch, chunked(certificates))
    progress(1, 1, gettext("合并打印文件"))
    timings["merge"] = time.perf_counter() - mark
    mark = time.perf_counter()
    archive = _zip(batch, certificates, progress)
    timings["zip"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with transaction.atomic():
        printed = set(
            CertificatePrint.objects.filter(
                certificate__batch=batch, kind=PrintKind.ISSUANCE
            ).values_list("certificate_id", flat=True)
        )
        new_prints = [
            CertificatePrint(certificate_id=c.pk, kind=PrintKind.ISSUANCE, actor=signatory)
            for c in certificates
            if c.pk not in printed
        ]
        CertificatePrint.objects.bulk_create(new_prints, batch_size=2000)
        if new_prints:
            AuditEntry.objects.record_many(
                [
                    {
                        "action": AuditAction.CREATE,
                        "object_type": "certificates.certificateprint",
                        "object_id": f"batch:{batch.pk}",
                        "object_repr": f"批次 {batch.pk} 核发打印 {len(new_prints)} 份",
                        "after": {
                            "batch": batch.pk,
                            "kind": PrintKind.ISSUANCE,
                            "count": len(new_prints),
                        },
                    }
                ]
            )
        batch.mark_certificates_issued(signatory)
    timings["records"] = time.perf_counter() - mark
    total = len(certificates)
    progress(total, total, gettext("已核发 %(total)s 张证书") % {"total": total})
    return {
        "batch": batch.pk,
        "certificates": total,
        "first_number": certificates[0].number,
        "last_number": certificates[-1].number,
        "pages": pages,
        "zip": archive,
        "merged_pdf": merged,
        "timings": {step: round(seconds, 3) for step, seconds in timings.items()},
    }


def issue_batch(batch, signatory, progress=None, issued_on=None, sign=True) -> dict:
    """Issue every passing candidate's certificate in this process (see the module docstring);
    returns a summary with the ZIP and merged PDF names. Safe to run again after an
    interruption. The job (certificates.tasks.run_issuance_job) does the same with the chunks
    spread over the workers.

    ``issued_on`` is the day the signatory signed off (签发): the certificates carry it even when
    the job runs, or is retried, on a later day; without it, today. ``sign=False`` leaves the
    PDFs unsigned: only the benchmark's comparison asks for that."""
    progress = progress or _no_progress
    started = time.perf_counter()
    batch, today, kind = prepared(batch, issued_on)
    certificates, created = number_all(batch, kind, today, progress)
    numbered = time.perf_counter()
    rendered_chunks = _render_here(batch, certificates, progress, sign)
    rendered = time.perf_counter()
    result = finish(batch, signatory, certificates, progress)
    result["timings"].update(
        numbers=round(numbered - started, 3),
        pdfs=round(rendered - numbered, 3),
        total=round(time.perf_counter() - started, 3),
    )
    return {**result, "created": created, "rendered_chunks": rendered_chunks}


def render_job_chunk(job, certificate_ids) -> int:
    """One chunk of an issuance job, on whichever worker took it: rendered unless an earlier run
    did; the job's progress and heartbeat renewed. The number of certificates rendered."""
    chunk = list(
        Certificate.objects.filter(pk__in=certificate_ids)
        .select_related("institution", "occupation", "batch")
        .order_by("number")
    )
    batch = chunk[0].batch
    rendered = 0
    if not chunk_done(batch, chunk):
        render_and_store(batch, chunk)
        rendered = len(chunk)
    done = batch.certificates.exclude(pdf="").count()
    total = batch.certificates.count()
    job.report_progress(done, total, in_both_languages(RENDERING, {"done": done, "total": total}))
    return rendered


def finish_job(job, batch, certificates, created, rendered_by) -> dict:
    """The end of an issuance job: merge, zip, records, the batch issued; the job's result."""
    signatory = job.started_by
    result = finish(batch, signatory, certificates, job.report_progress)
    result.update(created=created, rendered_by=rendered_by)
    Job.objects.filter(pk=job.pk).update(result_file=result["zip"])
    job.result_file.name = result["zip"]
    return result


# --- proofs (239号 二(三)) -----------------------------------------------------------------


def issue_proof(certificate, user, reason: str, detail: str = "") -> Proof:
    """239号 二(三): after the exit, a lost or wrong vocational qualification certificate gets a
    proof (证明) from the original issuer — never a new certificate."""
    if not certificate.is_kept_by(user):
        raise PermissionDenied(gettext("证明由原发证机构出具"))
    if certificate.kind != CertificateKind.VOCATIONAL_QUALIFICATION:
        raise ValidationError(gettext("证明只为退出目录的职业资格证书出具；其他证书请补打证书"))
    if reason not in ProofReason.values:
        raise ValidationError(
            gettext("原因只能是：%(items)s")
            % {"items": "、".join(str(label) for label in ProofReason.labels)}
        )
    if certificate.is_revoked:
        raise ValidationError(gettext("已注销的证书不能出具证明"))
    with transaction.atomic():
        proof = Proof.objects.create(
            certificate=certificate,
            reason=reason,
            detail=detail.strip()[:300],
            issued_by=user,
            issued_on=timezone.localdate(),
        )
        proof.pdf.save(
            f"证明-{certificate.number}-{proof.pk}.pdf", ContentFile(pdf.render_proof(proof))
        )
    return proof
