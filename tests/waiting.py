"""Waiting for another process (a Celery worker, a server): poll until a condition holds, and fail
the test, naming what it waited for, once the time is up."""

import time

from skilleval.models import Job


def wait_for(condition, timeout, what):
    """Poll `condition` every 0.2 s; after `timeout` seconds without it holding, the test fails."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def wait_for_the_end_of(job, timeout=300):
    """Until the job, run by a worker process, has succeeded or failed."""
    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, timeout, "the job to finish")
