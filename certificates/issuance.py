"""Bulk issuance of a batch's certificates, and proofs for exited vocational qualifications.

谁评价、谁发证、谁负责 (54号 四): once a batch's results are approved, the institution's signatory
signs off and `run_issuance_job` issues every passing candidate's certificate:
  (a) numbers — chunks of candidates without a certificate, each in one transaction that allocates
      the chunk's numbers (row-locked, gap-free) and stores its certificates;
  (b) PDFs — certificates without a PDF, rendered many per WeasyPrint document in two processes;
  (c) one merged print PDF in number order, and a ZIP of the individual PDFs;
  (d) a print record per certificate; (e) the batch becomes `certificates_issued`.
Every step finds what an earlier, interrupted run left and carries on from there, so a worker killed
at any point and the job run again ends with each passing candidate holding exactly one certificate
and no gap or duplicate in the numbers.
"""

import logging
import multiprocessing
import os
import time
import zipfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from certificates import fonts, pdf
from certificates.choices import CertificateKind, PrintKind, ProofReason
from certificates.models import Certificate, CertificatePrint, Proof
from certificates.numbering import SEQUENCE_WIDTH, allocate, prefix_for
from institutions.choices import BatchStatus, EvaluationType
from institutions.models import Batch
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
RENDER_PROCESSES = 2  # this machine has two cores

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
                holder_name=candidate.name,
                id_type=candidate.id_type,
                id_number_encrypted=candidate.id_number_encrypted,
                id_number_hash=candidate.id_number_hash,
                id_number_masked=candidate.id_number_masked,
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
                    "after": {
                        "batch": batch.pk,
                        "count": len(numbers),
                        "first": numbers[0],
                        "last": numbers[-1],
                        "issued_on": today.isoformat(),
                    },
                }
            ]
        )
    return certificates


# --- (b) PDFs -------------------------------------------------------------------------------------


def _chunk_done(batch, chunk) -> bool:
    return all(c.pdf for c in chunk) and default_storage.exists(_chunk_name(batch, chunk))


def _render_all(batch, chunks, progress, total, sign=True) -> int:
    """Render the chunks not done yet; store each certificate's PDF, signed, as its chunk
    completes."""
    todo = [chunk for chunk in chunks if not _chunk_done(batch, chunk)]
    done = total - sum(len(chunk) for chunk in todo)
    progress(done, total, in_both_languages(RENDERING, {"done": done, "total": total}))
    if not todo:
        return 0
    fonts.prepare()  # build cached faces once, before the render processes start
    tasks = (
        {
            "pages": [pdf.certificate_page(c) for c in chunk],
            "names": [_certificate_pdf_name(c) for c in chunk],
            "chunk": _chunk_name(batch, chunk),
            "sign": sign,
        }
        for chunk in todo
    )

    def store(rendered):
        nonlocal done
        by_pk = dict(rendered)
        with transaction.atomic():
            certificates = [Certificate(pk=pk, pdf=name) for pk, name in by_pk.items()]
            Certificate.objects.bulk_update(certificates, ["pdf"])
            AuditEntry.objects.record_many(
                [
                    {
                        "action": AuditAction.UPDATE,
                        "object_type": "certificates.certificate",
                        "object_id": f"batch:{batch.pk}",
                        "object_repr": f"批次 {batch.pk} 证书 PDF {len(by_pk)} 份",
                        "after": {"batch": batch.pk, "pdf": len(by_pk)},
                    }
                ]
            )
        done += len(by_pk)
        progress(done, total, in_both_languages(RENDERING, {"done": done, "total": total}))

    processes = min(RENDER_PROCESSES, len(todo), os.cpu_count() or 1)
    if processes > 1 and multiprocessing.current_process().daemon:
        # A daemonic process may not start children: render here, on one core.
        log.warning("issuance of batch %s renders in-process: daemonic worker process", batch.pk)
        processes = 1
    if processes < 2:
        for task in tasks:
            store(pdf.render_chunk(task))
        return len(todo)
    # Separate processes use both cores; "spawn" starts them clean (no copied database
    # connections or locks from a threaded Celery worker). They never touch the database.
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=pdf.init_render_process,
        initargs=(str(settings.MEDIA_ROOT), settings.SITE_URL),
    ) as executor:
        running = set()
        for task in tasks:
            running.add(executor.submit(pdf.render_chunk, task))
            if len(running) >= processes * 2:  # bounded: pages are built as processes free up
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    store(future.result())
        for future in running:
            store(future.result())
    return len(todo)


# --- (c) the merged print PDF and the ZIP ------------------------------------------------------------


def _merge(batch, chunks) -> tuple[str, int]:
    name = outputs(batch)["merged_pdf"]
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    pages = pdf.merge_pdfs([default_storage.path(_chunk_name(batch, c)) for c in chunks], tmp)
    os.replace(tmp, target)
    return name, pages


def _zip(batch, certificates, progress) -> str:
    """The individual PDFs, stored as they are (they are compressed already)."""
    name = outputs(batch)["zip"]
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    total = len(certificates)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for n, certificate in enumerate(certificates, start=1):
            archive.write(
                default_storage.path(certificate.pdf.name),
                f"{certificate.number}-{certificate.holder_name}.pdf",
            )
            if n % 1000 == 0 or n == total:
                progress(n, total, in_both_languages(ZIPPING, {"done": n, "total": total}))
    os.replace(tmp, target)
    return name


# --- the whole issuance -------------------------------------------------------------------------------


def issue_batch(batch, signatory, progress=None, issued_on=None, sign=True) -> dict:
    """Issue every passing candidate's certificate (see the module docstring); returns a summary
    with the ZIP and merged PDF names. Safe to run again after an interruption.

    ``issued_on`` is the day the signatory signed off (签发): the certificates carry it even when
    the job runs, or is retried, on a later day; without it, today. ``sign=False`` leaves the
    PDFs unsigned: only the benchmark's comparison asks for that."""
    progress = progress or _no_progress
    timings, started = {}, time.perf_counter()
    batch = Batch.objects.select_related("institution", "occupation").get(pk=batch.pk)
    today = issued_on or timezone.localdate()
    check_issuable(batch, today)
    kind = CERTIFICATE_KIND[batch.evaluation_type]
    total = batch.candidates.filter(passed=True).count()

    # (a) numbers
    prefix = prefix_for(kind, institution=batch.institution, issued_on=today, level=batch.level)
    numbered = batch.certificates.count()
    created = 0
    progress(numbered, total, in_both_languages(NUMBERING, {"done": numbered, "total": total}))
    while chunk := _number_chunk(batch, kind, today, prefix):
        created += len(chunk)
        numbered += len(chunk)
        progress(numbered, total, in_both_languages(NUMBERING, {"done": numbered, "total": total}))
    timings["numbers"] = time.perf_counter() - started

    certificates = list(
        batch.certificates.select_related("institution", "occupation").order_by("number")
    )
    holders = {c.candidate_id for c in certificates}
    if len(certificates) != total or len(holders) != total:
        raise RuntimeError(
            gettext("批次 %(pk)s：%(total)s 名合格考生，却有 %(count)s 张证书")
            % {"pk": batch.pk, "total": total, "count": len(certificates)}
        )

    # (b) PDFs
    mark = time.perf_counter()
    chunks = [certificates[i : i + RENDER_CHUNK] for i in range(0, len(certificates), RENDER_CHUNK)]
    rendered_chunks = _render_all(batch, chunks, progress, total, sign)
    for certificate in certificates:
        certificate.pdf.name = _certificate_pdf_name(certificate)
    timings["pdfs"] = time.perf_counter() - mark

    # (c) merged print PDF, ZIP
    mark = time.perf_counter()
    progress(0, 1, gettext("合并打印文件"))
    merged, pages = _merge(batch, chunks)
    progress(1, 1, gettext("合并打印文件"))
    timings["merge"] = time.perf_counter() - mark
    mark = time.perf_counter()
    archive = _zip(batch, certificates, progress)
    timings["zip"] = time.perf_counter() - mark

    # (d) a print record per certificate, (e) the batch is done
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
    timings["total"] = time.perf_counter() - started
    progress(total, total, gettext("已核发 %(total)s 张证书") % {"total": total})
    return {
        "batch": batch.pk,
        "certificates": total,
        "created": created,
        "first_number": certificates[0].number,
        "last_number": certificates[-1].number,
        "rendered_chunks": rendered_chunks,
        "pages": pages,
        "zip": archive,
        "merged_pdf": merged,
        "timings": {step: round(seconds, 3) for step, seconds in timings.items()},
    }


class IssuanceRefused(Exception):
    """Raised by the job handler so that the job fails with the refusal's messages as text."""


def run_issuance_job(job) -> dict:
    """The CERTIFICATE_ISSUANCE job handler: the batch from the job's params, the signatory who
    started it. A rerun after the worker died at the very end only reports what was done."""
    batch = Batch.objects.get(pk=job.params["batch_id"])
    if batch.status == BatchStatus.CERTIFICATES_ISSUED:
        names = outputs(batch)
        certificates = batch.certificates.order_by("number")
        result = {
            "batch": batch.pk,
            "certificates": certificates.count(),
            "created": 0,
            "first_number": certificates.values_list("number", flat=True).first(),
            "last_number": certificates.values_list("number", flat=True).last(),
            "zip": names["zip"],
            "merged_pdf": names["merged_pdf"],
        }
    else:
        try:
            signed_off_on = job.params.get("issued_on")
            result = issue_batch(
                batch,
                job.started_by,
                progress=job.report_progress,
                issued_on=date.fromisoformat(signed_off_on) if signed_off_on else None,
            )
        except ValidationError as refusal:
            # The job page lists the reasons one per row; the job fails with readable text,
            # never the repr of a list.
            Job.objects.filter(pk=job.pk).update(
                result={"errors": [{"reason": message} for message in refusal.messages]}
            )
            raise IssuanceRefused("\n".join(refusal.messages)) from refusal
    Job.objects.filter(pk=job.pk).update(result_file=result["zip"])
    job.result_file.name = result["zip"]
    return result


# --- reprints and proofs (239号 二(三)) -----------------------------------------------------------------


def reprint_certificate(certificate, user, kind=PrintKind.REPRINT) -> bytes:
    """Print a certificate again (a staff reprint, or the holder's own copy) and record it.
    An exited vocational qualification certificate is never printed anew: a lost or wrong one gets
    a proof instead (239号 二(三))."""
    certificate.refuse_new_print()
    data = pdf.render_certificate(certificate)
    CertificatePrint.objects.create(certificate=certificate, kind=kind, actor=user)
    return data


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
