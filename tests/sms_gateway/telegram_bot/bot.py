"""The Bot API on loopback, and what the Telegram tests share."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "test-webhook-secret_not-a-secret"
TOKEN = "123456:test-bot-token-not-a-secret"  # noqa: S105 - a local stand-in's token
CHAT = 555000111


class BotApi:
    """The Bot API on loopback: records every method called with its JSON (and when),
    and answers ok, or what ``refuse`` scripts for the next sendMessage calls (a status,
    a description and, for flood control, ``parameters``)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.called_at: list[float] = []
        self.refuse: list[tuple[int, str] | tuple[int, str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                token, _, method = self.path.removeprefix("/bot").partition("/")
                assert token == TOKEN
                stub.calls.append((method, body))
                stub.called_at.append(time.monotonic())
                status, answer = 200, {"ok": True, "result": {"message_id": len(stub.calls)}}
                if method == "sendMessage" and stub.refuse:
                    status, description, *parameters = stub.refuse.pop(0)
                    answer = {"ok": False, "error_code": status, "description": description}
                    if parameters:
                        answer["parameters"] = parameters[0]
                if method == "setWebhook":
                    answer = {"ok": True, "result": True, "description": "Webhook was set"}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self) -> list[dict]:
        return [body for method, body in self.calls if method == "sendMessage"]


def replies(bot_api: BotApi, chat: int = CHAT) -> list[str]:
    return [body["text"] for body in bot_api.sent() if body["chat_id"] == chat]
