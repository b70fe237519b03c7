import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agriprices.selectors.catalogue import region_by_ref
from sms_gateway import broadcasts


class Command(BaseCommand):
    help = (
        "Send one SMS to every subscriber following a market in the given regions: "
        'sms_broadcast "Frost tonight: cover seedlings" --region chui --region talas. '
        "Without --yes it only shows how many would receive it and the segments it costs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="the message, in quotes")
        parser.add_argument(
            "--region", action="append", required=True, help="id or slug; repeatable"
        )
        parser.add_argument("--language", default="", help="only subscribers reading it")
        parser.add_argument("--key", default="", help="idempotency key (default: new)")
        parser.add_argument("--yes", action="store_true", help="send, not just preview")

    def handle(self, *args: Any, **options: Any) -> None:
        region_ids = []
        for ref in options["region"]:
            region = region_by_ref(ref)
            if region is None:
                raise CommandError(f"unknown region: {ref}")
            region_ids.append(region.pk)
        text, language = options["text"], options["language"]
        shown = broadcasts.preview(body=text, region_ids=region_ids, language=language)
        self.stdout.write(
            f"{shown.recipients} recipient(s) x {shown.segments_each} segment(s) "
            f"({shown.encoding}) = {shown.segments_total} segments"
        )
        if shown.chats:
            self.stdout.write(
                f"({shown.chats} of them by WhatsApp or Telegram, counted as no segments)"
            )
        self.stdout.write(f"about {shown.hours:.1f} h to send at the senders' rate")
        if shown.needs_approval:
            self.stdout.write(
                "More than BROADCAST_APPROVAL_MIN recipients: it will wait for an "
                "operator's approval on the dashboard (Broadcasts)."
            )
        if not options["yes"]:
            self.stdout.write("Preview only: add --yes to send.")
            return
        try:
            broadcast, created = broadcasts.start_broadcast(
                key=options["key"] or f"console:{uuid.uuid4().hex}",
                body=text,
                region_ids=region_ids,
                language=language,
            )
        except broadcasts.BroadcastError as exc:
            raise CommandError(str(exc)) from exc
        if not created:
            state = "already started earlier; nothing more sent"
        elif broadcast.status == broadcast.Status.AWAITING_APPROVAL:
            state = (
                f"waits for approval until {broadcast.approval_expires_at:%Y-%m-%d %H:%M} UTC "
                f"(dashboard: /broadcasts/{broadcast.pk}/)"
            )
        else:
            state = "started"
        self.stdout.write(f"Broadcast {broadcast.key} {state}.")
