"""Twilio's REST API through the official helper library."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

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
        super().__init__(timeout=settings.TWILIO_TIMEOUT_SECONDS)
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
            else TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)
        )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )

    def send(
        self, *, to: str, body: str, status_callback: str = "", unprompted: bool = False
    ) -> str:
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            sender = {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
        else:
            sender = {"from_": settings.TWILIO_FROM_NUMBER}
        extra = {"status_callback": status_callback} if status_callback else {}
        return self._create(to, {"body": body}, {**sender, **extra})

    def send_whatsapp(self, *, to: str, body: str, unprompted: bool = False) -> str:
        # From our WhatsApp sender; outside the 24 hours after their last message, only
        # as the approved template.
        content = _whatsapp_template(body) if unprompted else {"body": body}
        return self._create(to, content, {"from_": f"whatsapp:{settings.TWILIO_WHATSAPP_FROM}"})

    def _create(self, to: str, content: dict[str, str], sender: dict[str, str]) -> str:
        try:
            message = self.client.messages.create(to=to, **content, **sender)
        except TwilioRestException as exc:
            raise send_error(exc) from exc
        except OSError as exc:  # the network, not the message
            raise SendError(
                f"twilio unreachable: {exc.__class__.__name__}", ambiguous=may_have_arrived(exc)
            ) from exc
        return message.sid

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        # Twilio has no idempotency key for new messages: look among the latest sent to
        # this number for the same text, created since the claim (a minute's clock skew
        # allowed).
        try:
            recent = self.client.messages.list(to=to, limit=20)
        except TwilioRestException as exc:
            raise SendError(f"twilio {exc.status}/{exc.code}") from exc
        except OSError as exc:
            raise SendError(f"twilio unreachable: {exc.__class__.__name__}") from exc
        earliest = since - timedelta(minutes=1)
        for message in recent:
            if message.body == body and (message.date_created or earliest) >= earliest:
                return message.sid
        return None


def may_have_arrived(exc: OSError) -> bool:
    """Whether Twilio may have got the request: no connection was made (refused, connect
    timeout) means certainly not; a read timeout or a connection dropped after sending
    means perhaps."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0] if exc.args else None, "reason", None)
        return not isinstance(reason, NewConnectionError)
    return isinstance(exc, requests.Timeout)


def _whatsapp_template(text: str) -> dict[str, str]:
    """WhatsApp refuses free text to someone who has not written in the last 24 hours:
    alerts, digests and broadcasts go as the pre-approved template named by
    TWILIO_WHATSAPP_CONTENT_SID, whose one variable ({{1}}) holds the text."""
    if not settings.TWILIO_WHATSAPP_CONTENT_SID:
        raise SendError(
            "no approved WhatsApp template: set TWILIO_WHATSAPP_CONTENT_SID",
            permanent=True,
            about_number=False,
        )
    return {
        "content_sid": settings.TWILIO_WHATSAPP_CONTENT_SID,
        "content_variables": json.dumps({"1": text}, ensure_ascii=False),
    }


def send_error(exc: TwilioRestException) -> SendError:
    """What Twilio's refusal means for a message or a call: permanent (a bad number, a
    blocked recipient, any 4xx but 429) or worth retrying."""
    permanent = exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429)
    return SendError(
        f"twilio {exc.status}/{exc.code}", permanent=permanent, code=str(exc.code or "")
    )
