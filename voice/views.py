"""Twilio's voice webhook and the clips' files. Thin: check the signature, read where the
call is, hand it to the service, answer its TwiML."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from sms_gateway.views import signed_by_twilio
from voice import clips, services

logger = logging.getLogger(__name__)
# A walk's keys and an answered walk, matched whole (fullmatch: a trailing newline is
# no key).
_KEYS = re.compile(rf"[0-9*#]{{0,{services.LONGEST_KEYS}}}")
_WALK = re.compile(rf"[p:0-9*#]{{0,{services.LONGEST_AFTER}}}")


@csrf_exempt  # Twilio signs its requests; it cannot hold a CSRF token
@require_POST
def twilio_voice(request: HttpRequest) -> HttpResponse:
    """A call's every request: the first (no query) and each key pressed after."""
    if not signed_by_twilio(request):
        logger.warning("voice webhook with a bad signature refused")
        return HttpResponseForbidden("bad signature")
    call_sid = request.POST.get("CallSid", "")
    direction = request.POST.get("Direction", "inbound")
    phone = services.caller_of(
        direction=direction, from_=request.POST.get("From", ""), to=request.POST.get("To", "")
    )
    if not call_sid or not phone:
        return HttpResponseBadRequest("CallSid and From are required")
    if len(call_sid) > 64 or len(phone) > 32:
        return HttpResponseBadRequest("CallSid or From is longer than any Twilio sends")
    place = _place(request)
    if place is None:
        return HttpResponseBadRequest("not a place in the menus")
    base = settings.TWILIO_PUBLIC_BASE_URL.rstrip("/") or request.build_absolute_uri("/")
    answer = services.answer_call(
        call_sid=call_sid, phone=phone, direction=direction, place=place, base_url=base
    )
    return HttpResponse(answer, content_type="application/xml")


def _place(request: HttpRequest) -> services.Place | None:
    walk, keys, after = request.GET.get("w", ""), request.GET.get("a", ""), request.GET.get("f")
    digit = request.POST.get("Digits", "")[:1]
    try:
        silent = min(int(request.GET.get("n", "0")), 9)
    except ValueError:
        return None
    if walk not in ("", "p") or not _KEYS.fullmatch(keys) or not _KEYS.fullmatch(digit):
        return None
    if after is not None and not _WALK.fullmatch(after):
        return None
    return services.Place(walk=walk, keys=keys, after=after, silent=max(silent, 0), digit=digit)


@require_safe
def clip_file(request: HttpRequest, name: str) -> HttpResponseBase:
    """A clip's audio (HEAD: its headers alone). Its name is a digest of its content, so
    it never changes: cached for a year by Twilio, browsers and any proxy between."""
    path = clips.path_of(name)
    if path is not None and not path.is_file():
        path = clips.restore(name)  # made on another host, or before this disk
    if path is None or not path.is_file():
        raise Http404("no such clip")
    response: HttpResponseBase
    if request.method == "HEAD":
        response = HttpResponse(content_type="audio/wav")
        response["Content-Length"] = str(path.stat().st_size)
    else:
        response = FileResponse(path.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
