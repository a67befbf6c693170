import logging

from celery import shared_task

from skilleval.changelog.archive import archive, verify_chain, write_checkpoint
from skilleval.models import ApiToken, Job

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_job(job_id: int, run_number: int | None = None) -> None:
    """Run one background job for the run its message names (Job.send numbers them); a copy
    delivered twice or a message of an earlier run does nothing. Messages sent before runs were
    numbered carry only the job and are for its current run. All the work is in Job.run and the
    job's handler."""
    Job.objects.get(pk=job_id).run(run_number)


@shared_task
def delete_expired_api_tokens() -> int:
    """Daily: tokens expired more than a week ago leave the owner's list (a week in which a script
    still hears "expired", not "invalid")."""
    return ApiToken.objects.delete_expired()


@shared_task
def sweep_jobs() -> dict:
    """Every minute (beat): requeue jobs whose worker died, send jobs the broker never got."""
    return Job.objects.sweep()


@shared_task
def verify_audit_log() -> dict:
    """Nightly check of the audit hash chain and its checkpoints; a problem is logged as an error."""
    checked, problem = verify_chain()
    if problem:
        log.error("audit log chain broken after %s entries: %s", checked, problem)
    return {"checked": checked, "problem": problem}


@shared_task
def write_audit_checkpoint() -> dict:
    """A signed checkpoint of the log's end, appended to the file outside the database."""
    checkpoint = write_checkpoint()
    return {"seq": checkpoint.seq, "count": checkpoint.count}


@shared_task
def archive_audit_log() -> dict:
    """Monthly: entries older than AUDIT_ONLINE_DAYS to a signed archive file (nothing deleted;
    the owner purges with `manage.py archive_audit_log --purge`)."""
    written = archive()
    return {"file": written.name if written else None}
