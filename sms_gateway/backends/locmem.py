"""Keeps sent messages in ``outbox``, for tests (like django.core.mail.outbox)."""

import itertools
from datetime import datetime

from sms_gateway.backends.base import BaseSmsBackend

outbox: list[dict[str, str]] = []
_ids = itertools.count(1)


class LocmemBackend(BaseSmsBackend):
    def send(
        self, *, to: str, body: str, status_callback: str = "", unprompted: bool = False
    ) -> str:
        sid = f"LM{next(_ids):08d}"
        outbox.append({"to": to, "body": body, "sid": sid, "unprompted": str(unprompted)})
        return sid

    def send_whatsapp(self, *, to: str, body: str, unprompted: bool = False) -> str:
        return self.send(to=to, body=body, unprompted=unprompted)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        return next((m["sid"] for m in outbox if m["to"] == to and m["body"] == body), None)
