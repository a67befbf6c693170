"""The Celery app. Configured from Django settings (CELERY_ namespace); tasks live in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skilleval.settings.local")

app = Celery("skilleval")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _record_changes_as_the_task(task=None, **kwargs):
    # Changes made by a task are audited under a named system actor.
    from audits.context import set_system_actor

    set_system_actor(f"system:celery:{task.name}")


@task_postrun.connect
def _forget_the_task_actor(**kwargs):
    from audits.context import clear

    clear()
