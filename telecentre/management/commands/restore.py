from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agriprices.models import Commodity, Quote
from sms_gateway.models import Subscriber


@contextmanager
def _stored_timestamps() -> Iterator[None]:
    """Keep the times in the file: Django stamps auto_now and auto_now_add fields with the
    current time on every save, loaddata's included."""
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    # DateField and DateTimeField only, as chosen above (Field in general has neither).
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]  # type: ignore[attr-defined]  # date fields only
    for field in fields:
        field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]  # date fields only
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]  # date fields only


class Command(BaseCommand):
    help = (
        "Load a file written by `backup` into this database, which must be migrated and "
        "hold no prices or subscribers yet (so nothing is doubled): restore FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        if Quote.objects.exists() or Commodity.objects.exists() or Subscriber.objects.exists():
            raise CommandError(
                "this database already holds prices or subscribers; restore into an empty one"
            )
        # One transaction: a file that fails half-way leaves the database as it was.
        with _stored_timestamps():
            call_command("loaddata", options["path"], verbosity=0)
        self.stdout.write(
            f"Restored {Quote.objects.count()} quotes and "
            f"{Subscriber.objects.count()} subscribers from {options['path']}."
        )
