"""Keeps sent messages in ``outbox``, for tests (like django.core.mail.outbox)."""

import itertools

from sms_gateway.backends.base import BaseSmsBackend

outbox: list[dict[str, str]] = []
_ids = itertools.count(1)


class LocmemBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        sid = f"LM{next(_ids):08d}"
        outbox.append({"to": to, "body": body, "sid": sid})
        return sid
