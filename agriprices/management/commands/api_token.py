from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token

from agriprices.management.users import active_user


class Command(BaseCommand):
    help = (
        "Show, issue, rotate or revoke the API token of a user (market agents write prices "
        "with it: 'Authorization: Token <key>'). Tokens are also managed in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--rotate", action="store_true", help="replace the token with a new one"
        )
        action.add_argument("--revoke", action="store_true", help="delete the token")

    def handle(self, *args: Any, **options: Any) -> None:
        user = active_user(options["username"])
        if options["revoke"]:
            deleted, _ = Token.objects.filter(user=user).delete()
            self.stdout.write(
                f"token of {user.username} revoked" if deleted else "no token to revoke"
            )
            return
        if options["rotate"]:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        self.stderr.write(f"{'new ' if created else ''}token of {user.username}:")
        self.stdout.write(token.key)
