"""Signing in with a second factor: giving the code, enrolling an authenticator with a
QR code, and the recovery codes. Thin: the rules are in ``telecentre.two_factor``."""

from __future__ import annotations

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from agriprices.roles import signed_in_user
from telecentre import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class EnrolForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code"),
        max_length=10,
        help_text=_("The six digits the app shows after scanning."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/"


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    user = signed_in_user(request)
    if not two_factor.has_second_factor(user):
        return redirect("telecentre:two-factor-setup")
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checked = two_factor.check_code(
            user=user, code=form.cleaned_data["code"], address=request.META.get("REMOTE_ADDR", "")
        )
        if checked.device is not None:
            two_factor.sign_in_second_factor(request, checked.device)
            return redirect(_next(request))
        form.add_error("code", checked.problem)
    status = 400 if form.errors else 200
    return render(
        request,
        "registration/two_factor.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the code, type what the app shows."""
    user = signed_in_user(request)
    enrolled = two_factor.has_second_factor(user)
    if enrolled and not user.is_verified():  # type: ignore[attr-defined]
        # Replacing a second factor needs the current one: a stolen password is not enough.
        return redirect("telecentre:two-factor")
    posted = EnrolForm(request.POST or None)
    problem = ""
    if request.method == "POST":
        if not posted.is_valid():
            problem = str(_("Type the six digits the app shows."))
        else:
            checked, codes = two_factor.confirm_authenticator(
                user=user,
                device_id=posted.cleaned_data["device"],
                code=posted.cleaned_data["code"],
                address=request.META.get("REMOTE_ADDR", ""),
            )
            if checked.device is not None:
                two_factor.sign_in_second_factor(request, checked.device)
                return _private(
                    render(
                        request,
                        "registration/recovery_codes.html",
                        {"codes": codes, "next": _next(request), "first": True},
                    )
                )
            problem = checked.problem
    device = two_factor.pending_authenticator(user, replace=request.GET.get("replace") == "1")
    form = EnrolForm(initial={"device": device.pk})
    svg = segno.make(device.config_url, error="m", micro=False).svg_inline(scale=4)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    response = render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "problem": problem,
            "qr": mark_safe(svg),  # noqa: S308 - drawn by segno from the device's own URL
            # In blocks of four for reading and typing; the page keeps them apart by
            # margins, not spaces, so a copied key is the bare base32 every app takes.
            "secret_blocks": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "enrolled": enrolled,
            "codes_left": two_factor.recovery_codes_left(user),
            "next": _next(request),
        },
        status=400 if problem else 200,
    )
    return _private(response)


@require_POST
@login_required
def renew_codes(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not user.is_verified():  # type: ignore[attr-defined]
        return redirect("telecentre:two-factor")
    codes = two_factor.renew_recovery_codes(user)
    return _private(
        render(
            request,
            "registration/recovery_codes.html",
            {"codes": codes, "next": "/", "first": False},
        )
    )
