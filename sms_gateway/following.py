"""Following a crop at a market: the rules of subscribing and unsubscribing, which the
conversation core acts on. Nothing here sends anything (digests and alerts are
``subscriptions``), so the core can import it without importing a channel."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from agriprices.models import Commodity, Market
from agriprices.selectors.latest import latest_price
from agriprices.validation import digits_error
from sms_gateway.models import Subscriber, Subscription


class SubscriptionError(Exception):
    """Why a subscription was refused; ``code`` names the reply that explains it."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def subscribe(
    *,
    subscriber: Subscriber,
    commodity: Commodity,
    market: Market,
    language: str,
    weekday: int | None = None,
    alert: bool = False,
    alert_pct: Decimal | None = None,
) -> tuple[Subscription, bool]:
    """Follow a crop at a market, weekly or by alert; asking again changes the kind.
    Returns (subscription, created). Raises SubscriptionError."""
    if subscriber.opted_out:
        raise SubscriptionError("opted_out")
    if alert_pct is not None and (
        not 1 <= alert_pct <= 100
        or digits_error(alert_pct, Subscription._meta.get_field("alert_pct"), "percent")
    ):
        raise SubscriptionError("bad_percent")
    existing = subscriber.subscriptions.filter(commodity=commodity, market=market).exists()
    if not existing and subscriber.subscriptions.count() >= settings.SMS_MAX_SUBSCRIPTIONS:
        raise SubscriptionError("too_many")
    latest = latest_price(commodity=commodity, market=market)
    subscription, created = Subscription.objects.update_or_create(
        subscriber=subscriber,
        commodity=commodity,
        market=market,
        defaults={
            "kind": Subscription.Kind.ALERT if alert else Subscription.Kind.WEEKLY,
            "language": language,
            "alert_pct": alert_pct if alert else None,
            # Alerts measure moves from the price the subscriber knows now.
            "alert_base_price": latest.price_per_base_unit if latest else None,
        },
    )
    if weekday is not None and weekday != subscriber.digest_weekday:
        subscriber.digest_weekday = weekday
        subscriber.save(update_fields=["digest_weekday"])
    return subscription, created


def unsubscribe(*, subscriber: Subscriber, commodity: Commodity, market: Market) -> bool:
    """Stop following one crop at one market; False when it was not followed."""
    deleted, _ = subscriber.subscriptions.filter(commodity=commodity, market=market).delete()
    return deleted > 0


def digest_weekday(subscriber: Subscriber) -> int:
    if subscriber.digest_weekday is None:
        return settings.SMS_DIGEST_WEEKDAY
    return subscriber.digest_weekday
