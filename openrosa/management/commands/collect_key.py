from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agriprices.management.users import active_user
from config import site
from openrosa import keys

#: Ten years; a key that should outlive its phone needs no expiry at all.
MAX_EXPIRY_DAYS = 3650


class Command(BaseCommand):
    help = (
        "Issue a key for one phone's ODK Collect and print the server URL to give it "
        "(no username or password needed on the phone): collect_key aibek --name "
        '"Aibek\'s Samsung" --base-url https://prices.example.org. The URL is printed '
        "once; only its hash is kept. List an agent's keys with --list, revoke one with "
        "--revoke ID."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agent", nargs="?", help="the agent's username")
        parser.add_argument("--name", default="", help="the phone's name (default: phone N)")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="the key stops working after N days"
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="the service's public address (default: https:// and the first ALLOWED_HOSTS)",
        )
        parser.add_argument("--list", action="store_true", help="list the agent's keys")
        parser.add_argument("--revoke", type=int, metavar="ID", help="revoke key ID")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"] is not None:
            try:
                key = keys.revoke_key(key_id=options["revoke"], by=None)
            except keys.CollectKeyError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"key {key.pk} ({key.user.username}: {key.name}) revoked")
            return
        if not options["agent"]:
            raise CommandError("name the agent, or give --revoke ID")
        agent = active_user(options["agent"])
        if options["list"]:
            for key in keys.keys_of(agent):
                state = "revoked" if key.revoked_at else "expired" if key.is_expired else "valid"
                used = (
                    key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
                )
                self.stdout.write(
                    f"{key.pk}\t{key.name}\t{state}\tcreated {key.created_at:%Y-%m-%d}\t"
                    f"last used {used}\t{key.last_address or '-'}"
                )
            return
        days = options["expires_days"]
        if days is not None and not 1 <= days <= MAX_EXPIRY_DAYS:
            raise CommandError(f"--expires-days must be from 1 to {MAX_EXPIRY_DAYS}")
        base = options["base_url"] or _default_base_url()
        parts = urlsplit(base)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise CommandError(
                "--base-url must be the service's address, e.g. https://prices.example.org"
            )
        name = options["name"] or f"phone {keys.keys_of(agent).count() + 1}"
        try:
            issued = keys.issue_key(
                agent=agent,
                name=name,
                by=None,
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except keys.CollectKeyError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"key {issued.key.pk} for {agent.username} ({issued.key.name}); "
            "the URL below is shown this once:"
        )
        self.stdout.write(keys.key_url(base, issued.token))


def _default_base_url() -> str:
    base = site.base_url()
    if base is None:
        raise CommandError("give --base-url (neither SITE_URL nor ALLOWED_HOSTS names a host)")
    return base
