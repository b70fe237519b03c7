"""Celery application.

With ``CELERY_BROKER_URL`` unset the settings make every task run eagerly in the calling
process, so a one-machine install needs no broker; setting it moves the same tasks onto
workers without code changes.
"""

import logging
import os
from typing import Any

from celery import Celery
from kombu.exceptions import OperationalError as KombuOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)
#: What publishing a task raises when the broker cannot be reached.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)

app = Celery("agriprices")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task: str, *args: Any, **options: Any) -> None:
    """Send the task named ``task`` (``"sms_gateway.tasks.send_outbound"``) with ``args``.
    By name, so the modules a task module imports need not import it back. Without a
    broker (the demo) it runs here and now, like every task then: ``send_task`` alone
    would ignore eager mode. Raises what the broker raises."""
    if app.conf.task_always_eager:
        app.loader.import_default_modules()  # the tasks modules, found by autodiscovery
        app.tasks[task].apply_async(args, **options)
    else:
        app.send_task(task, args, **options)


def publish(task: str, *args: Any, **options: Any) -> bool:
    """``enqueue`` for callers whose own data is committed and must stay so: with the broker
    down it logs and returns False instead of raising, and the periodic sweeps pick up
    what was not published."""
    try:
        enqueue(task, *args, **options)
    except BROKER_ERRORS as exc:
        logger.warning("broker unreachable (%s): %s waits for its sweep", exc, task)
        return False
    return True
