"""The floor the SMS benchmark compares the webhook with: a view that does only what no
service that loses nothing can skip (verify Twilio's signature, durably insert the
message) and answers with empty TwiML. Served beside the real URLs by the bench's own
settings (``bench.floor_settings``), never by the product's."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sms_gateway.models import InboundMessage
from sms_gateway.views import signed_by_twilio

PATH = "/bench/floor/"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@csrf_exempt
@require_POST
def signed_durable_insert(request: HttpRequest) -> HttpResponse:
    if not signed_by_twilio(request):
        return HttpResponseForbidden("bad signature")
    with transaction.atomic():
        InboundMessage.objects.create(
            provider="floor",
            provider_sid=request.POST["MessageSid"],
            sender=request.POST["From"],
            body=request.POST.get("Body", ""),
            received_at=timezone.now(),
        )
    return HttpResponse(EMPTY_TWIML, content_type="application/xml")


urlpatterns = [
    path(PATH.strip("/") + "/", signed_durable_insert),
    path("", include("config.urls")),
]
