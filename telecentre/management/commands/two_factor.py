from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from agriprices.management.users import active_user
from telecentre import two_factor


class Command(BaseCommand):
    help = (
        "Second factors: 'two_factor status USER' says whether the account has one and "
        "how many recovery codes are left; 'two_factor reset USER' removes its "
        "authenticator and recovery codes (a lost phone and lost codes), so it enrols "
        "again at its next sign-in. Recorded in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "reset"])
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["username"])
        if options["action"] == "reset":
            removed = two_factor.reset(user=user, by=None)
            self.stdout.write(
                f"{user.username}: {removed} device(s) removed; enrols again at next sign-in"
            )
            return
        enrolled = two_factor.has_second_factor(user)
        required = two_factor.must_use_two_factor(user)
        self.stdout.write(
            f"{user.username}: {'enrolled' if enrolled else 'not enrolled'}, "
            f"{two_factor.recovery_codes_left(user)} recovery code(s) left, "
            f"{'required' if required else 'not required'} for this account"
        )
