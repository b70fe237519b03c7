from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from agriprices.collection.digest import send_digest
from agriprices.collection.models import MAX_TOLERANCE_DAYS
from agriprices.collection.schedule import PeriodError, read_period
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
        parser.add_argument(
            "--date",
            help="the collection day, YYYY-MM-DD (default: today); a past day only while "
            "a price sent today still counts for its round",
        )
        parser.add_argument("--dry-run", action="store_true", help="list, send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        day = today
        if options["date"]:
            try:
                day = read_period("day", options["date"], today=today).start
            except PeriodError as exc:
                raise CommandError(f"--date: {exc.message}") from exc
            if day > today:
                raise CommandError(f"--date: {day} is in the future; nothing is missing yet")
            # The reply a reminder asks for records today's price: for a round whose
            # window has closed it would count for nothing.
            if day < today - timedelta(days=MAX_TOLERANCE_DAYS):
                raise CommandError(
                    f"--date: the round of {day} has closed (at most {MAX_TOLERANCE_DAYS} "
                    "days back); a price sent today would not count for it"
                )
        dry_run = options["dry_run"]
        run = reminders.send_reminders(day, today=today, dry_run=dry_run)
        for reminder in run.listed:
            self.stdout.write(f"{reminder.agent} ({mask_phone(reminder.to)}): {reminder.body}")
        if dry_run:
            self.stdout.write(f"{len(run.listed)} reminder(s) for {day} would be queued")
        else:
            self.stdout.write(f"{run.queued} reminder(s) for {day} queued")
        if run.already:
            self.stdout.write(f"{run.already} agent(s) reminded already for {day}: not again")
        # The operators' digest is today's, whichever round was reminded of.
        mailed = send_digest(today, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"the operators' digest would go to {mailed} operator(s)")
        else:
            self.stdout.write(f"operators' digest: sent to {mailed} operator(s)")
