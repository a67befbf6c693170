from celery import shared_task


@shared_task
def invalidate_batches_past_exit_cutoff() -> int:
    """Daily (and at each cut-off): 239号 二(二) batches that missed their cut-off become invalid."""
    from institutions.models import Batch

    return sum(
        batch.enforce_exit_cutoff()
        for batch in Batch.objects.open().filter(exit_batch__isnull=False)
    )
