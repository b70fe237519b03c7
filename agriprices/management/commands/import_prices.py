import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agriprices.importers import FORMATS, import_price_rows, read_price_file
from agriprices.importers.readers import FileFormatError


class Command(BaseCommand):
    help = (
        "Import prices from a CSV file: our own format (--format csv, what export_prices "
        "writes) or a World Food Programme HDX food-price file (--format wfp). Re-importing "
        "a file changes nothing. By default nothing is stored if any row is bad; every bad "
        "row is listed with its line number."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file to read ('-' for stdin)")
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument("--dry-run", action="store_true", help="check and count, store nothing")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="store the good rows even when some are bad (they are still listed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        show_progress = options["verbosity"] >= 1

        def progress(done: int) -> None:
            if show_progress:
                self.stderr.write(f"\r  {done} rows checked…", ending="")
                self.stderr.flush()

        try:
            stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            rows = read_price_file(stream, options["format"])
            report = import_price_rows(
                rows,
                dry_run=options["dry_run"],
                all_or_nothing=not options["partial"],
                progress=progress,
            )
        except FileFormatError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        finally:
            if stream is not sys.stdin:
                stream.close()
        if show_progress and report.rows_read >= 1000:
            self.stderr.write("")
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"{path}: {error}"))
        summary = report.summary()
        if report.errors and not report.stored and not report.dry_run:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary) if not report.errors else summary)
