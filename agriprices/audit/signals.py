"""Sign-ins and failed sign-ins, from Django's own signals (every login form and the
admin's send them; so does ODK Collect's Basic authentication when it fails)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record


def signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(AuditAction.LOGIN, actor=user, subject=request.path[:200] if request else "")


def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username: Django has already masked the password, and we keep none.
    record(
        AuditAction.LOGIN_FAILED,
        actor_name=str(credentials.get("username", ""))[:150],
        subject=request.path[:200] if request is not None else "",
    )


def token_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """An API token issued, from ``manage.py api_token`` or the admin."""
    if created:
        record(AuditAction.API_TOKEN_ISSUED, subject=f"API token of {instance.user}")


def token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    record(AuditAction.API_TOKEN_REVOKED, subject=f"API token of {instance.user}")
