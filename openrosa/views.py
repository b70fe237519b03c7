"""The OpenRosa endpoints ODK Collect and KoboCollect talk to, and the page that sets a
phone up. Thin: the form is built by ``xform``, submissions recorded by ``submissions``."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from functools import wraps

import segno
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from agriprices.roles import signed_in_user
from openrosa import documents, submissions, xform
from openrosa.auth import agent_required
from openrosa.models import Photo


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
                "downloadUrl": request.build_absolute_uri(
                    reverse("openrosa:form", args=[xform.FORM_ID])
                ),
                "manifestUrl": request.build_absolute_uri(
                    reverse("openrosa:manifest", args=[xform.FORM_ID])
                ),
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
        "downloadUrl": request.build_absolute_uri(
            reverse("openrosa:medians", args=[xform.FORM_ID])
        ),
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


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """The server address, the username, and a QR code that sets Collect up in one scan
    (Collect's settings as zlib-compressed, base64 JSON). The password is not in it."""
    user = signed_in_user(request)
    server = request.build_absolute_uri(reverse("openrosa:form-list")).removesuffix("/formList")
    payload = collect_settings(server=server, username=user.get_username())
    svg = segno.make(payload, error="l", micro=False).svg_inline(scale=4)
    return render(
        request,
        "openrosa/setup.html",
        {
            "server": server,
            "username": user.get_username(),
            "qr": mark_safe(svg),  # noqa: S308 - drawn by segno from our own settings
            "may_record": user.has_perm("agriprices.add_quote"),
        },
    )


def collect_settings(*, server: str, username: str) -> str:
    """What Collect's QR code holds: its settings JSON, zlib-compressed, in base64."""
    settings_json = json.dumps(
        {
            "general": {"server_url": server, "username": username},
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
