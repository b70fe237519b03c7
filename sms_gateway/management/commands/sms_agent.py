import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agriprices.management.users import active_user
from sms_gateway import services
from sms_gateway.phones import InvalidPhone


class Command(BaseCommand):
    help = (
        "Let a market agent report prices by SMS: set their phone number and PIN "
        "(asked for when not given). They then text: P POTATO OSH 18.5 KG <PIN>."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--phone", required=True)
        parser.add_argument("--pin", help="4 to 8 digits (prompted for when omitted)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["username"])
        pin = options["pin"] or getpass.getpass("PIN (4-8 digits): ")
        try:
            phone = services.register_agent_phone(user=user, phone=options["phone"], pin=pin)
        except (InvalidPhone, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{user.username} may now report prices by SMS from {phone}")
