"""Every number an entry path stores fits its column. The largest and the smallest value a
column holds are stored and read back exactly through each path (file import, API, web
form, SMS, ODK Collect); one past either is refused with the field or row named, and
nothing is stored. Beneath them, a property: the one rule (``validation.digits_error``)
accepts a number exactly when the database keeps it unchanged."""

import csv
import io
from decimal import Decimal, InvalidOperation

import pytest
from django.core.management import call_command
from django.db import DataError, IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import Quote, Unit
from agriprices.validation import SIGNIFICANT_DIGITS, digits_error
from sms_gateway import services as sms
from sms_gateway.models import Subscription
from tests import factories
from tests.api.conftest import client_with_token
from tests.conftest import DATA
from tests.openrosa.test_collect import Collect
from tests.profiles import examples

pytestmark = pytest.mark.django_db

PRICE = Quote._meta.get_field("price")
USD_PRICE = Quote._meta.get_field("usd_price")
UNIT_QUANTITY = Unit._meta.get_field("base_quantity")


def limits(column) -> list[tuple[str, Decimal, bool]]:
    """(which, value, fits) for the largest and smallest positive numbers the column
    holds, and one step past each. Every database keeps 15 significant digits (SQLite
    no more), so a wide column's largest number has fewer places."""
    before = column.max_digits - column.decimal_places
    places = min(column.decimal_places, SIGNIFICANT_DIGITS - before)
    top = Decimal(10) ** before
    smallest = Decimal(1).scaleb(-column.decimal_places)
    return [
        ("largest", top - Decimal(1).scaleb(-places), True),
        ("smallest", smallest, True),
        ("one past the largest", top, False),
        ("one past the smallest", smallest / 10, False),
    ]


def cases(column):
    return [pytest.param(value, fits, id=which) for which, value, fits in limits(column)]


def nothing_stored():
    return not Quote.objects.exists()


# --- The rule against the database ---------------------------------------------------------

near_the_limits = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(min_value=1, max_value=10**16),
    st.integers(min_value=-9, max_value=3),
)


@settings(max_examples=examples(150))
@given(value=near_the_limits)
def test_the_rule_accepts_a_number_exactly_when_the_column_keeps_it(value):
    """On SQLite a number that does not fit is stored and breaks every later read; on
    PostgreSQL it is refused or rounded. The rule must agree with both."""
    fits = digits_error(value, UNIT_QUANTITY, "quantity") is None
    with transaction.atomic():
        try:
            with transaction.atomic():
                Unit.objects.create(code="probe", name="probe", dimension="x", base_quantity=value)
            kept = Unit.objects.get(code="probe").base_quantity == value
        except (DataError, IntegrityError, InvalidOperation):
            kept = False
        transaction.set_rollback(True)
    assert fits is kept


# --- File import ----------------------------------------------------------------------------


def one_row_file(**cells) -> str:
    with open(DATA / "wfp_food_prices_blr.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerow({**rows[1], **cells})
    return out.getvalue()


def import_text(text):
    return import_price_rows(read_price_file(io.StringIO(text), "wfp"))


@pytest.mark.parametrize(("value", "fits"), cases(PRICE))
def test_import_price(value, fits):
    report = import_text(one_row_file(price=f"{value:f}"))
    if fits:
        assert not report.errors and Quote.objects.get().price == value
    else:
        assert [(e.line, e.reason.split()[0]) for e in report.errors] == [(2, "price")]
        assert nothing_stored()


@pytest.mark.parametrize(("value", "fits"), cases(USD_PRICE))
def test_import_usd_price(value, fits):
    report = import_text(one_row_file(usdprice=f"{value:f}"))
    if fits:
        assert not report.errors and Quote.objects.get().usd_price == value
    else:
        assert [(e.line, e.reason.split()[0]) for e in report.errors] == [(2, "usdprice")]
        assert nothing_stored()


@pytest.mark.parametrize(("quantity", "fits"), cases(UNIT_QUANTITY))
def test_import_unit_quantity(quantity, fits):
    # A price that stays comparable per kg whatever the unit's size.
    price = max(quantity * 100, Decimal(1))
    report = import_text(one_row_file(unit=f"{quantity:f} KG", price=f"{price:f}"))
    if fits:
        assert not report.errors
        assert Quote.objects.select_related("unit").get().unit.base_quantity == quantity
    else:
        [error] = report.errors
        assert error.line == 2 and error.reason.startswith(f"unit '{quantity:f} KG': quantity")
        assert nothing_stored() and not Unit.objects.filter(base_quantity__gt=1000).exists()


# --- The agents' paths ------------------------------------------------------------------------


@pytest.fixture
def field(potatoes, osh):
    """An agent at Osh who may use the web form, the API, SMS (PIN 2468) and Collect."""
    user = factories.agent(markets=[osh], username="aibek")
    call_command(
        "sms_agent", "aibek", "--phone", "+996555700001", "--pin", "2468", stdout=io.StringIO()
    )
    return user


@pytest.mark.parametrize(("value", "fits"), cases(PRICE))
def test_api_price(field, value, fits):
    response = client_with_token(field).post(
        "/api/v1/quotes/",
        {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": f"{value:f}"},
        format="json",
    )
    if fits:
        assert response.status_code == 201, response.json()
        assert Decimal(response.json()["price"]) == value == Quote.objects.get().price
    else:
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["errors"]] == ["price"]
        assert nothing_stored()


@pytest.mark.parametrize(("value", "fits"), cases(PRICE))
def test_web_form_price(client, field, potatoes, osh, kg, today, value, fits):
    client.force_login(field)
    entry = {
        "market": osh.pk,
        "commodity": potatoes.pk,
        "price": f"{value:f}",
        "unit": kg.pk,
        "price_type": "retail",
        "observed_on": today.isoformat(),
    }
    response = client.post("/report/", entry)
    if fits:
        assert response.status_code == 302 and Quote.objects.get().price == value
    else:
        assert response.status_code == 200 and list(response.context["form"].errors) == ["price"]
        assert nothing_stored()


@pytest.mark.parametrize(("value", "fits"), cases(PRICE))
def test_sms_report_price(field, value, fits):
    reply = sms.receive_sms(
        provider="test",
        provider_sid="SM1",
        sender="+996555700001",
        body=f"P POTATOES OSH {value:f} KG 2468",
    ).reply
    if fits:
        assert reply.startswith("Recorded") and Quote.objects.get().price == value
    else:
        assert reply.startswith(f"Not recorded: price {value}")
        assert nothing_stored()


@pytest.mark.parametrize(("value", "fits"), cases(PRICE))
def test_collect_price(client, field, value, fits):
    collect = Collect(client)
    response, message = collect.send(collect.blank_form(), prices=[("potatoes", "kg", value)])
    if fits:
        assert response.status_code == 201 and Quote.objects.get().price == value
    else:
        assert response.status_code == 400 and message.startswith(f"price {value}")
        assert nothing_stored()


@pytest.mark.parametrize(
    ("percent", "fits"),
    # The column holds 999.9 but a percent is at most 100 (its check constraint).
    [("100", True), ("0.1", True), ("100.1", False), ("0.05", False), ("1000", False)],
)
def test_sms_alert_percent(potatoes, osh, percent, fits):
    factories.QuoteFactory(commodity=potatoes, market=osh, price=30)
    reply = sms.receive_sms(
        provider="test",
        provider_sid="SM1",
        sender="+996555700002",
        body=f"SUB POTATOES OSH {percent}%",
    ).reply
    if fits:
        assert Subscription.objects.get().alert_pct == Decimal(percent)
    else:
        assert reply == "The percent must be 1 to 100: SUB POTATO OSH 10"
        assert not Subscription.objects.exists()


def test_a_unit_too_large_is_refused_before_any_read_breaks():
    """The slip that made CI fail at random: a nine-digit unit in a WFP file."""
    report = import_text(one_row_file(unit="100000000 KG", price="5000000000"))
    assert [str(e) for e in report.errors] == [
        "line 2: unit '100000000 KG': quantity 100000000 is too large "
        "(at most 8 digits before the point)"
    ]
    assert nothing_stored() and not Unit.objects.filter(code__startswith="100000000").exists()
    assert all(unit.base_quantity > 0 for unit in Unit.objects.all())  # every unit reads
