"""WhatsApp through Twilio: ``whatsapp:`` and an E.164 number is the address (settings,
STOP and limits belong to it, apart from the same number's SMS). Answers are chat texts of
up to 1,000 characters (``replies.chat``), one message each whatever their length: a
price comes with every market's. Alerts, digests and broadcasts go as the approved
template (the backend's ``send_whatsapp``)."""

from __future__ import annotations

from datetime import datetime

from sms_gateway.backends import get_backend
from sms_gateway.channels import Channel
from sms_gateway.channels.sms import phone_address
from sms_gateway.conversation import answers
from sms_gateway.phones import country_allowed
from sms_gateway.replies import chat

SCHEME = "whatsapp:"
#: The longest WhatsApp answer we send.
MOST = 1000
ROOM = chat.characters(MOST)


class WhatsApp(Channel):
    name = "whatsapp"
    scheme = SCHEME
    room = ROOM
    every_market = True

    def address(self, sender: str) -> str | None:
        if not sender.startswith(SCHEME):
            return None
        number = phone_address(sender.removeprefix(SCHEME))
        return f"{SCHEME}{number}" if number else None

    def phone(self, address: str) -> str | None:
        return address.removeprefix(SCHEME)

    def may_send(self, address: str) -> bool:
        return country_allowed(address.removeprefix(SCHEME))

    def render(self, answer: answers.Answer, language: str) -> str:
        return chat.render(answer, language, ROOM)

    def send(self, *, to: str, body: str, unprompted: bool = False) -> str:
        return get_backend().send_whatsapp(to=to, body=body, unprompted=unprompted)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        return get_backend().find_sent(to=to, body=body, since=since)
