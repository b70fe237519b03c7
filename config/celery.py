"""Celery application.

With ``CELERY_BROKER_URL`` unset the settings make every task run eagerly in the calling
process, so a one-machine install needs no broker; setting it moves the same tasks onto
workers without code changes.
"""

import logging
import os
from typing import Any

from celery import Celery, Task
from kombu.exceptions import OperationalError as KombuOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)
#: What publishing a task raises when the broker cannot be reached.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)

app = Celery("agriprices")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def publish(task: Task, *args: Any, **options: Any) -> bool:
    """``task.apply_async(args, **options)`` for callers whose own data is committed and
    must stay so: with the broker down it logs and returns False instead of raising,
    and the periodic sweeps pick up what was not published."""
    try:
        task.apply_async(args, **options)
    except BROKER_ERRORS as exc:
        logger.warning("broker unreachable (%s): %s waits for its sweep", exc, task.name)
        return False
    return True
