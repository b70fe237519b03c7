"""What Celery beat runs and when (settings.CELERY_BEAT_SCHEDULE). Run `celery -A config
beat` once per deployment; running it twice by mistake sends nothing twice, since every
digest, alert and reminder carries an idempotency key. Hours come from the environment."""

from typing import Any

import environ
from celery.schedules import crontab


def beat_schedule(env: environ.Env) -> dict[str, dict[str, Any]]:
    return {
        "sms-weekly-digests": {
            "task": "sms_gateway.tasks.send_weekly_digests",
            "schedule": crontab(minute=0, hour=env.int("SMS_DIGEST_HOUR", default=7)),
        },
        # Alerts go out when a price is approved; this sweep catches any that a worker
        # missed while it was down.
        "sms-price-alerts": {
            "task": "sms_gateway.tasks.check_all_price_alerts",
            "schedule": crontab(minute="*/15"),
        },
        # Messages a dead worker or an emptied broker left behind; SMS that arrived while
        # the database was down.
        "sms-outbound-recovery": {
            "task": "sms_gateway.tasks.recover_outbound",
            "schedule": env.float("SMS_RECOVERY_EVERY_SECONDS", default=60.0),
        },
        "voice-callbacks": {
            "task": "voice.tasks.sweep_callbacks",
            "schedule": 60.0,
        },
        "sms-spool-replay": {
            "task": "sms_gateway.tasks.replay_spooled_sms",
            "schedule": env.float("SMS_SPOOL_REPLAY_EVERY_SECONDS", default=30.0),
        },
        # Latest prices and weekly/monthly summaries are kept up to date as prices are
        # approved; the nightly rebuild repairs any drift (e.g. rows edited by hand in SQL).
        # The audit trail keeps AUDIT_RETENTION_DAYS.
        "audit-trail-prune": {
            "task": "agriprices.tasks.prune_audit_trail",
            "schedule": crontab(minute=15, hour=3),
        },
        "price-aggregates-refresh": {
            "task": "agriprices.tasks.rebuild_latest_prices",
            "schedule": crontab(minute=30, hour=2),
        },
        # Seasonal price warnings (ALPS, IPA) of the series changed since the last run, and
        # the SMS to their followers when one rises into alert or crisis.
        "price-warnings": {
            "task": "agriprices.tasks.refresh_price_warnings",
            "schedule": crontab(minute=0, hour=env.int("PRICE_WARNINGS_HOUR", default=3)),
        },
        # Collection reminders to agents with prices missing today, and the operators'
        # digest; once per agent and day however often it runs.
        "collection-reminders": {
            "task": "sms_gateway.tasks.send_collection_reminders",
            "schedule": crontab(minute=0, hour=env.int("COLLECTION_REMINDER_HOUR", default=14)),
        },
    }
