"""Celery tasks that belong to prices. They take ids, not objects, and are safe to run
twice."""

from celery import shared_task

from agriprices.services import series
from agriprices.warnings import computation


@shared_task(acks_late=True)
def rebuild_latest_prices() -> dict[str, int]:
    """Recompute every latest-price row from the quotes (repair after manual work)."""
    return {"series": series.rebuild_latest_prices()}


@shared_task(acks_late=True)
def refresh_price_warnings() -> dict[str, int]:
    """Nightly: recompute the price warnings of the series whose prices changed since
    the last run, and alert their followers of a rise into alert or crisis."""
    run = computation.refresh_warnings(only_changed=True)
    return {"series": run.series, "changed": run.changed}


@shared_task(acks_late=True)
def prune_audit_trail() -> dict[str, int]:
    """Nightly: audit events older than AUDIT_RETENTION_DAYS."""
    from agriprices.audit.services import prune

    return {"audit_events_deleted": prune()}
