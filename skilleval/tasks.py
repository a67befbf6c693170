from celery import shared_task


@shared_task(acks_late=True)
def run_job(job_id: int) -> None:
    """Run one background job; all the work is in Job.run and the job's handler."""
    from skilleval.models import Job

    Job.objects.get(pk=job_id).run()


@shared_task
def sweep_jobs() -> dict:
    """Every minute (beat): requeue jobs whose worker died, send jobs the broker never got."""
    from skilleval.models import Job

    return Job.objects.sweep()
