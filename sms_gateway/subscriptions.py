"""Subscriptions: weekly digests and price alerts, fanned out in chunks.

Prices are read through agriprices.selectors; agriprices tells us a price changed with
the ``latest_price_changed`` signal, sent after its transaction commits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from agriprices.models import LatestPrice, PriceType
from agriprices.selectors.latest import latest_prices
from agriprices.warnings.models import PriceWarning
from config.celery import enqueue, publish
from sms_gateway import replies
from sms_gateway.conversation.language import reply_language
from sms_gateway.models import Subscriber, Subscription
from sms_gateway.outbound import BulkMessage, id_chunks, queue_bulk

logger = logging.getLogger(__name__)


def _language(subscription: Subscription) -> str:
    """LANG wins, then the language the subscription was asked in, then the app's."""
    subscriber = subscription.subscriber
    return reply_language(
        chosen=subscriber.language, written=subscription.language, app=subscriber.app_language
    )


# --- Weekly digests ----------------------------------------------------------------------


def digest_recipients(day: date) -> QuerySet[Subscriber]:
    """Subscribers whose digest falls on ``day``'s weekday."""
    weekday = day.weekday()
    on_day = Q(digest_weekday=weekday)
    if weekday == settings.SMS_DIGEST_WEEKDAY:
        on_day |= Q(digest_weekday__isnull=True)
    return (
        Subscriber.objects.reachable()
        .filter(on_day)
        .filter(
            pk__in=Subscription.objects.filter(kind=Subscription.Kind.WEEKLY).values(
                "subscriber_id"
            )
        )
    )


def fan_out_digests(day: date) -> int:
    """Hand the day's digests to workers in chunks; returns the number of subscribers."""
    total = 0
    for chunk in id_chunks(digest_recipients(day), settings.SMS_FANOUT_CHUNK):
        enqueue("sms_gateway.tasks.send_digest_chunk", chunk, day.isoformat())
        total += len(chunk)
    logger.info("weekly digests for %s: %d subscribers", day, total)
    return total


def queue_digests(subscriber_ids: list[int], day: date) -> int:
    """One digest (one SMS, or more when the crops followed do not fit one) for each
    subscriber, keyed by ISO week: a chunk run twice queues nothing twice."""
    subscriptions = list(
        Subscription.objects.filter(subscriber_id__in=subscriber_ids, kind=Subscription.Kind.WEEKLY)
        .select_related("subscriber", "commodity", "market")
        .order_by("subscriber_id", "pk")
    )
    prices = _latest_for(subscriptions)
    year, week, _ = day.isocalendar()
    by_subscriber: dict[int, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        by_subscriber[subscription.subscriber_id].append(subscription)
    messages = []
    for subscriber_id, followed in by_subscriber.items():
        language = _language(followed[0])
        rows = [
            (s.commodity, s.market, prices.get((s.commodity_id, s.market_id))) for s in followed
        ]
        for n, text in enumerate(replies.digest_texts(language=language, day=day, rows=rows)):
            messages.append(
                BulkMessage(
                    to=followed[0].subscriber.phone,
                    body=text,
                    idempotency_key=f"digest:{subscriber_id}:{year}-W{week:02d}:{n}",
                )
            )
    with transaction.atomic():
        return queue_bulk(messages)


def _latest_for(subscriptions: list[Subscription]) -> dict[tuple[int, int], LatestPrice]:
    commodity_ids = {s.commodity_id for s in subscriptions}
    market_ids = {s.market_id for s in subscriptions}
    rows = latest_prices(price_type=PriceType.RETAIL).filter(
        commodity_id__in=commodity_ids, market_id__in=market_ids
    )
    return {(row.commodity_id, row.market_id): row for row in rows}


# --- Alerts when a price moves -------------------------------------------------------------


def price_changed(
    sender: object, *, commodity_id: int, market_id: int, price_type: str, **kwargs: Any
) -> None:
    """Receiver of agriprices' latest_price_changed: check the series' alerts on a worker,
    and only when someone follows it."""
    if price_type != PriceType.RETAIL:
        return
    followed = Subscription.objects.filter(
        commodity_id=commodity_id, market_id=market_id, kind=Subscription.Kind.ALERT
    ).exists()
    if followed:
        # Missed while the broker is down: the sweep every 15 minutes checks it.
        publish("sms_gateway.tasks.check_price_alerts", commodity_id, market_id)


def check_price_alerts(commodity_id: int, market_id: int) -> int:
    """Alert every follower of a series whose price moved by their threshold since the
    price they last heard; returns how many alerts were queued. Safe to run twice or at
    once on two workers: the rows are locked, and an alert is keyed by the quote."""
    latest = (
        latest_prices(price_type=PriceType.RETAIL)
        .filter(commodity_id=commodity_id, market_id=market_id)
        .first()
    )
    if latest is None:
        return 0
    default_pct = Decimal(str(settings.SMS_ALERT_CHANGE_PCT))
    new_price = latest.price_per_base_unit
    with transaction.atomic():
        followers = list(
            Subscription.objects.select_for_update(of=("self",))
            .filter(
                commodity_id=commodity_id,
                market_id=market_id,
                kind=Subscription.Kind.ALERT,
                subscriber__in=Subscriber.objects.reachable(),
            )
            .select_related("subscriber")
        )
        unset, alerted, texts, messages = [], [], {}, []
        for subscription in followers:
            base = subscription.alert_base_price
            if base is None:
                unset.append(subscription.pk)  # the first price: nothing moved yet
                continue
            move = (new_price - base) / base * 100
            if abs(move) < (subscription.alert_pct or default_pct):
                continue
            alerted.append(subscription.pk)
            language = _language(subscription)
            key = (language, round(move))
            if key not in texts:
                texts[key] = replies.alert_text(language=language, latest=latest, move_pct=move)
            messages.append(
                BulkMessage(
                    to=subscription.subscriber.phone,
                    body=texts[key],
                    idempotency_key=f"alert:{subscription.pk}:{latest.quote_id}",
                )
            )
        Subscription.objects.filter(pk__in=unset + alerted).update(alert_base_price=new_price)
        queue_bulk(messages)
    return len(messages)


def series_with_alerts() -> list[tuple[int, int]]:
    return list(
        Subscription.objects.filter(kind=Subscription.Kind.ALERT)
        .values_list("commodity_id", "market_id")
        .distinct()
        .order_by()
    )


# --- Warnings: a price abnormally high for the season ----------------------------------


def warning_raised(
    sender: object,
    *,
    commodity_id: int,
    market_id: int,
    price_type: str,
    month: date,
    **kwargs: Any,
) -> int:
    """Receiver of agriprices' price_warning_raised, inside the transaction that stored
    the warning: one SMS to everyone following the crop at the market, in their
    language, keyed by series and month, so nobody hears of one series twice a month.
    Opted-out and undeliverable numbers are left out. Returns how many were queued."""
    if price_type != PriceType.RETAIL:
        return 0
    warning = (
        PriceWarning.objects.select_related("commodity", "commodity__base_unit", "market")
        .filter(commodity_id=commodity_id, market_id=market_id, price_type=price_type, month=month)
        .first()
    )
    if warning is None:
        return 0
    followers = (
        Subscription.objects.filter(
            commodity_id=commodity_id,
            market_id=market_id,
            subscriber__in=Subscriber.objects.reachable(),
        )
        .select_related("subscriber")
        .order_by("subscriber_id")
    )
    texts: dict[str, str] = {}
    messages = []
    for subscription in followers:
        language = _language(subscription)
        if language not in texts:
            texts[language] = replies.warning_text(language=language, warning=warning)
        messages.append(
            BulkMessage(
                to=subscription.subscriber.phone,
                body=texts[language],
                idempotency_key=(
                    f"warning:{subscription.subscriber_id}:{commodity_id}:{market_id}:{month:%Y-%m}"
                ),
            )
        )
    return queue_bulk(messages)
