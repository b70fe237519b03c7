"""SMS: a phone number in E.164 is the address; a reply is one paid segment
(``replies.render``); sent through SMS_BACKEND (Twilio, the console, locmem)."""

from __future__ import annotations

from datetime import datetime

from sms_gateway import replies
from sms_gateway.backends import get_backend
from sms_gateway.channels import Channel
from sms_gateway.conversation import answers
from sms_gateway.phones import InvalidPhone, country_allowed, is_person, normalize_phone
from sms_gateway.segments import SMS_SEGMENT, count_segments


def phone_address(sender: str) -> str | None:
    """The number in E.164, or None when we must not answer it: short codes and
    alphanumeric senders (auto-reply loops, paid replies to robots), numbers we cannot
    read, numbers outside SMS_ALLOWED_COUNTRIES (every reply is paid)."""
    if not is_person(sender):
        return None
    try:
        number = normalize_phone(sender)
    except InvalidPhone:
        return None
    return number if country_allowed(number) else None


class Sms(Channel):
    name = "sms"
    scheme = ""  # a bare number
    room = SMS_SEGMENT

    def owns(self, address: str) -> bool:
        return True  # what no other channel's scheme claims is a phone number

    def address(self, sender: str) -> str | None:
        return phone_address(sender)

    def phone(self, address: str) -> str | None:
        return address

    def may_send(self, address: str) -> bool:
        return country_allowed(address)

    def render(self, answer: answers.Answer, language: str) -> str:
        return replies.render(answer, language)

    def cost(self, reply: str) -> int:
        """Its paid segments."""
        return count_segments(reply).segments

    def send(self, *, to: str, body: str, unprompted: bool = False) -> str:
        return get_backend().send(to=to, body=body, unprompted=unprompted)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        return get_backend().find_sent(to=to, body=body, since=since)
