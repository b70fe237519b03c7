"""Deactivating and reactivating an account: the one way both are done (the admin's user
list calls these; its change form shows "Active" read-only).

Django refuses an inactive account's password, session and API token while it stays
inactive, but only for that long: reactivated, all of them would work again, and so
would the Collect keys of the phones it gave up. So an account made inactive gives up
everything it holds, whichever way it is made so (these functions, or a save from a
shell: ``withdraw_from_inactive`` follows every save of a user that leaves it
inactive): its Collect keys are revoked for good (each in the audit trail), its API
token is deleted and its web sessions end, so a browser signed in before is signed out
for good and the reactivated account signs in afresh, second factor included; a
reactivated agent issues new keys. ``deactivate_account`` gives up the keys and the
token before it saves, so their audit rows carry the reason it was given and the save
finds only the sessions left; a save from a shell says "account made inactive". A
deactivation in the audit trail says this much: a row of its own is written only by
``deactivate_account``.

A queryset's ``update(is_active=False)`` sends no signal: it withdraws nothing.
Reactivation revokes any key still standing: no key can be issued to an inactive
account, so such a key dates from before the deactivation (one left standing by such
an update, or from before this rule)."""

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
        # Before the save, so their audit rows say why; the save's own withdrawal
        # (withdraw_from_inactive) then finds only the sessions left.
        revoked, tokens = _give_up_keys_and_token(
            user, by=by, reason=f"account deactivated: {reason}"
        )
        was_active = user.is_active
        if was_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
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


def _give_up_keys_and_token(user: User, *, by: User | None, reason: str) -> tuple[int, int]:
    """Revoke ``user``'s Collect keys for good, each audited with ``reason``, and delete
    its API token: how many of each. What an inactive account may not keep."""
    revoked = keys.revoke_every_key(agent=user, by=by, reason=reason)
    # Its deletion is recorded as "API token revoked" (agriprices.audit.signals).
    tokens = Token.objects.filter(user=user).delete()[0]
    return revoked, tokens


#: Why a key was revoked when the account was made inactive by a save, not by
#: deactivate_account (which gives its own reason).
SAVED_INACTIVE = "account made inactive"


def withdraw_from_inactive(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """After a user is saved inactive (post_save; not a new one, nor a fixture loaded),
    withdraw what it still holds: its Collect keys, its API token and its sessions, which
    would all work again on reactivation. An account already without them (the usual
    case, deactivate_account gave them up) costs the queries that find so."""
    if created or raw or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # a save of other fields (last_login, the name) left "Active" as it was
    with transaction.atomic():
        _give_up_keys_and_token(instance, by=None, reason=SAVED_INACTIVE)
        end_sessions(instance)
