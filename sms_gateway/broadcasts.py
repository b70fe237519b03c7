"""Broadcasts: one text to every subscriber following a market in some regions, queued in
chunks so 100,000 recipients never make one giant task or transaction.

Two rules guard who may reach that many phones. A broadcast to more than
BROADCAST_APPROVAL_MIN recipients waits for a second operator (not its author, except in
TRAINING_MODE) and is dropped unapproved after BROADCAST_APPROVAL_HOURS; nothing is
queued before. And a broadcast whose SMS could not all leave within the provider's queue
lifetime (SMS_MAX_QUEUE_HOURS at SMS_SEGMENTS_PER_SECOND) is refused outright: Twilio
would fail the rest, after charging for the attempt."""

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
from django.utils.translation import gettext as _

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record
from config.celery import enqueue, publish
from sms_gateway import channels
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
    #: Of the recipients, those reached in a chat app (WhatsApp, Telegram): no segments.
    chats: int = 0

    @property
    def sms(self) -> int:
        return self.recipients - self.chats

    @property
    def segments_total(self) -> int:
        return self.sms * self.segments_each

    @property
    def hours(self) -> float:
        """How long the SMS take to leave at the senders' rate."""
        return self.segments_total / settings.SMS_SEGMENTS_PER_SECOND / 3600

    @property
    def needs_approval(self) -> bool:
        return self.recipients > settings.BROADCAST_APPROVAL_MIN

    def as_plan(self) -> dict[str, object]:
        return {
            "recipients": self.recipients,
            "sms": self.sms,
            "chats": self.chats,
            "segments_each": self.segments_each,
            "segments_total": self.segments_total,
            "encoding": self.encoding,
            "hours": round(self.hours, 4),
        }


def recipients(*, region_ids: Sequence[int], language: str = "") -> QuerySet[Subscriber]:
    """Who a broadcast reaches: reachable subscribers following a market in the regions,
    and, when ``language`` is set, reading that language (reply_language's order: chosen
    by LANG, else the one their subscriptions were asked in, else their app's; unknown
    counts as the default language)."""
    in_regions = Subscriber.objects.reachable().filter(
        subscriptions__market__region_id__in=list(region_ids),
    )
    if language:
        unsaid = Q(language="", subscriptions__language="")
        reads = (
            Q(language=language)
            | Q(language="", subscriptions__language=language)
            | (unsaid & Q(app_language=language))
        )
        if language == settings.LANGUAGE_CODE[:2]:
            # Numbers whose language we never learnt get the default language's text.
            reads |= unsaid & Q(app_language="")
        in_regions = in_regions.filter(reads)
    return Subscriber.objects.filter(pk__in=in_regions.values("pk"))


def preview(*, body: str, region_ids: Sequence[int], language: str = "") -> BroadcastPreview:
    """What sending would cost, for the operator to confirm."""
    count = count_segments(body)
    counted = recipients(region_ids=region_ids, language=language).aggregate(
        total=Count("pk"), chats=Count("pk", filter=_in_a_chat())
    )
    return BroadcastPreview(
        recipients=counted["total"],
        segments_each=count.segments,
        encoding=count.encoding,
        chats=counted["chats"],
    )


def _in_a_chat() -> Q:
    """Addresses of a channel with a scheme of its own (WhatsApp, Telegram): a chat
    message each, counted as no SMS segments."""
    chat = Q(pk__in=[])
    for channel in channels.registry():
        if channel.scheme:
            chat |= Q(phone__startswith=channel.scheme)
    return chat


def too_slow(shown: BroadcastPreview) -> str | None:
    """Why the broadcast cannot go out in time, and what would make it possible; None
    when it can."""
    if shown.hours <= settings.SMS_MAX_QUEUE_HOURS:
        return None
    return _(
        "%(segments)d SMS segments at %(rate)g a second take %(hours).1f hours, longer than "
        "the provider keeps a message queued (%(limit)g hours): the rest would fail. Choose "
        "fewer regions or a shorter text, or send through a Messaging Service with more "
        "senders or a short code and raise SMS_SEGMENTS_PER_SECOND."
    ) % {
        "segments": shown.segments_total,
        "rate": settings.SMS_SEGMENTS_PER_SECOND,
        "hours": shown.hours,
        "limit": settings.SMS_MAX_QUEUE_HOURS,
    }


def refusal(shown: BroadcastPreview, *, key: str, created_by: User | None) -> str | None:
    """Why the broadcast ``shown`` is refused (too slow to leave in time), recorded in the
    audit trail; None when it may go. A caller inside a transaction that the refusal rolls
    back (publishing a bulletin) asks first, outside it, so the record is kept."""
    problem = too_slow(shown)
    if problem:
        record(
            AuditAction.BROADCAST_REFUSED,
            actor=created_by,
            subject=f"broadcast {key}",
            detail=problem,
        )
    return problem


def start_broadcast(
    *,
    key: str,
    body: str,
    region_ids: Sequence[int],
    language: str = "",
    created_by: User | None = None,
) -> tuple[Broadcast, bool]:
    """Create the broadcast and, unless it must wait for approval, fan it out after
    commit; the same key again returns the first one and sends nothing more. Raises
    BroadcastError for an empty or too long text, no region, or a send that could not
    leave within the provider's queue lifetime."""
    body = body.strip()
    if not body:
        raise BroadcastError(_("The text is empty."))
    if len(body) > MAX_BODY:
        raise BroadcastError(_("The text is longer than %(max)d characters.") % {"max": MAX_BODY})
    if not region_ids:
        raise BroadcastError(_("Choose at least one region."))
    earlier = Broadcast.objects.filter(key=key).first()
    if earlier is not None:
        return earlier, False
    shown = preview(body=body, region_ids=region_ids, language=language)
    problem = refusal(shown, key=key, created_by=created_by)
    if problem:
        raise BroadcastError(problem)
    now = timezone.now()
    waits = shown.needs_approval
    with transaction.atomic():
        broadcast, created = Broadcast.objects.get_or_create(
            key=key,
            defaults={
                "body": body,
                "language": language,
                "created_by": created_by,
                "planned": shown.as_plan(),
                "status": Broadcast.Status.AWAITING_APPROVAL
                if waits
                else Broadcast.Status.APPROVED,
                "approval_expires_at": (
                    now + timedelta(hours=settings.BROADCAST_APPROVAL_HOURS) if waits else None
                ),
                "released_at": None if waits else now,
            },
        )
        if created:
            broadcast.regions.set(region_ids)
            record(
                AuditAction.BROADCAST_REQUESTED if waits else AuditAction.BROADCAST_STARTED,
                actor=created_by,
                subject=f"broadcast {broadcast.pk} ({key})",
                detail=_summary(shown),
            )
            if not waits:
                # With the broker down it stays unfanned, for the recovery sweep.
                transaction.on_commit(
                    lambda: publish("sms_gateway.tasks.fan_out_broadcast", broadcast.pk)
                )
    return broadcast, created


def _summary(shown: BroadcastPreview) -> str:
    return (
        f"{shown.recipients} recipients ({shown.sms} SMS, {shown.chats} chat), "
        f"{shown.segments_total} segments, {shown.hours:.1f} h"
    )


def may_approve(broadcast: Broadcast, user: User) -> bool:
    """A second operator: one with the permission who is not its author (the author may
    in TRAINING_MODE, where nothing real is at stake)."""
    if not user.has_perm("sms_gateway.approve_broadcast"):
        return False
    return broadcast.created_by_id != user.pk or settings.TRAINING_MODE


def decide(*, broadcast_id: int, by: User, approve: bool, note: str = "") -> tuple[Broadcast, bool]:
    """Approve (then fan out after commit) or reject a broadcast awaiting approval.
    Returns it and whether this call changed it: the same decision again (a double tap,
    a retried request) changes nothing and sends nothing more. Raises BroadcastError
    when the decision is not this user's to take or comes too late."""
    expire_stale()
    wanted = Broadcast.Status.APPROVED if approve else Broadcast.Status.REJECTED
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None:
            raise BroadcastError(_("There is no broadcast %(id)s.") % {"id": broadcast_id})
        if broadcast.status == wanted and broadcast.decided_by_id is not None:
            return broadcast, False
        if broadcast.status != Broadcast.Status.AWAITING_APPROVAL:
            raise BroadcastError(
                _("This broadcast is already %(status)s.")
                % {"status": broadcast.get_status_display()}
            )
        if approve and not may_approve(broadcast, by):
            if broadcast.created_by_id == by.pk:
                raise BroadcastError(
                    _("You wrote this broadcast: another operator must approve it.")
                )
            raise BroadcastError(_("Only operators may approve broadcasts."))
        if not approve and not (
            by.has_perm("sms_gateway.approve_broadcast") or broadcast.created_by_id == by.pk
        ):
            raise BroadcastError(_("Only operators may reject broadcasts."))
        now = timezone.now()
        broadcast.status = wanted
        broadcast.decided_by = by
        broadcast.decided_at = now
        broadcast.decision_note = note.strip()[:255]
        if approve:
            broadcast.released_at = now
        broadcast.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "released_at"]
        )
        record(
            AuditAction.BROADCAST_APPROVED if approve else AuditAction.BROADCAST_REJECTED,
            actor=by,
            subject=f"broadcast {broadcast.pk} ({broadcast.key})",
            detail=broadcast.decision_note,
        )
        if approve:
            pk = broadcast.pk
            transaction.on_commit(lambda: publish("sms_gateway.tasks.fan_out_broadcast", pk))
    return broadcast, True


def expire_stale(now: datetime | None = None) -> int:
    """Mark the broadcasts nobody approved in time as expired; returns how many."""
    now = now or timezone.now()
    stale = list(
        Broadcast.objects.filter(
            status=Broadcast.Status.AWAITING_APPROVAL, approval_expires_at__lte=now
        ).values_list("pk", "key")
    )
    expired = 0
    for pk, key in stale:
        with transaction.atomic():
            changed = Broadcast.objects.filter(
                pk=pk, status=Broadcast.Status.AWAITING_APPROVAL
            ).update(status=Broadcast.Status.EXPIRED, decided_at=now)
            if changed:
                record(AuditAction.BROADCAST_EXPIRED, subject=f"broadcast {pk} ({key})")
                expired += 1
    return expired


def awaiting() -> QuerySet[Broadcast]:
    """Broadcasts waiting for a second operator, oldest first."""
    return (
        Broadcast.objects.filter(
            status=Broadcast.Status.AWAITING_APPROVAL, approval_expires_at__gt=timezone.now()
        )
        .select_related("created_by")
        .order_by("created_at")
    )


def fan_out(broadcast_id: int) -> int:
    """Split the recipients into chunk tasks; returns how many subscribers. Run again
    after a crash it queues the same chunks, whose messages already exist."""
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    if broadcast.status != Broadcast.Status.APPROVED:
        logger.warning("broadcast %s is %s: not sent", broadcast.key, broadcast.status)
        return 0
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
    candidates = Broadcast.objects.filter(
        status=Broadcast.Status.APPROVED, released_at__gte=now - timedelta(days=1)
    ).filter(
        Q(
            fanned_out_at__isnull=True,
            released_at__lt=now - timedelta(seconds=settings.SMS_PUBLISH_GRACE_SECONDS),
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
