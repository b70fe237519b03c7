"""One definition of "the same price again" (services.restates), for API retries and
re-imported files alike: a retry that restates a price changes nothing; the id reused
with any field changed is a conflict."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest

from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import Market, Quote
from agriprices.services.recording import QuoteError, record_quote_once
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(potatoes, osh, bishkek, today):
    agent = factories.agent(markets=[osh, bishkek])
    fields = {
        "agent": agent,
        "commodity": potatoes,
        "market": osh,
        "unit": potatoes.base_unit,
        "price": Decimal("18"),
        "currency": "KGS",
        "price_type": "retail",
        "observed_on": today,
        "source": Quote.Source.API,
    }
    quote, created = record_quote_once(external_id="app:1", **fields)
    assert created
    return fields


def test_the_same_price_again_changes_nothing(first):
    quote, created = record_quote_once(external_id="app:1", **first)
    assert not created and Quote.objects.count() == 1 and quote.price == Decimal("18")


CHANGES = {
    "agent": lambda f: factories.agent(markets=[f["market"]]),
    "commodity": lambda f: factories.CommodityFactory(name="Onions", base_unit=f["unit"]),
    "market": lambda f: Market.objects.get(name="Bishkek"),  # the agent's other market
    "unit": lambda f: factories.unit("bag50kg"),
    "price": lambda f: Decimal("19"),
    "currency": lambda f: "USD",
    "price_type": lambda f: "wholesale",
    "observed_on": lambda f: f["observed_on"] - timedelta(days=1),
}


@pytest.mark.parametrize("field", CHANGES)
def test_the_id_reused_with_any_field_changed_is_a_conflict(first, field):
    changed = {**first, field: CHANGES[field](first)}
    with pytest.raises(QuoteError) as refused:
        record_quote_once(external_id="app:1", **changed)
    assert refused.value.code == "conflict"
    assert Quote.objects.count() == 1


HEADER = "external_id,observed_on,region,market,commodity,unit,price_type,currency,price\n"


def import_csv(row: str):
    text = HEADER + row + "\n"
    return import_price_rows(read_price_file(io.StringIO(text), "csv"))


@pytest.mark.parametrize(
    ("changed", "unchanged"),
    [
        ("2024-03-01,Chuy,Osh,Potatoes,kg,retail,KGS,19", False),  # price
        ("2024-03-01,Chuy,Osh,Potatoes,kg,retail,USD,18", False),  # currency
        ("2024-03-01,Chuy,Osh,Potatoes,kg,wholesale,KGS,18", False),  # price type
        ("2024-03-02,Chuy,Osh,Potatoes,kg,retail,KGS,18", False),  # day
        ("2024-03-01,Chuy,Osh,Potatoes,kg,retail,KGS,18.00", True),  # the same price
    ],
)
def test_a_reimported_row_under_a_stored_id_is_the_same_only_if_every_field_is(
    db, changed, unchanged
):
    assert import_csv("f:1,2024-03-01,Chuy,Osh,Potatoes,kg,retail,KGS,18").created == 1
    report = import_csv(f"f:1,{changed}")
    assert report.unchanged == int(unchanged)
    assert [e.reason.split(" with ")[0] for e in report.errors] == (
        [] if unchanged else ["external id f:1 is stored as quote " + str(Quote.objects.get().pk)]
    )
    assert Quote.objects.count() == 1
