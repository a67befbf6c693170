import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task
def verify_audit_log() -> dict:
    """Nightly check of the audit hash chain and its checkpoints; a problem is logged as an error."""
    from audits.models import verify_chain

    checked, problem = verify_chain()
    if problem:
        log.error("audit log chain broken after %s entries: %s", checked, problem)
    return {"checked": checked, "problem": problem}


@shared_task
def write_audit_checkpoint() -> dict:
    """A signed checkpoint of the log's end, appended to the file outside the database."""
    from audits.models import write_checkpoint

    checkpoint = write_checkpoint()
    return {"seq": checkpoint.seq, "count": checkpoint.count}


@shared_task
def archive_audit_log() -> dict:
    """Monthly: entries older than AUDIT_ONLINE_DAYS to a signed archive file (nothing deleted;
    the owner purges with `manage.py archive_audit_log --purge`)."""
    from audits.archive import archive

    written = archive()
    return {"file": written.name if written else None}


@shared_task
def run_half_year_quality_review(year: int | None = None, half: int | None = None, user_id=None):
    """The twice-yearly quality review (54号 五). The beat schedule runs it on 1 January and 1 July
    for the half-year that just ended; a province user's request passes the half-year and user.
    A re-run adds a new version of the review."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from audits.reviews import half_just_ended, run_review

    if year is None or half is None:
        year, half = half_just_ended(timezone.localdate())
    user = get_user_model().objects.get(pk=user_id) if user_id else None
    review = run_review(year, half, user=user)
    return {
        "review": review.pk,
        "year": year,
        "half": half,
        "version": review.version,
        "institutions": review.totals["institutions"],
        "flagged_institutions": review.totals["flagged_institutions"],
    }
