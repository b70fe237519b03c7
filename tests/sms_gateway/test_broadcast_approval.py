"""Four eyes on large broadcasts: above BROADCAST_APPROVAL_MIN recipients nothing is
queued until a second operator approves; the author cannot (except in TRAINING_MODE);
an unapproved one expires; a double tap acts once; a send that could not leave within
the provider's queue lifetime is refused before anyone is asked."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agriprices.audit.models import AuditAction, AuditEvent
from sms_gateway import broadcasts, tasks
from sms_gateway.models import Broadcast, OutboundMessage
from tests import factories
from tests.factories import MarketFactory
from tests.sms_gateway.test_subscriptions import subscribers_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(after_commit):
    return after_commit


@pytest.fixture
def large(settings):
    """Six followers at Osh, above an approval threshold of five."""
    settings.BROADCAST_APPROVAL_MIN = 5
    market = MarketFactory(name="Osh")
    people = subscribers_in(market, 5)
    people.append(factories.SubscriberFactory(phone="whatsapp:+996555300001"))
    factories.SubscriptionFactory(
        subscriber=people[-1], commodity=people[0].subscriptions.first().commodity, market=market
    )
    return market, people


def _start(run, market, author, key="bulletin:9", body="Frost tonight: cover seedlings"):
    return run(
        broadcasts.start_broadcast,
        key=key,
        body=body,
        region_ids=[market.region_id],
        created_by=author,
    )


def test_a_large_broadcast_waits_for_a_second_operator(run, outbox, large):
    market, people = large
    author, second = factories.operator("ainura"), factories.operator("bakyt")
    broadcast, created = _start(run, market, author)
    assert created and broadcast.status == Broadcast.Status.AWAITING_APPROVAL
    assert outbox == [] and not OutboundMessage.objects.exists()
    assert broadcast.planned == {
        "recipients": 6,
        "sms": 5,
        "chats": 1,
        "segments_each": 1,
        "segments_total": 5,
        "encoding": "GSM-7",
        "hours": 0.0014,
    }
    # The recovery sweep and a stray fan-out task send nothing either.
    run(tasks.recover_outbound)
    run(tasks.fan_out_broadcast, broadcast.pk)
    assert outbox == []
    with pytest.raises(broadcasts.BroadcastError, match="another operator must approve"):
        run(broadcasts.decide, broadcast_id=broadcast.pk, by=author, approve=True)
    assert outbox == []
    approved, changed = run(broadcasts.decide, broadcast_id=broadcast.pk, by=second, approve=True)
    assert changed and approved.status == Broadcast.Status.APPROVED
    assert sorted(m["to"] for m in outbox) == sorted(p.phone for p in people)
    # A double tap, a retried request: nothing more is sent.
    _again, changed = run(broadcasts.decide, broadcast_id=broadcast.pk, by=second, approve=True)
    assert not changed and len(outbox) == 6
    with pytest.raises(broadcasts.BroadcastError, match="already sending"):
        run(broadcasts.decide, broadcast_id=broadcast.pk, by=second, approve=False)
    actions = list(
        AuditEvent.objects.filter(subject__startswith=f"broadcast {broadcast.pk} ")
        .order_by("pk")
        .values_list("action", "actor_name")
    )
    assert actions == [
        (AuditAction.BROADCAST_REQUESTED, "ainura"),
        (AuditAction.BROADCAST_APPROVED, "bakyt"),
    ]


def test_a_small_broadcast_goes_at_once(run, outbox, large, settings):
    settings.BROADCAST_APPROVAL_MIN = 6  # "more than": six recipients do not need it
    market, people = large
    broadcast, _ = _start(run, market, factories.operator("ainura"))
    assert broadcast.status == Broadcast.Status.APPROVED and len(outbox) == 6


def test_self_approval_is_allowed_only_in_training_mode(run, outbox, large, settings):
    settings.TRAINING_MODE = True
    market, _people = large
    author = factories.operator("ainura")
    broadcast, _ = _start(run, market, author)
    run(broadcasts.decide, broadcast_id=broadcast.pk, by=author, approve=True)
    assert len(outbox) == 6


def test_an_agent_cannot_approve(run, outbox, large, osh):
    market, _people = large
    broadcast, _ = _start(run, market, factories.operator("ainura"))
    with pytest.raises(broadcasts.BroadcastError, match="Only operators"):
        run(broadcasts.decide, broadcast_id=broadcast.pk, by=factories.agent(), approve=True)
    assert outbox == []


def test_a_rejected_broadcast_sends_nothing_ever(run, outbox, large):
    market, _people = large
    author, second = factories.operator("ainura"), factories.operator("bakyt")
    broadcast, _ = _start(run, market, author)
    run(broadcasts.decide, broadcast_id=broadcast.pk, by=second, approve=False, note="typo")
    with pytest.raises(broadcasts.BroadcastError, match="already rejected"):
        run(broadcasts.decide, broadcast_id=broadcast.pk, by=second, approve=True)
    run(tasks.fan_out_broadcast, broadcast.pk)
    assert outbox == []
    event = AuditEvent.objects.get(action=AuditAction.BROADCAST_REJECTED)
    assert (event.actor_name, event.detail) == ("bakyt", "typo")


def test_an_unapproved_broadcast_expires(run, outbox, large, settings):
    settings.BROADCAST_APPROVAL_HOURS = 24
    market, _people = large
    broadcast, _ = _start(run, market, factories.operator("ainura"))
    assert broadcast.approval_expires_at - broadcast.created_at == pytest.approx(
        timedelta(hours=24), abs=timedelta(seconds=5)
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(
        approval_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(broadcasts.BroadcastError, match="already expired unapproved"):
        run(broadcasts.decide, broadcast_id=broadcast.pk, by=factories.operator(), approve=True)
    assert outbox == []
    assert AuditEvent.objects.filter(action=AuditAction.BROADCAST_EXPIRED).count() == 1
    assert broadcasts.expire_stale() == 0  # once


def test_the_sweep_expires_what_nobody_approved(run, large):
    market, _people = large
    broadcast, _ = _start(run, market, factories.operator("ainura"))
    later = timezone.now() + timedelta(hours=25)
    assert broadcasts.expire_stale(later) == 1
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.EXPIRED


def test_a_send_longer_than_the_queue_lifetime_is_refused_with_what_would_help(
    run, outbox, large, settings
):
    market, _people = large
    settings.SMS_SEGMENTS_PER_SECOND = 1
    settings.SMS_MAX_QUEUE_HOURS = 1 / 3600 * 4  # four seconds: five segments do not fit
    with pytest.raises(broadcasts.BroadcastError) as refused:
        _start(run, market, factories.operator("ainura"))
    message = str(refused.value)
    assert "5 SMS segments at 1 a second take 0.0 hours" in message
    assert "Messaging Service with more senders or a short code" in message
    assert "fewer regions" in message
    assert not Broadcast.objects.exists() and outbox == []
    assert AuditEvent.objects.filter(action=AuditAction.BROADCAST_REFUSED).exists()


def test_the_command_says_the_broadcast_waits(run, outbox, large):
    market, _people = large
    out = io.StringIO()
    run(
        call_command,
        "sms_broadcast",
        "Frost",
        "--region",
        market.region.slug,
        "--yes",
        stdout=out,
    )
    assert "waits for approval until" in out.getvalue()
    assert "(1 of them by WhatsApp" in out.getvalue()
    assert outbox == []


def test_chat_recipients_cost_no_segments_whatever_their_app(large):
    market, people = large
    telegram = factories.SubscriberFactory(phone="telegram:55530001")
    factories.SubscriptionFactory(
        subscriber=telegram, commodity=people[0].subscriptions.first().commodity, market=market
    )
    shown = broadcasts.preview(body="Frost tonight: cover seedlings", region_ids=[market.region_id])
    assert (shown.recipients, shown.sms, shown.chats, shown.segments_total) == (7, 5, 2, 5)
