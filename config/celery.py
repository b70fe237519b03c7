"""Celery application.

With ``CELERY_BROKER_URL`` unset the settings make every task run eagerly in the calling
process, so a one-machine install needs no broker; setting it moves the same tasks onto
workers without code changes.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("agriprices")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
