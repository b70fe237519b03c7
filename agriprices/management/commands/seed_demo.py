from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agriprices.demo.catalogue import ensure_demo_catalogue
from agriprices.demo.collection import ensure_demo_plans
from agriprices.demo.prices import YEARS, date_demo_records, new_demo_rows
from agriprices.demo.users import ensure_demo_users
from agriprices.importers import import_price_rows
from agriprices.warnings.computation import refresh_warnings


class Command(BaseCommand):
    help = (
        "Load the demo: markets and commodities of the Kyrgyz pilot region, four years of "
        "prices, their price warnings, the markets' collection plans and four logins "
        "(admin, operator, two agents) with known "
        "passwords. Safe to run again: nothing is duplicated. Refuses to run with DEBUG "
        "off unless --force, because the demo passwords are public."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--no-users", action="store_true", help="skip the demo logins")
        parser.add_argument(
            "--no-voice", action="store_true", help="skip making the voice line's clips"
        )
        parser.add_argument(
            "--days", type=int, default=365 * YEARS, help="how many days of prices (1460)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"] and not options["no_users"]:
            raise CommandError(
                "DEBUG is off: the demo logins have public passwords. Use --no-users, or "
                "--force if this really is a throwaway install."
            )
        ensure_demo_catalogue()
        today = timezone.localdate()
        self.stdout.write(f"Collection plans: {ensure_demo_plans()} markets")

        def progress(done: int) -> None:
            if done % 5000 == 0:
                self.stderr.write(f"\r  {done} demo prices checked…", ending="")
                self.stderr.flush()

        report = import_price_rows(new_demo_rows(today, options["days"]), progress=progress)
        self.stderr.write("")
        for error in report.errors:
            self.stderr.write(self.style.ERROR(str(error)))
        if not report.stored:
            raise CommandError(f"demo prices not loaded: {report.summary()}")
        date_demo_records(timezone.localtime())
        self.stdout.write(f"Demo prices: {report.summary()}")
        run = refresh_warnings()
        self.stdout.write(f"Price warnings: {run.series} series, {run.changed} months changed")
        # The voice line speaks the demo in four languages: its clips made with espeak-ng
        # (by name: the price domain imports no other app; the command is the voice app's).
        if apps.is_installed("voice") and not options["no_voice"]:
            call_command(
                "voice_clips",
                "--synthesize",
                "--if-available",
                stdout=self.stdout,
                stderr=self.stderr,
            )
        if options["no_users"]:
            return
        self.stdout.write(self.style.SUCCESS("Demo logins (for this demo only):"))
        for username, password, role in ensure_demo_users():
            self.stdout.write(f"  {role:<14} {username:<9} password: {password}")
