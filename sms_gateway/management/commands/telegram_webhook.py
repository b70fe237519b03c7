from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sms_gateway.backends import SendError
from sms_gateway.channels.telegram import bot_api

#: The only ports setWebhook takes (https://core.telegram.org/bots/api#setwebhook).
WEBHOOK_PORTS = (443, 80, 88, 8443)
#: What Telegram accepts as a secret token.
_SECRET_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class Command(BaseCommand):
    help = (
        "Point the Telegram bot (TELEGRAM_BOT_TOKEN) at this service: "
        "telegram_webhook --url https://prices.example.org/telegram/webhook/ registers the "
        "webhook with TELEGRAM_WEBHOOK_SECRET, which Telegram then sends with every update. "
        "Run it again after changing the URL or the secret."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", required=True, help="the public HTTPS address of /telegram/webhook/"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"].strip()
        check_url(url)
        secret = settings.TELEGRAM_WEBHOOK_SECRET
        if not secret:
            raise CommandError("set TELEGRAM_WEBHOOK_SECRET first (1-256 of A-Z a-z 0-9 _ -)")
        if len(secret) > 256 or not set(secret) <= _SECRET_LETTERS:
            raise CommandError("TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ -")
        try:
            bot_api(
                "setWebhook",
                {"url": url, "secret_token": secret, "allowed_updates": ["message"]},
            )
        except SendError as exc:
            raise CommandError(f"Telegram refused: {exc.message}") from exc
        self.stdout.write(f"Telegram will send the bot's messages to {url}")


def check_url(url: str) -> None:
    """Refuse, before Telegram is asked, a webhook address it would refuse: not https,
    no host, or a port other than 443, 80, 88 and 8443."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise CommandError(f"--url must be an https:// address Telegram can reach: {url!r}")
    try:
        port = parts.port or 443
    except ValueError:
        port = None  # not a number, or past 65535
    if port not in WEBHOOK_PORTS:
        shown = ", ".join(str(p) for p in WEBHOOK_PORTS)
        raise CommandError(f"--url must use a port Telegram sends webhooks to ({shown}): {url!r}")
