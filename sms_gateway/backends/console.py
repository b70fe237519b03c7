"""Prints messages instead of sending them (the demo). Numbers are masked."""

import sys
import uuid

from sms_gateway.backends.base import BaseSmsBackend
from sms_gateway.phones import mask_phone


class ConsoleBackend(BaseSmsBackend):
    def send(
        self, *, to: str, body: str, status_callback: str = "", unprompted: bool = False
    ) -> str:
        sys.stdout.write(f"SMS to {mask_phone(to)}: {body}\n")
        return f"CO{uuid.uuid4().hex[:16]}"

    def send_whatsapp(self, *, to: str, body: str, unprompted: bool = False) -> str:
        return self.send(to=to, body=body, unprompted=unprompted)
