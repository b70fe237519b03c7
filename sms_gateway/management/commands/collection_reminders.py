from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agriprices.collection.digest import send_digest
from sms_gateway import reminders
from sms_gateway.phones import mask_phone


class Command(BaseCommand):
    help = (
        "Remind every market agent with prices still missing for a collection day (today "
        "by default) by SMS or WhatsApp, and mail the operators' collection digest. Beat "
        "runs this daily at COLLECTION_REMINDER_HOUR. Running it again the same day sends "
        "nobody anything twice. --dry-run lists the reminders and sends nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the collection day, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="list, send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        day = today
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: not a day in YYYY-MM-DD: {options['date']!r}") from exc
            if day > today:
                raise CommandError(f"--date: {day} is in the future; nothing is missing yet")
        dry_run = options["dry_run"]
        listed = reminders.send_reminders(day, today=today, dry_run=dry_run)
        for reminder in listed:
            self.stdout.write(f"{reminder.agent} ({mask_phone(reminder.to)}): {reminder.body}")
        verb = "would be queued" if dry_run else "queued (each once a day)"
        self.stdout.write(f"{len(listed)} reminder(s) for {day} {verb}")
        mailed = send_digest(day, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"the operators' digest would go to {mailed} operator(s)")
        else:
            self.stdout.write(f"operators' digest: sent to {mailed} operator(s)")
