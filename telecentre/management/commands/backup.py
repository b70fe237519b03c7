# In telecentre, the app that depends on all the others: a backup spans every app.
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

#: Everything the service knows, in dependency order: people and roles, the price data
#: (derived tables included, so a restore needs no rebuild), SMS and bulletins.
APPS = ["auth.user", "auth.group", "authtoken", "agriprices", "sms_gateway", "telecentre"]


class Command(BaseCommand):
    help = (
        "Write every price, subscriber, message, bulletin and user to one file, a JSON "
        "object a line: backup /var/backups/prices-2026-11-23.backup.gz (gzip when the "
        "name ends in .gz). Read back into an empty, migrated database with: restore FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="ends in .backup or .backup.gz")

    def handle(self, *args: object, **options: object) -> None:
        if not str(options["path"]).endswith((".backup", ".backup.gz")):
            raise CommandError("the file name must end in .backup or .backup.gz")
        # Natural keys: permissions and content types are matched by name on restore,
        # whatever ids the new database gave them.
        call_command(
            "dumpdata",
            *APPS,
            format="backup",
            natural_foreign=True,
            natural_primary=True,
            output=options["path"],
            verbosity=0,
        )
        self.stdout.write(f"Backup written to {options['path']}.")
