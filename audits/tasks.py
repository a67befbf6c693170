import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task
def verify_audit_log() -> dict:
    """Nightly check of the audit hash chain; a broken chain is logged as an error."""
    from audits.models import verify_chain

    checked, problem = verify_chain()
    if problem:
        log.error("audit log chain broken after %s entries: %s", checked, problem)
    return {"checked": checked, "problem": problem}
