from celery import shared_task


@shared_task(acks_late=True)
def run_job(job_id: int) -> None:
    """Run one background job; all the work is in Job.run and the job's handler."""
    from skilleval.models import Job

    Job.objects.get(pk=job_id).run()
