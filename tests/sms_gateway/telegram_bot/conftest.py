"""The Telegram tests' fixtures: the Bot API's stand-in, and updates posted to the
webhook as Telegram posts them."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator

import pytest

from tests.sms_gateway.telegram_bot.bot import CHAT, SECRET, TOKEN, BotApi

updates = itertools.count(1000)


@pytest.fixture
def bot_api(settings) -> Iterator[BotApi]:
    stub = BotApi()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    settings.TELEGRAM_API_BASE = stub.url
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def telegram(client, bot_api, django_capture_on_commit_callbacks):
    """Sends a chat's text as Telegram posts it; the replies are sent once committed."""

    def send(
        text,
        *,
        chat=CHAT,
        update_id=None,
        message_id=None,
        secret=SECRET,
        kind="private",
        language_code=None,
        **fields,
    ):
        """``text`` None: a message without it; ``fields``: the message's others (a
        photo, a caption, a voice note); ``language_code``: the sender's app's."""
        person = {"id": chat, "is_bot": False, "first_name": "Aibek"}
        if language_code is not None:
            person["language_code"] = language_code
        number = next(updates) if update_id is None else update_id
        update = {
            "update_id": number,
            "message": {
                "message_id": number if message_id is None else message_id,
                "date": 1764990000,
                "chat": {"id": chat, "type": kind, "first_name": "Aibek"},
                "from": person,
                **({} if text is None else {"text": text}),
                **fields,
            },
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/telegram/webhook/",
                json.dumps(update),
                content_type="application/json",
                HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
            )

    return send
