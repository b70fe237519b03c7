"""Deactivating and reactivating an account: the one way both are done (the admin's user
list calls these; its change form shows "Active" read-only).

Django refuses an inactive account's password, session and API token while it stays
inactive, but only for that long: reactivated, all of them would work again, and so
would the Collect keys of the phones it gave up. So deactivation revokes the account's
Collect keys for good (each in the audit trail with the reason) and deletes its API
token; a reactivated agent issues new keys. Reactivation revokes any key still standing
too: no key can be issued to an inactive account, so such a key dates from before the
deactivation (one made before this rule, or outside these functions).

Its web sessions end too, whichever way the account becomes inactive (these functions,
or a save from a shell: ``end_sessions_of_inactive`` follows every save of a user), so a
browser signed in before is signed out for good and the reactivated account signs in
afresh, second factor included. A deactivation in the audit trail says this much: no
row of its own is written for it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from openrosa import keys

logger = logging.getLogger(__name__)

#: What an audit row's detail can hold, less room for the key's own words.
REASON_MAX_LENGTH = 200


class AccountError(ValueError):
    """The account cannot be changed as asked; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AccountChange:
    user: User
    #: False when the account was already so and nothing needed doing.
    changed: bool
    keys_revoked: int = 0


def _checked(user_id: int, by: User | None) -> User:
    if by is not None and not by.has_perm("auth.change_user"):
        raise AccountError(_("You may not change accounts."))
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise AccountError(_("There is no account %(id)s.") % {"id": user_id})
    return user


def deactivate_account(*, user_id: int, by: User | None, reason: str) -> AccountChange:
    """Make the account inactive, revoke its Collect keys for good and delete its API
    token, with ``reason`` in the audit trail. Again, for an inactive account holding
    none of them, changes nothing."""
    reason = " ".join(reason.split())
    if not reason:
        raise AccountError(_("Say why the account is deactivated: the audit trail keeps it."))
    if len(reason) > REASON_MAX_LENGTH:
        raise AccountError(
            _("The reason is longer than %(n)d characters.") % {"n": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        user = _checked(user_id, by)
        if by is not None and by.pk == user.pk:
            raise AccountError(_("You cannot deactivate your own account."))
        was_active = user.is_active
        if was_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        revoked = keys.revoke_every_key(agent=user, by=by, reason=f"account deactivated: {reason}")
        # Its deletion is recorded as "API token revoked" (agriprices.audit.signals).
        tokens = Token.objects.filter(user=user).delete()[0]
        changed = was_active or bool(revoked) or bool(tokens)
        if changed:
            record(
                AuditAction.ACCOUNT_DEACTIVATED,
                actor=by,
                subject=f"user {user.pk} ({user.get_username()})",
                detail=reason,
            )
    return AccountChange(user=user, changed=changed, keys_revoked=revoked)


def reactivate_account(*, user_id: int, by: User | None) -> AccountChange:
    """Make the account active again, without any key it held before: its phones are
    given new keys. Again, for an active account, changes nothing."""
    with transaction.atomic():
        user = _checked(user_id, by)
        if user.is_active:
            return AccountChange(user=user, changed=False)
        revoked = keys.revoke_every_key(
            agent=user, by=by, reason="account reactivated: keys from before stay revoked"
        )
        user.is_active = True
        user.save(update_fields=["is_active"])
        record(
            AuditAction.ACCOUNT_REACTIVATED,
            actor=by,
            subject=f"user {user.pk} ({user.get_username()})",
        )
    return AccountChange(user=user, changed=True, keys_revoked=revoked)


def end_sessions(user: User) -> int:
    """Delete every live session signed in as ``user``; how many. A session names its
    user only inside its signed data, so every live one is read: fine for what is rare
    (an account made inactive), not for a page."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = (
        store.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    signed_in = str(user.pk)  # as django.contrib.auth.login keeps it
    ended = [
        key for key, data in rows.iterator() if store().decode(data).get(SESSION_KEY) == signed_in
    ]
    for key in ended:
        store(session_key=key).delete()  # the engine's own delete: its cache too, if any
    if ended:
        logger.info("account %s inactive: %d sessions ended", user.pk, len(ended))
    return len(ended)


def end_sessions_of_inactive(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """After a user is saved inactive (post_save; not a new one, nor a fixture loaded),
    end its sessions: an inactive account's sessions are refused only while it stays
    inactive, and would sign the browser back in on reactivation."""
    if created or raw or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # a save of other fields (last_login, the name) left "Active" as it was
    end_sessions(instance)
