from celery import shared_task

from institutions.models import Batch


@shared_task
def invalidate_batches_past_exit_cutoff() -> int:
    """Daily (and at each cut-off): 239号 二(二) batches that missed their cut-off become invalid."""
    return sum(
        batch.enforce_exit_cutoff()
        for batch in Batch.objects.open().filter(exit_batch__isnull=False)
    )
