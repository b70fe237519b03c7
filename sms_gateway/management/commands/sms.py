import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sms_gateway.channels import inbound
from sms_gateway.phones import InvalidPhone, normalize_phone
from sms_gateway.segments import count_segments


class Command(BaseCommand):
    help = (
        "Answer a message as if it came by SMS, and show the reply and what it costs: "
        'sms "POTATO OSH" --from +996555123456. The message is stored like a real one '
        "(a LANG or STOP changes that number's settings); nothing is sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="the message, in quotes")
        parser.add_argument("--from", dest="sender", required=True, help="the sender's phone")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sender = normalize_phone(options["sender"])
        except InvalidPhone as exc:
            raise CommandError(str(exc)) from exc
        message = inbound.receive(
            provider="console",
            provider_sid=f"console-{uuid.uuid4().hex}",
            sender=sender,
            body=options["text"],
        )
        counted = count_segments(message.reply)
        self.stdout.write(message.reply or "(no reply)")
        self.stderr.write(
            f"[{message.action}] {counted.encoding}, {counted.units} units, "
            f"{counted.segments} segment(s)"
        )
