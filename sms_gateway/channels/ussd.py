"""USSD: a menu channel on the conversation core. The caller's phone number is the
address (the same subscriber as its SMS: a language or a subscription chosen in the menu
holds for both); a screen is 182 GSM-7 characters or 80 once one needs UCS-2
(``segments.USSD_SCREEN``). A session counts as one question against the hourly limit
and costs one reply against the day's. USSD sends nothing of its own. The menus are in
sms_gateway/ussd/, the aggregators' callbacks in ussd/gateways.py."""

from __future__ import annotations

from sms_gateway import replies
from sms_gateway.channels import Channel
from sms_gateway.channels.sms import phone_address
from sms_gateway.conversation import answers
from sms_gateway.segments import USSD_SCREEN


class Ussd(Channel):
    name = "ussd"
    room = USSD_SCREEN

    def address(self, sender: str) -> str | None:
        return phone_address(sender)

    def cost(self, reply: str) -> int:
        """A session costs as one reply, however many screens it shows (the screens
        are free to the caller; the operator pays the aggregator by the session)."""
        return 1

    def render(self, answer: answers.Answer, language: str) -> str:
        return replies.render(answer, language, USSD_SCREEN)
