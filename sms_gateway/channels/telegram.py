"""Telegram: a bot on the Bot API. The address is ``telegram:`` and the private chat's
id; answers are chat texts of up to 4,096 characters (``fits_telegram``), sent with
``sendMessage`` at TELEGRAM_API_BASE with TELEGRAM_BOT_TOKEN, like every message we send
(queued once, sent by a worker, retried when Telegram asks to). Its webhook,
``POST /telegram/webhook/``, takes only requests carrying TELEGRAM_WEBHOOK_SECRET in
``X-Telegram-Bot-Api-Secret-Token`` and hands each update to the shared inbound path, by
its chat and message id: a resent update is acted on and answered once. A photo's or a
document's caption is read as its text; a voice note or a sticker, without words, is told
how to ask. ``/start``, ``/help`` and ``/stop`` are START, HELP and STOP.
``manage.py telegram_webhook --url`` registers the webhook with the secret."""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any

import requests
from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sms_gateway.backends import SendError
from sms_gateway.channels import Channel, inbound
from sms_gateway.conversation import answers
from sms_gateway.conversation.language import spoken
from sms_gateway.replies import chat
from sms_gateway.segments import Room

logger = logging.getLogger(__name__)
SCHEME = "telegram:"
#: The longest text sendMessage takes, in UTF-16 code units (as Telegram counts).
MOST = 4096
_CHAT_ID = re.compile(r"-?\d{1,20}")
#: Bot commands and the keyword each one is: keywords that tell no language, as a
#: command is tapped in the bot's menu, not written ("HELP" would be English: INFO).
_BOT_COMMANDS = {"/start": "START", "/help": "INFO", "/stop": "STOP"}
#: What a person sends in a chat besides words (Message's fields in the Bot API); every
#: other message without text is a service message (a pin, a payment, a chat setting).
_SENT_WITHOUT_WORDS = frozenset(
    "animation audio contact dice document location photo poll sticker story venue video "
    "video_note voice".split()
)


def fits_telegram(text: str) -> bool:
    """Whether ``text`` fits one Telegram message: 4,096 UTF-16 code units (an emoji
    beyond the Basic Multilingual Plane takes two)."""
    return len(text.encode("utf-16-le")) // 2 <= MOST


ROOM = Room(fits_telegram)


def bot_api(method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Call a Bot API method; its ``result``. Raises SendError: permanent for a chat
    that cannot receive (blocked the bot, gone) or our own setup (no token, a bad
    request), transient for flood control (429), Telegram's errors and the network."""
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise SendError("TELEGRAM_BOT_TOKEN is not set", permanent=True, about_number=False)
    url = f"{settings.TELEGRAM_API_BASE.rstrip('/')}/bot{token}/{method}"
    try:
        response = requests.post(url, json=payload, timeout=settings.TELEGRAM_TIMEOUT_SECONDS)
    except requests.RequestException as exc:  # never the URL: it holds the token
        raise SendError(f"telegram unreachable: {exc.__class__.__name__}") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 200 and answer.get("ok"):
        result = answer.get("result")
        return result if isinstance(result, dict) else {"value": result}
    status, description = response.status_code, str(answer.get("description", ""))
    why, code = f"telegram {status}: {description[:120]}", str(status)
    if status == 403 or (status == 400 and "chat not found" in description.casefold()):
        # "Forbidden: bot was blocked by the user", "Bad Request: chat not found": this
        # chat receives nothing more until it writes again (START, /start).
        raise SendError(why, permanent=True, code=code)
    if status == 429 or status >= 500:
        # Flood control, Telegram's trouble: later, and for flood control no sooner than
        # it says (sending before then only lengthens the wait).
        raise SendError(why, code=code, retry_after=_retry_after(answer))
    # Our token (401, 404) or our request: no chat is to blame.
    raise SendError(why, permanent=True, code=code, about_number=False)


def _retry_after(answer: dict[str, Any]) -> float | None:
    """The seconds a refusal asks us to wait (``parameters.retry_after``), if it says."""
    parameters = answer.get("parameters")
    wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(wait, int | float) and not isinstance(wait, bool) and wait >= 0:
        return float(wait)
    return None


@csrf_exempt  # Telegram proves itself with the secret token header, not a CSRF token
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Telegram's updates. A private chat's message goes through the shared inbound path
    once per message (``_message_key``), its words read from its text or caption
    (``_words``); every other update (an edit, a group, a channel post, a service
    message) is acknowledged and left, so Telegram does not send it again."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not secret:
        raise Http404("no Telegram bot here")
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        logger.warning("telegram webhook with a wrong secret token refused")
        return HttpResponseForbidden("bad secret token")
    try:
        update = json.loads(request.body)
        update_id = update["update_id"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("a Telegram update with its update_id is required")
    if not _is_id(update_id):
        return HttpResponseBadRequest("update_id must be an integer")
    message = update.get("message")
    chat_info = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat_info, dict) or chat_info.get("type") != "private":
        return JsonResponse({})
    # Checked here, not by the database: a value it refuses would be taken for the
    # database being down, spooled, and block every message spooled after it.
    if not _is_id(chat_info.get("id")):
        return HttpResponseBadRequest("message.chat.id must be an integer")
    words = _words(message)
    if words is None:
        return JsonResponse({})  # a service message (a pin, a payment): nobody asked
    inbound.receive_or_spool(
        provider="telegram",
        provider_sid=_message_key(update_id, chat_info["id"], message.get("message_id")),
        sender=f"{SCHEME}{chat_info['id']}",
        body=_keyword(words),
        # The language the person's Telegram is set to: answers are in it until LANG or
        # the words of a message say another.
        app_language=spoken(_field(message.get("from"), "language_code")),
    )
    return JsonResponse({})


def _words(message: dict[str, Any]) -> str | None:
    """What a person wrote: the text, else a photo's, a video's or a document's caption
    ("potato price osh?" under a photo); "" for what a person sends without words (a
    voice note, a sticker, a photo alone, a location), which is answered as an empty SMS
    is, by how to ask; None for what nobody wrote (a pinned message, a payment)."""
    for field in ("text", "caption"):
        if isinstance(message.get(field), str):
            return str(message[field])
    return "" if any(kind in message for kind in _SENT_WITHOUT_WORDS) else None


def _field(value: object, name: str) -> object:
    return value.get(name) if isinstance(value, dict) else None


def _is_id(value: object) -> bool:
    """Whether ``value`` is an id as Telegram writes them: an integer of at most 64 bits."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _message_key(update_id: int, chat_id: int, message_id: object) -> str:
    """What a message is stored once by: its chat and its id in that chat. Not the
    ``update_id`` alone: after a week without updates Telegram picks the next one at
    random, and a new bot token starts over, so an old id can come back on a new
    message, which would then be taken for a resend and never answered."""
    if _is_id(message_id):
        return f"{chat_id}:{message_id}"
    return str(update_id)


def _keyword(text: str) -> str:
    """A bot command as the keyword it is ("/start", "/help@AgriPricesBot"). With words
    after it, the keyword and those words, read as any message is: "/stop potato osh"
    is "STOP potato osh", which the core does not take for STOP (a keyword acts only
    as the whole message). "/start"'s words are a deep link's payload: START."""
    command, *rest = text.split(maxsplit=1) or [""]
    keyword = _BOT_COMMANDS.get(command.split("@", 1)[0].casefold())
    if keyword is None:
        return text
    if keyword == "START" or not rest:
        return keyword
    return f"{keyword} {rest[0]}"


class Telegram(Channel):
    name = "telegram"
    scheme = SCHEME
    room = ROOM
    answers_inline = False  # answered by sendMessage, not in the webhook's response
    every_market = True

    def address(self, sender: str) -> str | None:
        chat_id = sender.removeprefix(SCHEME)
        if not sender.startswith(SCHEME) or not _CHAT_ID.fullmatch(chat_id):
            return None
        return sender

    def render(self, answer: answers.Answer, language: str) -> str:
        text = chat.render(answer, language, ROOM)
        if isinstance(answer, answers.OptedIn):  # /start: welcome, then how to ask
            text = f"{text}\n\n{chat.render(answers.Help(), language, ROOM)}"
        return text

    def send(self, *, to: str, body: str, unprompted: bool = False) -> str:
        result = bot_api("sendMessage", {"chat_id": int(to.removeprefix(SCHEME)), "text": body})
        return str(result.get("message_id", ""))

    urlpatterns = [path("telegram/webhook/", webhook, name="telegram-webhook")]
