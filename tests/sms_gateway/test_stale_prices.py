"""A farmer is told when a price is old: older than its market's collection cycle plus a
grace (twice the cycle by default), the reply says how old in words and names the
nearest market with a fresh price, in one SMS, in every language."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from agriprices.collection.models import CollectionPlan
from agriprices.models import Quote
from agriprices.services.recording import record_quote
from sms_gateway.channels import inbound
from sms_gateway.models import Subscriber
from sms_gateway.segments import count_segments
from tests.factories import CommodityFactory, MarketFactory, RegionFactory, unit

#: Plans of these tests take effect before any day they ask about.
LONG_AGO = date(2025, 1, 1)

sids = (f"SMst{n}" for n in itertools.count())


@pytest.fixture
def markets(db):
    region = RegionFactory(name="South")

    def market(name, ru, lat, lon):
        return MarketFactory(
            name=name,
            region=region,
            translations={"ru": ru, "ky": ru, "fr": name},
            latitude=Decimal(lat),
            longitude=Decimal(lon),
        )

    return {
        "osh": market("Osh", "Ош", "40.5283", "72.7985"),
        "jalal-abad": market("Jalal-Abad", "Джалал-Абад", "40.9333", "73.0000"),
        "naryn": market("Naryn", "Нарын", "41.4287", "75.9911"),
        "potatoes": CommodityFactory(
            name="Potatoes",
            translations={"ru": "Картофель", "ky": "Картошка", "fr": "Pommes de terre"},
        ),
    }


def price(markets, where, days_ago, value, today):
    return record_quote(
        agent=None,
        commodity=markets["potatoes"],
        market=markets[where],
        unit=unit("kg"),
        price=Decimal(value),
        observed_on=today - timedelta(days=days_ago),
        source=Quote.Source.IMPORT,
    )


def ask(language, text="potatoes osh"):
    phone = f"+9965557{next(sids)[4:]:0>5}"
    Subscriber.objects.create(phone=phone, language=language)
    return inbound.receive(provider="test", provider_sid=next(sids), sender=phone, body=text).reply


@pytest.mark.parametrize(
    ("language", "old", "fresh"),
    [
        ("en", "last price 3 weeks ago", "Fresh: Jalal-Abad 26/kg"),
        ("fr", "dernier prix il y a 3 semaines", "Récent : Jalal-Abad 26/kg"),
        ("ru", "цена 3 недели назад", "Свежая: Джалал-Абад 26"),
        ("ky", "баа 3 жума мурунку", "Жаңы: Джалал-Абад 26"),
    ],
)
def test_an_old_price_says_so_and_names_the_nearest_fresh_market(
    markets, today, language, old, fresh
):
    price(markets, "osh", 22, "30", today)  # weekly by default: old after 21 days
    price(markets, "jalal-abad", 2, "26", today)
    price(markets, "naryn", 1, "24", today)  # fresh too, but farther
    reply = ask(language)
    assert old in reply
    assert fresh in reply
    assert "Нарын" not in reply and "Naryn" not in reply
    assert count_segments(reply).segments == 1


def test_a_price_within_its_cycle_and_grace_is_not_called_old(markets, today):
    price(markets, "osh", 21, "30", today)
    price(markets, "jalal-abad", 2, "26", today)
    reply = ask("en")
    assert "ago" not in reply and "Fresh" not in reply


def test_the_cycle_is_the_markets_plan(markets, today):
    CollectionPlan.objects.create(
        market=markets["osh"],
        kind="every",
        every_days=3,
        starts_on=today,
        weekdays="",
        effective_from=LONG_AGO,
    )
    price(markets, "osh", 10, "30", today)  # 3-day cycle: old after 9 days
    reply = ask("en")
    assert "last price 10 days ago" in reply
    # No other market has a fresh price: the reply says only how old it is.
    assert "Fresh" not in reply


def test_an_old_price_with_no_fresh_market_anywhere(markets, today):
    price(markets, "osh", 70, "30", today)
    price(markets, "naryn", 40, "24", today)
    reply = ask("en")
    assert "last price 2 months ago" in reply and "Fresh" not in reply


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (13, "last price 13 days ago"),
        (14, "last price 2 weeks ago"),
        (20, "last price 3 weeks ago"),  # not understated as 2 weeks
        (45, "last price 6 weeks ago"),
        (61, "last price 2 months ago"),
        (75, "last price 3 months ago"),
    ],
)
def test_an_age_is_rounded_to_the_nearest_week_or_month(days, said):
    from django.utils import translation

    from sms_gateway.replies.prices import age_phrase

    with translation.override("en"):
        assert age_phrase(days) == said


def test_the_ask_api_says_an_old_price_is_old_and_names_the_fresh_market(markets, today):
    """What the SMS says in words, the structured answer carries: how old, and where
    the price is fresh."""
    from rest_framework.test import APIClient

    price(markets, "osh", 22, "30", today)
    price(markets, "jalal-abad", 2, "26", today)
    answer = APIClient().get("/api/v1/ask/", {"q": "potatoes osh"}).json()["answer"]
    assert answer["kind"] == "price"
    assert answer["stale"]["age_days"] == 22
    assert answer["stale"]["fresh"]["market"]["slug"] == "jalal-abad"
    price(markets, "osh", 1, "31", today)
    fresh = APIClient().get("/api/v1/ask/", {"q": "potatoes osh"}).json()["answer"]
    assert fresh["stale"] is None
