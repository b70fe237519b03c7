"""USSD aggregators' callbacks, one small class each: what a request says (who, which
session, the answers so far) and how a screen is answered. Another aggregator (MSISDN,
SESSIONID, INPUT ...) is another class here, not a fork of the menus."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse, QueryDict

from sms_gateway.ussd.menus import Screen


@dataclass(frozen=True)
class UssdRequest:
    session_id: str
    phone: str
    service_code: str
    answers: list[str]  # every answer so far, oldest first; empty on the first screen


class AfricasTalking:
    """Africa's Talking: form fields sessionId, serviceCode, phoneNumber, networkCode and
    text (the answers so far joined by ``*``); the answer is text/plain starting ``CON ``
    (more to come) or ``END ``."""

    required = ("sessionId", "phoneNumber")

    def read(self, form: QueryDict) -> UssdRequest | None:
        if any(not form.get(name) for name in self.required):
            return None
        text = form.get("text", "")
        return UssdRequest(
            session_id=form.get("sessionId", ""),
            phone=form.get("phoneNumber", ""),
            service_code=form.get("serviceCode", ""),
            answers=text.split("*") if text else [],
        )

    def answer(self, screen: Screen) -> HttpResponse:
        prefix = "END" if screen.final else "CON"
        return HttpResponse(f"{prefix} {screen.text}", content_type="text/plain; charset=utf-8")


GATEWAYS = {"africastalking": AfricasTalking()}
