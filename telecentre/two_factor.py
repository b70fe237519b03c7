"""Second factors (django-otp): a TOTP authenticator (RFC 6238) enrolled with a QR code,
and ten one-time recovery codes. Who must have one, enrolment, checking a code under
the login throttle, renewing the codes, and resetting an account that lost its phone.

A session that gave its password but not yet its code is half signed in: the
middleware lets it reach only the pages that finish signing in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from config import logins

#: Holding any of these makes an account one that must sign in with a second factor.
PRIVILEGED_PERMISSIONS = (
    "agriprices.review_quote",
    "telecentre.publish_bulletin",
    "sms_gateway.approve_broadcast",
)
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def must_use_two_factor(user: User) -> bool:
    """Whether the account may review prices, publish bulletins, broadcast or use the
    admin, so that a password alone must not be enough."""
    if user.is_staff or user.is_superuser:
        return True
    return any(user.has_perm(perm) for perm in PRIVILEGED_PERMISSIONS)


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_second_factor(user: User) -> bool:
    """Whether signing in as ``user`` takes a second factor besides the password: the
    account has one, or must have one (``REQUIRE_TWO_FACTOR``). Such an account opens
    the dashboard only with its code, and ODK Collect only with a Collect key."""
    if has_second_factor(user):
        return True
    return settings.REQUIRE_TWO_FACTOR and must_use_two_factor(user)


def pending_authenticator(user: User, *, replace: bool = False) -> TOTPDevice:
    """The authenticator being enrolled: the same secret on every visit until it is
    confirmed (a reload must not invalidate what the phone scanned), a new one when
    ``replace`` is asked."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False)
    if replace:
        pending.delete()
    device = pending.order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | StaticDevice | None
    #: Why it was refused, for the form; empty when accepted.
    problem: str = ""


def _locked(user: User, address: str) -> bool:
    return logins.locked(user.get_username(), address)


def confirm_authenticator(
    *, user: User, device_id: int, code: str, address: str
) -> tuple[CodeCheck, list[str]]:
    """Confirm the pending authenticator with a code it shows; on success the older
    authenticator goes and ten new recovery codes are made (returned, to show once)."""
    if _locked(user, address):
        return CodeCheck(None, _locked_message()), []
    device = TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        return CodeCheck(None, _("This enrolment has expired; scan the new code.")), []
    if not device.verify_is_allowed()[0]:
        return CodeCheck(None, _wait_message()), []
    if not device.verify_token(_digits(code)):
        logins.failed(user.get_username(), address)
        record(AuditAction.TWO_FACTOR_FAILED, actor=user, subject="enrolment")
        return CodeCheck(None, _("Wrong code. Check the phone's clock, then try again.")), []
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record(AuditAction.TWO_FACTOR_ENROLLED, actor=user, subject=f"user {user.pk}")
    return CodeCheck(device), codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record(AuditAction.RECOVERY_CODES_RENEWED, actor=user, subject=f"user {user.pk}")
    return codes


def check_code(*, user: User, code: str, address: str) -> CodeCheck:
    """The device that accepts ``code`` (the authenticator's six digits, or a recovery
    code, which then stops working), counted by the login throttle when wrong."""
    if _locked(user, address):
        return CodeCheck(None, _locked_message())
    given = _digits(code).lower()
    device: TOTPDevice | StaticDevice | None = None
    with transaction.atomic():
        if given.isdigit() and len(given) == 6:  # recovery codes have 8 characters
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
        elif given:
            device = StaticDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and not device.verify_is_allowed()[0]:
            # django-otp's own pause after a wrong code (1 s, doubling): not a new failure.
            return CodeCheck(None, _wait_message())
        if device is not None and not device.verify_token(given):
            device = None
    if device is None:
        logins.failed(user.get_username(), address)
        record(AuditAction.TWO_FACTOR_FAILED, actor=user, subject="sign-in")
        return CodeCheck(None, _("Wrong code, or a recovery code already used."))
    if isinstance(device, StaticDevice):
        left = StaticToken.objects.filter(device=device).count()
        record(
            AuditAction.RECOVERY_CODE_USED,
            actor=user,
            subject=f"user {user.pk}",
            detail=f"{left} left",
        )
    else:
        record(AuditAction.TWO_FACTOR_PASSED, actor=user, subject=f"user {user.pk}")
    return CodeCheck(device)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def reset(*, user: User, by: User | None) -> int:
    """Remove an account's second factors (a lost phone and lost codes); the account
    enrols again at its next sign-in. Returns how many devices went."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        record(
            AuditAction.TWO_FACTOR_RESET,
            actor=by,
            actor_name="" if by else "manage.py",
            subject=f"user {user.pk} ({user.get_username()})",
        )
    return removed


def sign_in_second_factor(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Mark the session as having passed the second factor, under a new session key: the
    key a half signed-in session had (seen by whoever saw the password typed) must not
    become a fully signed-in one."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _digits(code: str) -> str:
    """The code as typed, without the spaces and dashes people write codes down with
    ("123 456", "abcd-efgh")."""
    return "".join(code.split()).replace("-", "").replace("\u2010", "").replace("\u2013", "")


def _wait_message() -> str:
    return _("Wait a few seconds after a wrong code, then type the code the app shows now.")


def _locked_message() -> str:
    return _("Too many failed logins. Wait a few minutes, then try again.")


#: Paths a half signed-in session may reach: finishing the sign-in, leaving, the
#: language switch, health probes and static files.
_OPEN_PREFIXES = (
    "/accounts/two-factor/",
    "/accounts/logout/",
    "/admin/logout/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
)


class TwoFactorRequiredMiddleware:
    """A signed-in session that has not passed its second factor is sent to give its
    code (if the account has one) or to enrol (if the account must have one) before any
    other page, the admin's included; the API answers 403 in JSON instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            assert isinstance(user, User)  # noqa: S101 - authenticated means a User here
            if not needs_second_factor(user):
                return self.get_response(request)
            if has_second_factor(user):
                target = "telecentre:two-factor"
            else:
                target = "telecentre:two-factor-setup"
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "errors": [
                            {
                                "field": "session",
                                "message": _("Finish signing in with your second factor."),
                                "code": "second_factor_required",
                            }
                        ]
                    },
                    status=403,
                )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)
