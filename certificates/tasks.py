"""Bulk issuance as a job spread over the workers: the handler numbers the certificates, each
render chunk is a task any worker may take, and a chord's callback finishes the job once every
chunk is done (the steps themselves: certificates/issuance.py)."""

import logging
from collections import Counter
from datetime import date

from celery import chord, shared_task
from django.core.exceptions import ValidationError

from certificates import issuance
from institutions.choices import BatchStatus
from institutions.models import Batch
from skilleval.choices import JobStatus
from skilleval.job_pages import in_both_languages
from skilleval.models import Job
from skilleval.models.jobs import (
    CONTINUES_ELSEWHERE,
    JobSuperseded,
    connection_lost,
    this_worker,
)

log = logging.getLogger(__name__)


class IssuanceRefused(Exception):
    """Raised by the job handler so that the job fails with the refusal's messages as text."""


def run_issuance_job(job):
    """The CERTIFICATE_ISSUANCE job handler: the batch from the job's params, the signatory who
    started it. Numbers here, then each render chunk as a task any worker may take, and a chord
    whose callback (finish_issuance_job) merges, zips and ends the job once every chunk is done:
    more workers, a faster issuance day. A rerun (worker lost, the sweeper requeues) sends only
    the chunks not done; a rerun after the worker died at the very end only reports what was
    done."""
    batch = Batch.objects.get(pk=job.params["batch_id"])
    if batch.status == BatchStatus.CERTIFICATES_ISSUED:
        names = issuance.outputs(batch)
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
        Job.objects.filter(pk=job.pk).update(result_file=result["zip"])
        return result
    try:
        signed_off_on = job.params.get("issued_on")
        issued_on = date.fromisoformat(signed_off_on) if signed_off_on else None
        batch, today, kind = issuance.prepared(batch, issued_on)
    except ValidationError as refusal:
        # The job page lists the reasons one per row; the job fails with readable text,
        # never the repr of a list.
        Job.objects.filter(pk=job.pk).update(
            result={"errors": [{"reason": message} for message in refusal.messages]}
        )
        raise IssuanceRefused("\n".join(refusal.messages)) from refusal
    certificates, created = issuance.number_all(batch, kind, today, job.report_progress)
    todo, done = issuance.still_to_render(batch, certificates)
    if not todo:
        return issuance.finish_job(job, batch, certificates, created, rendered_by={})
    total = len(certificates)
    job.report_progress(
        done, total, in_both_languages(issuance.RENDERING, {"done": done, "total": total})
    )
    header = [
        render_issuance_chunk.si(job.pk, job.run_number, [c.pk for c in chunk]) for chunk in todo
    ]
    callback = finish_issuance_job.s(job.pk, job.run_number, created)
    # The numbers are committed (each number chunk is its own transaction): any worker sees them.
    chord(header)(callback)
    return CONTINUES_ELSEWHERE


def _this_run(job_id: int, run_number: int) -> Job | None:
    """The job, if the message is for its current run (a requeued or retried job has a newer
    run: the messages of the old one do nothing)."""
    job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, run_number=run_number).first()
    if job is None:
        log.info("issuance job %s: message of run %s dropped", job_id, run_number)
    return job


@shared_task(acks_late=True, ignore_result=False)  # the chord counts its result
def render_issuance_chunk(job_id: int, run_number: int, certificate_ids: list[int]) -> dict:
    job = _this_run(job_id, run_number)
    rendered = 0
    if job is not None:
        try:
            rendered = issuance.render_job_chunk(job, certificate_ids)
        except JobSuperseded:
            log.info("issuance job %s: run %s superseded during a chunk", job_id, run_number)
        except Exception as exc:
            if connection_lost(exc):
                raise  # not the chunk's fault: the sweeper sends the job again
            # A chunk that cannot be rendered fails the job at once, with its reason; the
            # chord's callback never runs, and the other chunks' messages find the job ended.
            log.exception("issuance job %s: a chunk failed", job_id)
            job.finish(error=str(exc))
            raise
    return {"worker": this_worker(), "certificates": rendered}


@shared_task(acks_late=True)
def finish_issuance_job(chunks: list[dict], job_id: int, run_number: int, created: int) -> None:
    job = _this_run(job_id, run_number)
    if job is None:
        return
    rendered_by = Counter()
    for chunk in chunks:
        if chunk["certificates"]:
            rendered_by[chunk["worker"]] += chunk["certificates"]
    try:
        batch = Batch.objects.select_related("institution", "occupation").get(
            pk=job.params["batch_id"]
        )
        certificates = list(
            batch.certificates.select_related("institution", "occupation").order_by("number")
        )
        result = issuance.finish_job(job, batch, certificates, created, dict(rendered_by))
    except JobSuperseded:
        return
    except Exception as exc:
        log.exception("issuance job %s failed at the end", job_id)
        job.finish(error=str(exc))
        return
    job.finish(result=result)
