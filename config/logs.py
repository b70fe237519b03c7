"""Structured logs: one JSON object a line, with the request's id, and any phone number
masked whatever logged it (the SMS code masks its own; this catches the rest)."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar

#: The id of the request being handled in this thread or task, "-" outside one.
request_id: ContextVar[str] = ContextVar("request_id", default="-")
#: The client's address in the request being handled, "" outside one (for the audit trail).
client_address: ContextVar[str] = ContextVar("client_address", default="")

# E.164 or national numbers of 9+ digits, with an optional plus: keep the country code's
# first digits and the last two, so support can still tell two numbers apart.
_PHONE = re.compile(r"(?<![\w.])(\+?\d{3,4})\d{3,9}(\d{2})(?![\w.])")


# A Collect key travels in the URL (/openrosa/key/<token>/...): Django's own request
# logging ("Unauthorized: /openrosa/key/...") must not write it down.
# Anything up to the next slash: a mistyped token (a character too many, one from
# outside base64's alphabet, URL-escaped) is still almost the real one.
_KEY_IN_URL = re.compile(r"(/key/)[^/?#\s\"']+")


#: A "+" written into a URL's query ("?q=%2B996..." from a search box): read as "+", or
#: the number would stand after a letter and be left whole.
_ENCODED_PLUS = re.compile(r"%2B(?=\d)", re.IGNORECASE)


def mask_phones(text: str) -> str:
    text = _ENCODED_PLUS.sub("+", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}{'*' * 6}{m.group(2)}", text)


# A Telegram Bot API token ("123456789:AAH…") is part of every Bot API URL, which urllib3
# logs at DEBUG.
_BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


def mask_secrets(text: str) -> str:
    """Phone numbers, Collect keys and bot tokens in ``text`` made unreadable (tokens
    first: their digits would otherwise be taken for a number and the rest left)."""
    return mask_phones(_KEY_IN_URL.sub(r"\1[key]", _BOT_TOKEN.sub("<bot-token>", text)))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class PhoneMaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_secrets(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
