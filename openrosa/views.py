"""The OpenRosa endpoints ODK Collect and KoboCollect talk to, and the page that sets a
phone up. Thin: the form is built by ``xform``, submissions recorded by ``submissions``."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agriprices.roles import signed_in_user
from openrosa import documents, keys, submissions, xform
from openrosa.auth import agent_required
from openrosa.forms import CollectKeyForm
from openrosa.models import Photo
from telecentre.two_factor import needs_second_factor


def collect_url(request: HttpRequest, name: str, **kwargs: str) -> str:
    """The absolute URL of another Collect endpoint, under the key the request came
    with (so a phone set up with a key never needs a password), else under Basic."""
    token = getattr(request, "collect_token", None)
    if token is not None:
        return request.build_absolute_uri(
            reverse(f"openrosa:key:{name}", kwargs={**kwargs, "token": token})
        )
    return request.build_absolute_uri(reverse(f"openrosa:{name}", kwargs=kwargs))


def with_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Hand the view the form named in the URL, built for the agent; 404 otherwise."""

    @wraps(view)
    def found(request: HttpRequest, form_id: str) -> HttpResponse:
        form = xform.form_for(signed_in_user(request)) if form_id == xform.FORM_ID else None
        if form is None:
            return documents.message_response(_("No such form for this account."), status=404)
        return view(request, form)

    return found


@require_GET
@agent_required
def form_list(request: HttpRequest) -> HttpResponse:
    form = xform.form_for(signed_in_user(request))
    forms = []
    if form is not None:
        forms.append(
            {
                "formID": xform.FORM_ID,
                "name": _("AgriPrices: market prices"),
                "version": form.version,
                "hash": f"md5:{form.md5}",
                "downloadUrl": collect_url(request, "form", form_id=xform.FORM_ID),
                "manifestUrl": collect_url(request, "manifest", form_id=xform.FORM_ID),
            }
        )
    return documents.openrosa_response(documents.form_list(forms))


@require_GET
@agent_required
@with_form
def form_download(request: HttpRequest, form: xform.Form) -> HttpResponse:
    return documents.openrosa_response(form.xml)


@require_GET
@agent_required
@with_form
def manifest(request: HttpRequest, form: xform.Form) -> HttpResponse:
    media = {
        "filename": xform.MEDIANS_FILE,
        "hash": f"md5:{form.medians_md5}",
        "downloadUrl": collect_url(request, "medians", form_id=xform.FORM_ID),
    }
    return documents.openrosa_response(documents.manifest([media]))


@require_GET
@agent_required
@with_form
def medians(request: HttpRequest, form: xform.Form) -> HttpResponse:
    return documents.openrosa_response(form.medians, content_type="text/csv")


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
@agent_required
def submission(request: HttpRequest) -> HttpResponse:
    if request.method == "HEAD":
        response = documents.openrosa_response("", status=204)
        response["X-OpenRosa-Accept-Content-Length"] = str(documents.ACCEPT_CONTENT_LENGTH)
        return response
    # Refused before a byte of it is read or written to disk.
    if int(request.META.get("CONTENT_LENGTH") or 0) > documents.ACCEPT_CONTENT_LENGTH:
        return documents.message_response(_("The form is too large."), status=413)
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        return documents.message_response(_("The form's XML is missing."), status=400)
    try:
        photos = {
            str(part.name): part
            for key in request.FILES
            if key != "xml_submission_file"
            for part in request.FILES.getlist(key)
        }
        received = submissions.receive(
            user=signed_in_user(request), xml=upload.read(), files=photos
        )
    except submissions.SubmissionError as exc:
        return documents.message_response(exc.message, status=exc.status)
    if not received.created:
        message = _("Already received; nothing changed.")
    else:
        message = ngettext(
            "Thank you: %(n)d price recorded at %(market)s.",
            "Thank you: %(n)d prices recorded at %(market)s.",
            received.created,
        ) % {"n": received.created, "market": received.market.display_name(get_language())}
        if received.flagged:
            message += " " + ngettext(
                "An operator will check %(n)d of them.",
                "An operator will check %(n)d of them.",
                received.flagged,
            ) % {"n": received.flagged}
    return documents.message_response(message, status=201, nature="submit_success")


def _server(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("openrosa:form-list")).removesuffix("/formList")


def _setup_context(request: HttpRequest, user: User) -> dict[str, Any]:
    return {
        "server": _server(request),
        "username": user.get_username(),
        "may_record": user.has_perm("agriprices.add_quote"),
        # Basic is a password alone: not for an account that signs in with more.
        "basic_allowed": not needs_second_factor(user),
    }


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """How an agent adds a phone: a key per phone (its QR code shown once, when issued),
    and the Basic settings for clients that cannot take a key."""
    user = signed_in_user(request)
    context = _setup_context(request, user)
    context |= {"form": CollectKeyForm(), "keys": keys.keys_of(user)[:50]}
    return render(request, "openrosa/setup.html", context)


@login_required
def key_list(request: HttpRequest) -> HttpResponse:
    """Every agent's keys, for operators who hold ``manage_collect_keys``."""
    user = signed_in_user(request)
    if not user.has_perm("openrosa.manage_collect_keys"):
        return redirect("openrosa:setup")
    return render(
        request,
        "openrosa/keys.html",
        {"form": CollectKeyForm(for_any_agent=True), "keys": keys.keys_of()[:200]},
    )


@require_POST
@login_required
def key_issue(request: HttpRequest) -> HttpResponse:
    """Issue a key and show its QR code and URL, this once (never cached, never again)."""
    user = signed_in_user(request)
    operator = user.has_perm("openrosa.manage_collect_keys") and "agent" in request.POST
    form = CollectKeyForm(request.POST, for_any_agent=operator)
    back = "openrosa:keys" if operator else "openrosa:setup"
    issued = None
    if form.is_valid():
        try:
            issued = keys.issue_key(
                agent=form.agent(default=user),
                name=form.cleaned_data["name"],
                by=user,
                expires_at=form.expires_at(),
                request_id=form.cleaned_data["request_id"],
            )
        except keys.CollectKeyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if issued is None:
        template = "openrosa/keys.html" if operator else "openrosa/setup.html"
        context = {"form": form, "keys": keys.keys_of(None if operator else user)[:200]}
        if not operator:
            context |= _setup_context(request, user)
        return render(request, template, context, status=400)
    if not issued.token:
        messages.warning(
            request,
            _(
                "This key was issued already, and its code shown then; it cannot be shown "
                "again. Revoke it if that page was lost, and issue another."
            ),
        )
        return redirect(back)
    url = keys.key_url(_server(request).removesuffix("/openrosa"), issued.token)
    payload = collect_settings(server=url)
    svg = segno.make(payload, error="l", micro=False).svg_inline(scale=4)
    response = render(
        request,
        "openrosa/key_issued.html",
        {
            "key": issued.key,
            "url": url,
            "qr": mark_safe(svg),  # noqa: S308 - drawn by segno from our own settings
            "back": back,
        },
    )
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@require_POST
@login_required
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        key = keys.revoke_key(key_id=pk, by=signed_in_user(request))
    except keys.CollectKeyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The key of %(phone)s is revoked.") % {"phone": key.name})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("openrosa:setup")
    return redirect(back)


def collect_settings(*, server: str, username: str = "") -> str:
    """What Collect's QR code holds: its settings JSON, zlib-compressed, in base64. With
    a key's URL as the server there is no username, and never a password."""
    general = {"server_url": server}
    if username:
        general["username"] = username
    settings_json = json.dumps(
        {
            "general": general,
            "admin": {},
            "project": {"name": "AgriPrices", "icon": "A", "color": "#1b5e20"},
        }
    )
    return base64.b64encode(zlib.compress(settings_json.encode())).decode()


@permission_required("agriprices.review_quote", raise_exception=True)
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo sent with a form, for the operators who review its prices."""
    found = get_object_or_404(Photo, pk=pk)
    return FileResponse(found.image.open("rb"))
