"""Broadcasts: one text to every subscriber following a market in some regions, queued in
chunks so 100,000 recipients never make one giant task or transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from config.celery import enqueue, publish
from sms_gateway.models import Broadcast, OutboundMessage, Subscriber
from sms_gateway.outbound import BulkMessage, id_chunks, queue_bulk
from sms_gateway.segments import count_segments

logger = logging.getLogger(__name__)
#: Twilio refuses longer bodies.
MAX_BODY = 1600


class BroadcastError(ValueError):
    pass


@dataclass(frozen=True)
class BroadcastPreview:
    recipients: int
    segments_each: int
    encoding: str

    @property
    def segments_total(self) -> int:
        return self.recipients * self.segments_each


def recipients(*, region_ids: Sequence[int], language: str = "") -> QuerySet[Subscriber]:
    """Who a broadcast reaches: reachable subscribers following a market in the regions,
    and, when ``language`` is set, reading that language (chosen by LANG, or the one
    their subscriptions were asked in; unknown counts as the default language)."""
    in_regions = Subscriber.objects.reachable().filter(
        subscriptions__market__region_id__in=list(region_ids),
    )
    if language:
        reads = Q(language=language) | Q(language="", subscriptions__language=language)
        if language == settings.LANGUAGE_CODE[:2]:
            # Numbers whose language we never learnt get the default language's text.
            reads |= Q(language="", subscriptions__language="")
        in_regions = in_regions.filter(reads)
    return Subscriber.objects.filter(pk__in=in_regions.values("pk"))


def preview(*, body: str, region_ids: Sequence[int], language: str = "") -> BroadcastPreview:
    """What sending would cost, for the operator to confirm."""
    count = count_segments(body)
    return BroadcastPreview(
        recipients=recipients(region_ids=region_ids, language=language).count(),
        segments_each=count.segments,
        encoding=count.encoding,
    )


def start_broadcast(
    *,
    key: str,
    body: str,
    region_ids: Sequence[int],
    language: str = "",
    created_by: User | None = None,
) -> tuple[Broadcast, bool]:
    """Create the broadcast and fan it out after commit; the same key again returns the
    first one and sends nothing more. Raises BroadcastError for an empty or too long
    text or no region."""
    body = body.strip()
    if not body:
        raise BroadcastError("the text is empty")
    if len(body) > MAX_BODY:
        raise BroadcastError(f"the text is longer than {MAX_BODY} characters")
    if not region_ids:
        raise BroadcastError("choose at least one region")
    with transaction.atomic():
        broadcast, created = Broadcast.objects.get_or_create(
            key=key, defaults={"body": body, "language": language, "created_by": created_by}
        )
        if created:
            broadcast.regions.set(region_ids)
            # With the broker down it stays unfanned, for the recovery sweep.
            transaction.on_commit(
                lambda: publish("sms_gateway.tasks.fan_out_broadcast", broadcast.pk)
            )
    return broadcast, created


def fan_out(broadcast_id: int) -> int:
    """Split the recipients into chunk tasks; returns how many subscribers. Run again
    after a crash it queues the same chunks, whose messages already exist."""
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    region_ids = list(broadcast.regions.values_list("pk", flat=True))
    total = 0
    people = recipients(region_ids=region_ids, language=broadcast.language)
    for chunk in id_chunks(people, settings.SMS_FANOUT_CHUNK):
        enqueue("sms_gateway.tasks.queue_broadcast_chunk", broadcast_id, chunk)
        total += len(chunk)
    Broadcast.objects.filter(pk=broadcast_id).update(recipients=total, fanned_out_at=timezone.now())
    logger.info("broadcast %s fanned out to %d subscribers", broadcast.key, total)
    return total


def queue_chunk(broadcast_id: int, subscriber_ids: list[int]) -> int:
    """Queue the broadcast's message to one chunk of subscribers."""
    body = Broadcast.objects.values_list("body", flat=True).get(pk=broadcast_id)
    phones = Subscriber.objects.filter(pk__in=subscriber_ids).values_list("pk", "phone")
    messages = [
        BulkMessage(to=phone, body=body, idempotency_key=f"broadcast:{broadcast_id}:{pk}")
        for pk, phone in phones
    ]
    with transaction.atomic():
        return queue_bulk(messages)


def recover_unfanned(now: datetime | None = None) -> int:
    """Fan out again the broadcasts of the last day that never were (the broker was down
    when they started) or that queued fewer messages than they have recipients (a chunk
    task was lost with the broker). Nobody gets one twice: messages are keyed."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SMS_REPUBLISH_AFTER_SECONDS)
    candidates = Broadcast.objects.filter(created_at__gte=now - timedelta(days=1)).filter(
        Q(
            fanned_out_at__isnull=True,
            created_at__lt=now - timedelta(seconds=settings.SMS_PUBLISH_GRACE_SECONDS),
        )
        | Q(fanned_out_at__lt=stale)
    )
    again = 0
    for broadcast in candidates:
        if broadcast.fanned_out_at and sum(sent_counts(broadcast).values()) >= broadcast.recipients:
            continue
        again += publish("sms_gateway.tasks.fan_out_broadcast", broadcast.pk)
    return again


def sent_counts(broadcast: Broadcast) -> dict[str, int]:
    """Messages of a broadcast by status (queued, sent, delivered, failed...)."""
    rows = (
        OutboundMessage.objects.filter(idempotency_key__startswith=f"broadcast:{broadcast.pk}:")
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}
