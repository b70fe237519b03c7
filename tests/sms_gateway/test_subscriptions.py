"""SUB and UNSUB by SMS, weekly digests, alerts when a price moves, and broadcasts: each
subscriber gets what they asked for once, and an opted-out number gets nothing ever."""

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from agriprices.models import Quote
from agriprices.services.recording import record_quote
from agriprices.services.reviewing import review_quote
from sms_gateway import broadcasts, following, outbound, tasks
from sms_gateway.channels import inbound
from sms_gateway.models import Broadcast, OutboundMessage, Subscriber, Subscription
from sms_gateway.segments import count_segments
from tests import factories
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, operator, unit

pytestmark = pytest.mark.django_db
PHONE = "+996555100200"
sids = (f"SM{n}" for n in itertools.count())
MONDAY = date(2026, 11, 23)


@pytest.fixture
def osh():
    osh = MarketFactory(name="Osh", region=RegionFactory(name="Osh Region"))
    potato = CommodityFactory(name="Potato")
    onion = CommodityFactory(name="Onion")
    return {"market": osh, "potato": potato, "onion": onion}


def price(commodity, market, value, days_ago=0):
    quote = record_quote(
        agent=None,
        commodity=commodity,
        market=market,
        unit=unit("kg"),
        price=Decimal(value),
        observed_on=timezone.localdate() - timedelta(days=days_ago),
        source=Quote.Source.IMPORT,
    )
    if quote.status == Quote.Status.FLAGGED:
        review_quote(quote_id=quote.pk, reviewer=operator("reviewer"), approve=True)
    return quote


def text(body, sender=PHONE):
    return inbound.receive(provider="test", provider_sid=next(sids), sender=sender, body=body).reply


def test_sub_follows_a_crop_weekly_on_the_chosen_day(osh, settings):
    settings.SMS_DIGEST_WEEKDAY = 0
    reply = text("SUB POTATO OSH")
    assert reply.startswith("Subscribed: Potato Osh, every Mon.")
    assert count_segments(reply).segments == 1
    reply = text("SUB POTATO OSH FRI")
    assert "every Fri" in reply
    subscription = Subscription.objects.get()
    assert (subscription.kind, subscription.subscriber.digest_weekday) == ("weekly", 4)


def test_sub_with_a_percent_is_an_alert(osh, settings):
    settings.SMS_ALERT_CHANGE_PCT = 10
    price(osh["potato"], osh["market"], "30")
    assert "moves 15%" in text("SUB POTATO OSH 15")
    subscription = Subscription.objects.get()
    assert (subscription.kind, subscription.alert_pct) == ("alert", Decimal("15"))
    assert subscription.alert_base_price == Decimal("30")
    assert "moves 10%" in text("SUB POTATO OSH ALERT")  # the configured percent
    assert Subscription.objects.get().alert_pct is None


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        ("подписка картошка ош", "ru", "Подписка"),
        ("жазылуу картошка ош жума", "ky", "Жазылдыңыз"),
        ("sub pommes de terre osh", "fr", "Abonné"),
    ],
)
def test_sub_answers_in_the_language_it_was_asked(osh, body, language, expected):
    osh["potato"].aliases.create(name="картошка", language="ru")
    osh["potato"].aliases.create(name="pommes de terre", language="fr")
    osh["market"].aliases.create(name="ош", language="ru")
    reply = text(body)
    assert reply.startswith(expected), reply
    assert count_segments(reply).segments == 1
    assert Subscription.objects.get().language == language


def test_subscriptions_per_number_are_limited(osh, settings):
    settings.SMS_MAX_SUBSCRIPTIONS = 1
    text("SUB POTATO OSH")
    reply = text("SUB ONION OSH")
    assert "the most allowed" in reply
    assert Subscription.objects.count() == 1
    text("SUB POTATO OSH ALERT")  # changing one already followed is not one more
    assert Subscription.objects.get().kind == "alert"


def test_sub_with_unknown_names_or_bad_percent_changes_nothing(osh):
    assert text("SUB TRACTOR").startswith("Send SUB CROP MARKET")
    assert text("SUB POTATO OSH 250").startswith("The percent must be 1 to 100")
    assert not Subscription.objects.exists()


def test_an_opted_out_number_cannot_subscribe_until_start(osh):
    text("STOP")
    assert text("SUB POTATO OSH").startswith("You opted out")
    assert not Subscription.objects.exists()
    text("START")
    assert text("SUB POTATO OSH").startswith("Subscribed")


def test_unsub_one_crop_or_everything(osh):
    text("SUB POTATO OSH")
    text("SUB ONION OSH")
    assert text("UNSUB POTATO OSH") == "Unsubscribed: Potato Osh."
    assert text("UNSUB POTATO OSH") == "You do not follow Potato Osh."
    assert list(Subscription.objects.values_list("commodity__name", flat=True)) == ["Onion"]
    text("UNSUB")
    assert Subscriber.objects.get(phone=PHONE).opted_out


def test_weekly_digest_once_per_week_with_the_prices(osh, outbox, after_commit, settings):
    settings.SMS_DIGEST_WEEKDAY = 0
    price(osh["potato"], osh["market"], "30")
    price(osh["onion"], osh["market"], "22.5")
    text("SUB POTATO OSH")
    text("SUB ONION OSH")
    text("SUB POTATO OSH FRI", sender="+996555100201")  # Friday: not today
    text("SUB POTATO OSH", sender="+996555100202")
    text("STOP", sender="+996555100202")
    assert after_commit(tasks.send_weekly_digests, MONDAY.isoformat()) == 1
    assert [m["to"] for m in outbox] == [PHONE]
    assert outbox[0]["body"].startswith(f"Prices {MONDAY:%d.%m}: ")
    assert "Potato Osh 30/kg" in outbox[0]["body"] and "Onion Osh 22.5/kg" in outbox[0]["body"]
    after_commit(tasks.send_weekly_digests, MONDAY.isoformat())  # beat ran twice
    assert len(outbox) == 1
    after_commit(tasks.send_weekly_digests, (MONDAY + timedelta(days=4)).isoformat())
    assert [m["to"] for m in outbox] == [PHONE, "+996555100201"]


def test_a_digest_too_long_for_one_sms_is_split_never_cut(outbox, after_commit, settings):
    settings.SMS_DIGEST_WEEKDAY = MONDAY.weekday()
    settings.SMS_MAX_SUBSCRIPTIONS = 5
    market = MarketFactory(name="Jalal-Abad", translations={"ru": {"name": "Джалал-Абад"}})
    names = ["Potato", "Onion", "Carrot", "Cabbage", "Wheat flour"]
    subscriber = factories.SubscriberFactory(phone=PHONE, language="ru")
    for name in names:
        crop = CommodityFactory(name=name)
        price(crop, market, "41.25")
        factories.SubscriptionFactory(subscriber=subscriber, commodity=crop, market=market)
    after_commit(tasks.send_weekly_digests, MONDAY.isoformat())
    bodies = [m["body"] for m in outbox]
    assert len(bodies) > 1
    assert all(count_segments(body).segments == 1 for body in bodies)
    assert sum(body.count("41.25/kg") for body in bodies) == len(names)


def test_an_alert_when_an_approved_price_moves_past_the_threshold(osh, outbox, after_commit):
    price(osh["potato"], osh["market"], "30", days_ago=2)
    text("SUB POTATO OSH 10")
    after_commit(price, osh["potato"], osh["market"], "31", days_ago=1)  # +3%: no alert
    assert outbox == []
    after_commit(price, osh["potato"], osh["market"], "34.5")  # +15% from 30
    assert [m["to"] for m in outbox] == [PHONE]
    assert outbox[0]["body"].startswith("Price alert: Potato Osh: 34.5 KGS/kg")
    assert "(+15%)" in outbox[0]["body"]
    # The next alert measures from the price last sent; checks run again send nothing.
    after_commit(tasks.check_all_price_alerts)
    assert len(outbox) == 1
    assert Subscription.objects.get().alert_base_price == Decimal("34.5")


def test_weekly_subscribers_get_no_alerts_and_opted_out_numbers_none(osh, outbox, after_commit):
    price(osh["potato"], osh["market"], "30", days_ago=1)
    text("SUB POTATO OSH")
    text("SUB POTATO OSH 5", sender="+996555100201")
    text("STOP", sender="+996555100201")
    after_commit(price, osh["potato"], osh["market"], "45")
    assert outbox == []


def test_a_stop_between_queueing_and_sending_wins(osh, outbox):
    factories.SubscriberFactory(phone=PHONE)
    message = outbound.queue_sms(to=PHONE, body="Bulletin", idempotency_key="b:1")
    text("STOP")
    assert outbound.send(message.pk) == "failed"
    assert outbox == []


def subscribers_in(region_market, count, *, start=0, **fields):
    crop = CommodityFactory(name="Potato")
    people = []
    for n in range(start, start + count):
        person = factories.SubscriberFactory(phone=f"+99655520{n:04d}", **fields)
        factories.SubscriptionFactory(subscriber=person, commodity=crop, market=region_market)
        people.append(person)
    return people


def test_a_broadcast_reaches_each_follower_in_its_regions_once(outbox, after_commit, settings):
    settings.SMS_FANOUT_CHUNK = 3
    chui, talas = MarketFactory(name="Bishkek"), MarketFactory(name="Talas")
    readers = subscribers_in(chui, 7)
    subscribers_in(talas, 2, start=100)
    subscribers_in(chui, 1, start=200, opted_out=True)
    subscribers_in(chui, 1, start=300, undeliverable=True)
    shown = broadcasts.preview(body="Frost tonight", region_ids=[chui.region_id])
    assert (shown.recipients, shown.segments_each, shown.segments_total) == (7, 1, 7)
    broadcast, created = after_commit(
        broadcasts.start_broadcast,
        key="bulletin:1",
        body="Frost tonight",
        region_ids=[chui.region_id],
    )
    assert created
    assert sorted(m["to"] for m in outbox) == sorted(p.phone for p in readers)
    broadcast.refresh_from_db()
    assert broadcast.recipients == 7 and broadcast.fanned_out_at is not None
    # Started again, or its fan-out re-run after a worker died: nobody gets it twice.
    _, created = after_commit(
        broadcasts.start_broadcast, key="bulletin:1", body="x", region_ids=[chui.region_id]
    )
    assert not created
    after_commit(tasks.fan_out_broadcast, broadcast.pk)
    assert len(outbox) == 7
    assert broadcasts.sent_counts(broadcast) == {"sent": 7}


def test_a_broadcast_in_one_language_reaches_its_readers(outbox, after_commit):
    market = MarketFactory(name="Naryn")
    russian = subscribers_in(market, 2, language="ru")
    subscribers_in(market, 2, start=10, language="ky")
    unset = subscribers_in(market, 1, start=20)
    Subscription.objects.filter(subscriber=unset[0]).update(language="ru")
    after_commit(
        broadcasts.start_broadcast,
        key="bulletin:ru",
        body="Заморозки ночью",
        region_ids=[market.region_id],
        language="ru",
    )
    assert sorted(m["to"] for m in outbox) == sorted(p.phone for p in [*russian, *unset])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "  "}, "empty"),
        ({"body": "x" * 1601}, "longer than 1600"),
        ({"region_ids": []}, "region"),
    ],
)
def test_a_bad_broadcast_is_refused_and_stores_nothing(fields, message):
    region = RegionFactory(name="Chui")
    arguments = {"key": "k", "body": "Frost", "region_ids": [region.pk], **fields}
    with pytest.raises(broadcasts.BroadcastError, match=message):
        broadcasts.start_broadcast(**arguments)
    assert not Broadcast.objects.exists()


def test_the_broadcast_command_previews_then_sends(outbox, after_commit):
    market = MarketFactory(name="Karakol")
    subscribers_in(market, 3)
    out = io.StringIO()
    call_command("sms_broadcast", "Frost", "--region", market.region.slug, stdout=out)
    assert "3 recipient(s) x 1 segment(s) (GSM-7) = 3 segments" in out.getvalue()
    assert "Preview only" in out.getvalue() and not Broadcast.objects.exists()
    after_commit(
        call_command,
        "sms_broadcast",
        "Frost",
        "--region",
        market.region.slug,
        "--yes",
        stdout=io.StringIO(),
    )
    assert len(outbox) == 3
    with pytest.raises(Exception, match="unknown region"):
        call_command("sms_broadcast", "Frost", "--region", "atlantis", stdout=io.StringIO())


@pytest.mark.redis
def test_a_broadcast_through_a_real_worker_reaches_everyone_once(
    celery_worker_on_redis, outbox, settings
):
    import time

    settings.SMS_FANOUT_CHUNK = 7
    settings.SMS_SEND_RATE = None
    market = MarketFactory(name="Batken")
    people = subscribers_in(market, 30)
    broadcasts.start_broadcast(key="bulletin:w", body="Locusts", region_ids=[market.region_id])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(outbox) < 30:
        time.sleep(0.2)
    time.sleep(0.5)  # anything sent twice would show by now
    assert sorted(m["to"] for m in outbox) == sorted(p.phone for p in people)
    assert OutboundMessage.objects.filter(status="sent").count() == 30
    assert following.digest_weekday(people[0]) == settings.SMS_DIGEST_WEEKDAY
