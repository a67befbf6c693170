"""The Celery app. Configured from Django settings (CELERY_ namespace); tasks live in each app's tasks.py."""

import os
import socket
import sys

from celery import Celery, bootsteps
from celery.signals import task_postrun, task_prerun
from django.conf import settings

from skilleval.changelog import context
from skilleval.health import write_worker_heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skilleval.settings.local")

app = Celery("skilleval")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def one_task_worker(name: str, loglevel: str = "INFO") -> list[str]:
    """The command of a `celery worker` that takes one task at a time, named `name@host`: the real
    workers the test suite and the issuance benchmark start beside themselves."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "skilleval",
        "worker",
        "--pool=solo",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname={name}@%h",
    ]


def answers(name: str) -> bool:
    """Whether the worker `name` started by one_task_worker on this host answers a ping."""
    return bool(app.control.ping(destination=[f"{name}@{socket.gethostname()}"], timeout=1))


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Every worker writes a heartbeat key to Redis on the worker's own timer; /readyz reads it.
    Cheaper than a broadcast ping, and it needs neither beat nor task events."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        write_worker_heartbeat()
        self.timer_entry = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_INTERVAL, write_worker_heartbeat
        )

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()


app.steps["worker"].add(WorkerHeartbeat)


@task_prerun.connect
def _record_changes_as_the_task(task=None, **kwargs):
    # Changes made by a task are audited under a named system actor.
    context.set_system_actor(f"system:celery:{task.name}")


@task_postrun.connect
def _forget_the_task_actor(**kwargs):
    context.clear()
