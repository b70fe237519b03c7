# In telecentre, the app that depends on all the others: a backup spans every app.
import gzip
from typing import Any, TextIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

#: Everything the service knows besides the role groups (written first, see below):
#: people, the price data (derived tables included, so a restore needs no rebuild), SMS
#: bulletins and the voice line's recordings and callbacks (its calls' menus are kept a
#: day only). dumpdata orders the models so every reference comes after its target.
APPS = [
    "auth.user",
    "authtoken",
    "agriprices",
    "sms_gateway",
    "voice.recordedclip",
    "voice.outboundcall",
    "telecentre",
]


class Command(BaseCommand):
    help = (
        "Write every price, subscriber, message, bulletin and user to one file, a JSON "
        "object a line: backup /var/backups/prices-2026-11-23.backup.gz (gzip when the "
        "name ends in .gz). Read back into an empty, migrated database with: restore FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="ends in .backup or .backup.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        path = str(options["path"])
        if not path.endswith((".backup", ".backup.gz")):
            raise CommandError("the file name must end in .backup or .backup.gz")
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "wt", encoding="utf-8") as stream:
            self._dump(stream)
        self.stdout.write(f"Backup written to {path}.")

    @staticmethod
    def _dump(stream: TextIO) -> None:
        # Groups by name: migrate made the roles in the new database under ids of its own.
        call_command(
            "dumpdata",
            "auth.group",
            format="backup",
            natural_foreign=True,
            natural_primary=True,
            stdout=stream,
        )
        # Everything else keeps its id (ids are in URLs, API answers and logs);
        # permissions and content types are named, whatever ids they have now.
        call_command("dumpdata", *APPS, format="backup", natural_foreign=True, stdout=stream)
