"""Reading the audit trail: the operators' search and its CSV export."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from agriprices.audit.models import AuditEvent


def search(
    *,
    text: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Rows newest first; ``text`` matches the username, subject, detail or address;
    ``since`` and ``until`` are local days, both included."""
    rows = AuditEvent.objects.all()
    text = text.strip()
    if text:
        rows = rows.filter(
            Q(actor_name__icontains=text)
            | Q(subject__icontains=text)
            | Q(detail__icontains=text)
            | Q(address__startswith=text)
        )
    if action:
        rows = rows.filter(action=action)
    zone = timezone.get_current_timezone()
    if since is not None:
        rows = rows.filter(at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        rows = rows.filter(at__lte=datetime.combine(until, time.max, tzinfo=zone))
    return rows.order_by("-at", "-pk")
