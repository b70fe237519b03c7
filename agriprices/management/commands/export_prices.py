import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from agriprices import spreadsheet
from agriprices.importers.readers import CSV_COLUMNS
from agriprices.models import Quote
from agriprices.selectors.quotes import quotes_for_export


class Command(BaseCommand):
    help = (
        "Write prices as CSV in the format import_prices --format csv reads back "
        "(approved prices by default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
        parser.add_argument(
            "--status",
            choices=[*Quote.Status.values, "all"],
            default=Quote.Status.APPROVED,
        )
        parser.add_argument("--commodity", help="slug of one commodity")
        parser.add_argument("--market", help="slug of one market")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = quotes_for_export(
            status=None if options["status"] == "all" else options["status"],
            commodity_slug=options["commodity"],
            market_slug=options["market"],
        )
        out = (
            options["output"].open("w", encoding="utf-8", newline="")
            if options["output"]
            else sys.stdout
        )
        try:
            writer = spreadsheet.writer(out)
            writer.writerow(CSV_COLUMNS)
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
        except BrokenPipeError:
            # The reader (e.g. `| head`) has what it wanted; not an error of ours.
            sys.stderr.close()
            return
        finally:
            if out is not sys.stdout:
                out.close()
        if options["output"]:
            self.stderr.write(f"wrote {count} prices to {options['output']}")
