"""The one rule for the language we answer in, whoever asks and however they ask."""

from __future__ import annotations

from django.conf import settings


def reply_language(*, chosen: str = "", written: str = "", app: str = "") -> str:
    """The language a person chose (LANG by text, the USSD menu, the API's ``lang``), else
    the one their words were written in (a message, a subscription asked in it), else
    the one their chat app is set to (Telegram says so with each message), else the
    service's default."""
    return chosen or written or app or settings.LANGUAGE_CODE[:2]


def spoken(tag: object) -> str:
    """Our language of a language tag as apps send it ("ru", "ru-RU", "pt-br"): its
    primary subtag when we answer in it, else "" (the service's default then)."""
    if not isinstance(tag, str):
        return ""
    primary = tag.split("-", 1)[0].split("_", 1)[0].casefold()
    return primary if primary in dict(settings.LANGUAGES) else ""
