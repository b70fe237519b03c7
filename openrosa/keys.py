"""Collect keys: one per phone, its token in the server URL instead of a password on the
phone (ODK Central's App Users, with two differences: only the token's SHA-256 is kept,
and a key may expire). Checking one is a lookup by an indexed hash, not a password hash:
a burst of forms costs what a query costs.

A token is 32 random bytes (256 bits) in URL-safe base64, 43 characters."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from openrosa.models import CollectKey

TOKEN_BYTES = 32
#: A key's last use is written at most this often, so a burst of forms is not a burst
#: of UPDATEs on one row; a new address is written at once.
LAST_USE_EVERY = timedelta(seconds=60)


class CollectKeyError(ValueError):
    """A key cannot be issued or revoked as asked; the message names the field."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class IssuedKey:
    key: CollectKey
    #: The token in clear, to show once; empty when the same request was answered before.
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_manage(actor: User, agent: User) -> bool:
    """An agent manages their own keys; an operator with the permission anyone's."""
    if actor.has_perm("openrosa.manage_collect_keys"):
        return True
    return actor.pk == agent.pk and actor.has_perm("agriprices.add_quote")


def issue_key(
    *,
    agent: User,
    name: str,
    by: User | None,
    expires_at: datetime | None = None,
    request_id: str = "",
) -> IssuedKey:
    """A new key for one of ``agent``'s phones. The same ``request_id`` again (a double
    tap, a resent form) returns the key it made, without its token: that was shown once."""
    name = " ".join(name.split())
    if not name:
        raise CollectKeyError(_("Name the phone, e.g. “Aibek's Samsung”."), field="name")
    if len(name) > 80:
        raise CollectKeyError(_("The phone's name is longer than 80 characters."), field="name")
    if not agent.is_active or not agent.has_perm("agriprices.add_quote"):
        raise CollectKeyError(_("This account may not record prices."), field="agent")
    if by is not None and not may_manage(by, agent):
        raise CollectKeyError(_("You may not issue keys for this agent."), field="agent")
    if expires_at is not None and expires_at <= timezone.now():
        raise CollectKeyError(_("The expiry must be in the future."), field="expires")
    if request_id:
        earlier = CollectKey.objects.filter(user=agent, request_id=request_id).first()
        if earlier is not None:
            return IssuedKey(key=earlier, token="")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with transaction.atomic():
            key = CollectKey.objects.create(
                user=agent,
                name=name,
                token_sha256=token_hash(token),
                request_id=request_id,
                created_by=by,
                expires_at=expires_at,
            )
            record(
                AuditAction.COLLECT_KEY_ISSUED,
                actor=by,
                subject=f"collect key {key.pk}",
                detail=f"{agent.get_username()}: {name}",
            )
    except IntegrityError:
        # The same request a moment earlier, from another process.
        earlier = CollectKey.objects.get(user=agent, request_id=request_id)
        return IssuedKey(key=earlier, token="")
    return IssuedKey(key=key, token=token)


def revoke_key(*, key_id: int, by: User | None) -> CollectKey:
    """Refuse the key from its next request on. Revoking it again changes nothing."""
    with transaction.atomic():
        key = CollectKey.objects.select_for_update().filter(pk=key_id).first()
        if key is None:
            raise CollectKeyError(_("There is no key %(id)s.") % {"id": key_id}, field="key")
        if by is not None and not may_manage(by, key.user):
            raise CollectKeyError(_("You may not revoke this key."), field="key")
        if key.revoked_at is None:
            _revoke(key, by=by, reason="")
    return key


def revoke_every_key(*, agent: User, by: User | None, reason: str) -> int:
    """Revoke every key of ``agent`` not revoked yet, expired ones too, for good: an
    account that is deactivated gives its phones' keys up (``telecentre.accounts``).
    Returns how many; again, none. The caller has checked ``by`` may do this."""
    with transaction.atomic():
        live = list(
            CollectKey.objects.select_for_update()
            .select_related("user")
            .filter(user=agent, revoked_at__isnull=True)
            .order_by("pk")
        )
        for key in live:
            _revoke(key, by=by, reason=reason)
    return len(live)


def _revoke(key: CollectKey, *, by: User | None, reason: str) -> None:
    key.revoked_at = timezone.now()
    key.revoked_by = by
    key.save(update_fields=["revoked_at", "revoked_by"])
    detail = f"{key.user.get_username()}: {key.name}"
    record(
        AuditAction.COLLECT_KEY_REVOKED,
        actor=by,
        subject=f"collect key {key.pk}",
        detail=f"{detail} ({reason})" if reason else detail,
    )


def key_for_token(token: str, *, address: str) -> CollectKey | None:
    """The live key a request's token names, its use noted; None for an unknown,
    revoked or expired one (the caller counts it toward the login throttle)."""
    if not token or len(token) > 100:
        return None
    now = timezone.now()
    key = (
        CollectKey.objects.select_related("user")
        .filter(token_sha256=token_hash(token), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if key is None or not key.user.is_active:
        return None
    _note_use(key, now=now, address=address)
    return key


def _note_use(key: CollectKey, *, now: datetime, address: str) -> None:
    stored_address = address or None
    if key.first_used_at is None:
        first = CollectKey.objects.filter(pk=key.pk, first_used_at__isnull=True).update(
            first_used_at=now, last_used_at=now, last_address=stored_address
        )
        if first:
            record(
                AuditAction.COLLECT_KEY_FIRST_USED,
                actor=key.user,
                subject=f"collect key {key.pk}",
                detail=key.name,
                address=address,
            )
        return
    stale = key.last_used_at is None or now - key.last_used_at >= LAST_USE_EVERY
    if stale or key.last_address != stored_address:
        CollectKey.objects.filter(pk=key.pk).update(last_used_at=now, last_address=stored_address)


def keys_of(agent: User | None = None) -> QuerySet[CollectKey]:
    """Keys newest first, with their agent; every agent's when ``agent`` is None."""
    keys = CollectKey.objects.select_related("user")
    return keys.filter(user=agent) if agent is not None else keys


def key_url(base_url: str, token: str) -> str:
    """The server URL Collect is given: ``https://host/openrosa/key/<token>``."""
    return f"{base_url.rstrip('/')}/openrosa/key/{token}"


def note_refusal(address: str) -> None:
    """An unknown, revoked or expired key was offered (the token itself is not kept)."""
    record(AuditAction.COLLECT_KEY_REFUSED, subject="collect key", address=address)
