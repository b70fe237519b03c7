"""Deactivating and reactivating an account: the one way both are done (the admin's user
list calls these; its change form shows "Active" read-only).

Django refuses an inactive account's password, session and API token while it stays
inactive, but only for that long: reactivated, all of them would work again, and so
would the Collect keys of the phones it gave up. So deactivation revokes the account's
Collect keys for good (each in the audit trail with the reason) and deletes its API
token; a reactivated agent issues new keys. Reactivation revokes any key still standing
too: no key can be issued to an inactive account, so such a key dates from before the
deactivation (one made before this rule, or outside these functions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from openrosa import keys

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
