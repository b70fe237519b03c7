"""Writing the audit trail: one function adds a row, one prunes old ones."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils import timezone

from agriprices.audit.models import AuditAction, AuditEvent
from config.logs import client_address, request_id


def record(
    action: AuditAction,
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_name: str = "",
    subject: str = "",
    detail: str = "",
    address: str | None = None,
) -> AuditEvent:
    """Add one row. The address and request id default to the request being served
    (set by ``config.middleware.RequestIdMiddleware``); never pass a secret in
    ``detail``: the trail is read by operators and exported."""
    user = actor if isinstance(actor, User) else None
    name = actor_name or (user.get_username() if user is not None else "")
    given = address if address is not None else client_address.get()
    return AuditEvent.objects.create(
        action=action,
        actor=user,
        actor_name=name[:150],
        subject=subject[:200],
        detail=detail[:500],
        address=_valid_address(given),
        request_id=request_id.get() if request_id.get() != "-" else "",
    )


def _valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def prune(now: datetime | None = None) -> int:
    """Delete the rows older than ``AUDIT_RETENTION_DAYS``; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _by_model = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
