"""Who is sending: ODK Collect authenticates with a key per phone, its token in the server
URL (``/openrosa/key/<token>/``, see ``keys``), or with the agent's own username and
password (the web form's) over HTTP Basic. Basic sends the password readable, so it is refused
over plain HTTP unless DEBUG. Digest is not offered: checking it needs an MD5 of each
password kept beside Django's hash, as good as the password for this realm.

Basic is a password alone, so an account that signs in with a second factor (one that may
review, publish or broadcast, or use the admin: ``two_factor.needs_second_factor``) is
refused it and told to use a Collect key.

The login throttle (config.logins) applies, as on the web form; an unknown, revoked or
expired key counts toward its limit per address. A live key is served whatever that count:
many phones share a telecentre's one public address, and one phone retrying a revoked key
must not lock the others out; a 256-bit token is not guessed, so the throttle has nothing
to stop there. Keys too are refused over plain HTTP: in a URL the token is as readable as
a password."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from config import logins
from openrosa import documents, keys
from telecentre.two_factor import needs_second_factor

REALM = "AgriPrices"


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    kind, _space, encoded = header.partition(" ")
    if kind.lower() != "basic" or not encoded:
        return None
    try:
        username, colon, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if colon else None


def _challenge(message: str) -> HttpResponse:
    response = documents.message_response(message, status=401)
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def agent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let through an active user who may record prices, authenticated by Basic over
    TLS; answer 403 on plain HTTP, 401 with the challenge otherwise."""

    @wraps(view)
    def checked(
        request: HttpRequest, *args: Any, token: str | None = None, **kwargs: Any
    ) -> HttpResponse:
        if not request.is_secure() and not settings.DEBUG:
            return documents.message_response(
                _("Use the https:// address: a password is never sent over plain HTTP."),
                status=403,
            )
        if token is not None:
            refused = _by_key(request, token)
            return refused or view(request, *args, **kwargs)
        given = _credentials(request)
        if given is None:
            return _challenge(_("Log in with your AgriPrices username and password."))
        username, password = given
        address = request.META.get("REMOTE_ADDR", "")
        if logins.locked(username, address):
            return documents.message_response(
                _("Too many failed logins. Wait a few minutes, then try again."), status=403
            )
        user = authenticate(request, username=username, password=password)
        if not isinstance(user, User):
            logins.failed(username, address)
            return _challenge(_("Wrong username or password."))
        if not user.has_perm("agriprices.add_quote"):
            return documents.message_response(_("This account may not record prices."), status=403)
        if needs_second_factor(user):
            return _second_factor_refusal(request, user)
        request.user = user
        return view(request, *args, **kwargs)

    return checked


def _second_factor_refusal(request: HttpRequest, user: User) -> HttpResponse:
    """The answer to a right password for an account that needs more than one."""
    record(
        AuditAction.LOGIN_FAILED,
        actor=user,
        subject=request.path[:200],
        detail="ODK Collect: a password alone is refused for an account with a second factor",
    )
    setup = request.build_absolute_uri(reverse("openrosa:setup"))
    return documents.message_response(
        _(
            "This account signs in with a second factor, so its password alone cannot open "
            "Collect. Give this phone a Collect key instead: sign in at %(url)s and issue "
            "one, then scan its QR code."
        )
        % {"url": setup},
        status=403,
    )


def _by_key(request: HttpRequest, token: str) -> HttpResponse | None:
    """Sign the request in with the key its URL carries; the refusal, or None. A live
    key is looked up before the address's lock: it is served whatever the lock."""
    address = request.META.get("REMOTE_ADDR", "")
    key = keys.key_for_token(token, address=address)
    if key is None:
        if logins.address_locked(address):
            return documents.message_response(
                _("Too many failed logins. Wait a few minutes, then try again."), status=403
            )
        logins.address_failed(address)
        keys.note_refusal(address)
        return _challenge(_("This phone's key is unknown, revoked or expired. Ask for a new one."))
    if not key.user.has_perm("agriprices.add_quote"):
        return documents.message_response(_("This account may not record prices."), status=403)
    request.user = key.user
    request.collect_token = token  # type: ignore[attr-defined]
    return None
