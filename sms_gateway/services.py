"""Market agents' numbers: who may report prices by SMS, with which PIN. (The inbound
path every text channel shares is sms_gateway.channels.inbound.)"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction

from agriprices.models import AgentProfile
from sms_gateway.models import AgentPin
from sms_gateway.phones import mask_phone, normalize_phone


def register_agent_phone(*, user: User, phone: str, pin: str) -> str:
    """Let ``user`` (a market agent) report prices by SMS from ``phone`` with ``pin``;
    returns the number in E.164. Raises ValueError or InvalidPhone."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValueError("the PIN must be 4 to 8 digits")
    number = normalize_phone(phone)
    with transaction.atomic():
        taken = AgentProfile.objects.filter(phone=number).exclude(user=user).first()
        if taken is not None:
            raise ValueError(f"{mask_phone(number)} belongs to another agent")
        profile, _ = AgentProfile.objects.get_or_create(user=user)
        profile.phone = number
        profile.save(update_fields=["phone"])
        AgentPin.objects.update_or_create(
            profile=profile, defaults={"pin_hash": make_password(pin)}
        )
    return number
