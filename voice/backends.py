"""Where outbound calls go, like SMS_BACKEND: Twilio's API, the console (the demo) or a
list in memory (tests). One method: dial ``to`` and let Twilio fetch ``url`` for what to
say; raises sms_gateway.backends.SendError (permanent or not, as for SMS)."""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

from sms_gateway.backends import SendError
from sms_gateway.phones import mask_phone


class BaseCallBackend(ABC):
    @abstractmethod
    def call(self, *, to: str, url: str) -> str:
        """Place one call; return its id (CallSid)."""


class ConsoleCallBackend(BaseCallBackend):
    def call(self, *, to: str, url: str) -> str:
        print(f"[call] to {mask_phone(to)}, answered by {url}")  # noqa: T201 - the demo's output
        return "CONSOLE"


calls: list[dict[str, str]] = []
_ids = itertools.count(1)


class LocmemCallBackend(BaseCallBackend):
    """Keeps placed calls in ``calls``, for tests."""

    def call(self, *, to: str, url: str) -> str:
        sid = f"CA{next(_ids):08d}"
        calls.append({"to": to, "url": url, "sid": sid})
        return sid


class TwilioCallBackend(BaseCallBackend):
    def call(self, *, to: str, url: str) -> str:
        from twilio.base.exceptions import TwilioRestException

        from sms_gateway.backends.twilio import TwilioBackend, may_have_arrived, send_error

        client = TwilioBackend().client
        sender = settings.VOICE_FROM_NUMBER or settings.TWILIO_FROM_NUMBER
        if not sender:
            raise SendError("VOICE_FROM_NUMBER is not set", permanent=True, about_number=False)
        try:
            placed = client.calls.create(to=to, from_=sender, url=url, method="POST")
        except TwilioRestException as exc:
            raise send_error(exc) from exc
        except OSError as exc:  # the network: it may have dialled if the request went out
            raise SendError(
                f"twilio unreachable: {exc.__class__.__name__}", ambiguous=may_have_arrived(exc)
            ) from exc
        return str(placed.sid)


def get_call_backend() -> BaseCallBackend:
    return import_string(settings.VOICE_BACKEND)()
