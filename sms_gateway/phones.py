"""Phone numbers at the edge: normalised to E.164 with phonenumbers, masked in logs.

Where a number is an address (SMS, WhatsApp behind its scheme) is the channels' business
(sms_gateway.channels)."""

from __future__ import annotations

import functools

import phonenumbers
from django.conf import settings


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 form of ``raw`` ("+996555123456"); national forms are read in ``region``
    (default SMS_DEFAULT_REGION). Raises InvalidPhone."""
    return _e164(raw, region or settings.SMS_DEFAULT_REGION)


# Pure functions of their arguments, called for every inbound SMS: the same numbers
# write again and again, and parsing one costs more than answering it from memory.
@functools.lru_cache(maxsize=65536)
def _e164(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {mask_phone(raw)}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"not a possible phone number: {mask_phone(raw)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(number: str) -> str:
    """Enough of a number to tell two apart in a log, not enough to call it:
    "+996555123456" -> "+9965******56"; an address's scheme is kept, its number masked
    ("whatsapp:+9965******56")."""
    text = str(number)
    scheme, colon, rest = text.partition(":")
    if colon and scheme.isalpha():
        return f"{scheme}:{mask_phone(rest)}"
    if len(text) <= 6:
        return "*" * len(text)
    return text[:5] + "*" * (len(text) - 7) + text[-2:]


def is_person(sender: str) -> bool:
    """Whether a sender can be a person's phone. Short codes and alphanumeric senders
    (banks, carriers, other services) are never answered: that is how auto-reply loops
    and paid replies to robots start."""
    digits = sender.lstrip("+")
    return digits.isascii() and digits.isdigit() and len(digits) >= 8


def country_allowed(e164: str) -> bool:
    """Whether we may send to this number's country (SMS_ALLOWED_COUNTRIES, ISO codes;
    "*" allows every country). Every SMS we send is paid, and an open list is how a
    stranger's script runs up an international bill."""
    allowed = settings.SMS_ALLOWED_COUNTRIES
    return "*" in allowed or _country(e164) in allowed


@functools.lru_cache(maxsize=65536)
def _country(e164: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return None
