"""The one rule for the language we answer in, whoever asks and however they ask."""

from __future__ import annotations

from django.conf import settings


def reply_language(*, chosen: str = "", written: str = "") -> str:
    """The language a person chose (LANG by text, the USSD menu, the API's ``lang``), else
    the one their words were written in (a message, a subscription asked in it), else
    the service's default."""
    return chosen or written or settings.LANGUAGE_CODE[:2]
