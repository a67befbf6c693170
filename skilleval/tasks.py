from celery import shared_task


@shared_task(acks_late=True)
def run_job(job_id: int, run_number: int | None = None) -> None:
    """Run one background job for the run its message names (Job.send numbers them); a copy
    delivered twice or a message of an earlier run does nothing. Messages sent before runs were
    numbered carry only the job and are for its current run. All the work is in Job.run and the
    job's handler."""
    from skilleval.models import Job

    Job.objects.get(pk=job_id).run(run_number)


@shared_task
def delete_expired_api_tokens() -> int:
    """Daily: tokens expired more than a week ago leave the owner's list (a week in which a script
    still hears "expired", not "invalid")."""
    from skilleval.models import ApiToken

    return ApiToken.objects.delete_expired()


@shared_task
def sweep_jobs() -> dict:
    """Every minute (beat): requeue jobs whose worker died, send jobs the broker never got."""
    from skilleval.models import Job

    return Job.objects.sweep()
