"""Twilio's REST API through the official helper library."""

from __future__ import annotations

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from sms_gateway.backends.base import BaseSmsBackend, SendError

#: Twilio error codes after which retrying the same message cannot succeed.
PERMANENT_CODES = {
    21211,  # invalid 'To' number
    21408,  # region not enabled
    21610,  # the recipient replied STOP at the carrier
    21612,  # not reachable by this sender
    21614,  # not a mobile number
}
API_BASE = "https://api.twilio.com"


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends the library's requests to TWILIO_API_BASE_URL instead of api.twilio.com
    (a local stub in tests; an egress proxy in locked-down deployments)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001 - the library's signature
        if url.startswith(API_BASE):
            url = self.base_url + url[len(API_BASE) :]
        return super().request(method, url, *args, **kwargs)


class TwilioBackend(BaseSmsBackend):
    def __init__(self) -> None:
        http_client = (
            _RedirectingHttpClient(settings.TWILIO_API_BASE_URL)
            if settings.TWILIO_API_BASE_URL
            else TwilioHttpClient(timeout=10)
        )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **sender, **extra)
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_CODES or (
                400 <= exc.status < 500 and exc.status != 429
            )
            raise SendError(
                f"twilio {exc.status}/{exc.code}", permanent=permanent, code=str(exc.code or "")
            ) from exc
        except OSError as exc:  # connection refused, timeout: the network, not the message
            raise SendError(f"twilio unreachable: {exc.__class__.__name__}") from exc
        return message.sid
