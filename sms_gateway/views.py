"""Twilio's inbound webhook. Thin: check the signature, hand the message to the service,
answer with TwiML inside the request (the fast path: no queue between a farmer's
question and the answer)."""

from __future__ import annotations

import functools
import hmac
import logging

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from sms_gateway import outbound
from sms_gateway.channels import inbound
from sms_gateway.ussd import sessions
from sms_gateway.ussd.gateways import GATEWAYS

logger = logging.getLogger(__name__)


def signed_by_twilio(request: HttpRequest) -> bool:
    """Whether X-Twilio-Signature matches, computed over the URL Twilio called (behind a
    proxy that rewrites it, TWILIO_PUBLIC_BASE_URL says which)."""
    if not settings.TWILIO_AUTH_TOKEN:
        logger.error("TWILIO_AUTH_TOKEN is not set: refusing every inbound webhook")
        return False
    base = settings.TWILIO_PUBLIC_BASE_URL.rstrip("/")
    url = f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
        url, request.POST.dict(), request.headers.get("X-Twilio-Signature", "")
    )


@csrf_exempt  # Twilio signs its requests; it cannot hold a CSRF token
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not signed_by_twilio(request):
        logger.warning("inbound webhook with a bad signature refused")
        return HttpResponseForbidden("bad signature")
    sid, sender = request.POST.get("MessageSid", ""), request.POST.get("From", "")
    if not sid or not sender:
        return HttpResponseBadRequest("MessageSid and From are required")
    reply = inbound.receive_or_spool(
        provider="twilio", provider_sid=sid, sender=sender, body=request.POST.get("Body", "")
    )
    return HttpResponse(_twiml(reply), content_type="application/xml")


# Farmers ask the same few hundred questions; building the XML cost as much as finding
# the answer.
@functools.lru_cache(maxsize=4096)
def _twiml(reply: str) -> str:
    """The TwiML that answers with ``reply`` (nothing when it is empty)."""
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return str(twiml)


@csrf_exempt  # authorised by the shared key in the URL; the aggregator holds no token
@require_POST
def ussd_callback(request: HttpRequest, gateway: str) -> HttpResponse:
    """A USSD aggregator's callback (``/ussd/africastalking/?key=…``): one screen per
    request, computed from the answers the request carries; the same request again (a
    retry, a double tap) gets the same screen and changes nothing more."""
    adapter = GATEWAYS.get(gateway)
    key = settings.USSD_CALLBACK_KEY
    if adapter is None or not key:
        raise Http404("no USSD here")
    if not hmac.compare_digest(request.GET.get("key", "").encode(), key.encode()):
        logger.warning("USSD callback with a wrong key refused")
        return HttpResponseForbidden("bad key")
    asked = adapter.read(request.POST)
    if asked is None:
        return HttpResponseBadRequest("sessionId and phoneNumber are required")
    screen = sessions.answer_ussd(
        gateway=gateway, session_id=asked.session_id, phone=asked.phone, answers=asked.answers
    )
    return adapter.answer(screen)


@csrf_exempt  # signed by Twilio, like the inbound webhook
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery reports for messages we sent: queued, sent, delivered, undelivered,
    failed; a permanent error code marks the number undeliverable."""
    if not signed_by_twilio(request):
        return HttpResponseForbidden("bad signature")
    known = outbound.record_delivery(
        provider_sid=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    # An unknown message is acknowledged too: Twilio would only retry in vain.
    return HttpResponse(status=200 if known else 202)
