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
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import Quote, Unit
from agriprices.validation import SIGNIFICANT_DIGITS, digits_error
from sms_gateway.channels import inbound as sms
from sms_gateway.models import Subscription
from tests import factories
from tests.api.conftest import client_with_token
from tests.conftest import DATA
from tests.openrosa.test_collect import Collect
from tests.profiles import examples

# The rows come from WFP's Belarus file, priced in BYR: the service is priced in it too.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("belarus_service")]

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


@pytest.mark.parametrize(
    ("cell", "field", "value", "fits"),
    [
        pytest.param(cell, field, value, fits, id=f"{cell} {which}")
        for cell, field, column in (("price", "price", PRICE), ("usdprice", "usd_price", USD_PRICE))
        for which, value, fits in limits(column)
    ],
)
def test_import_prices(cell, field, value, fits):
    report = import_text(one_row_file(**{cell: f"{value:f}"}))
    if fits:
        assert not report.errors and getattr(Quote.objects.get(), field) == value
    else:
        assert [(e.line, e.reason.split()[0]) for e in report.errors] == [(2, cell)]
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
    reply = sms.receive(
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
        assert response.status_code == 400 and message.startswith(f"Potatoes: price {value}")
        assert nothing_stored()


@pytest.mark.parametrize(
    ("percent", "fits"),
    # The column holds 999.9 with one place; a percent is 1 to 100 (a smaller move is noise).
    [
        ("100", True),
        ("1", True),
        ("12.5", True),
        ("100.1", False),
        ("0.9", False),
        ("99.95", False),
        ("1000", False),
        ("-10", False),
        ("10.00000000000000000000000000001", False),
    ],
)
def test_sms_alert_percent(potatoes, osh, percent, fits):
    factories.QuoteFactory(commodity=potatoes, market=osh, price=30)
    reply = sms.receive(
        provider="test",
        provider_sid="SM1",
        sender="+996555700002",
        body=f"SUB POTATOES OSH {percent}%",
    ).reply
    if fits:
        assert Subscription.objects.get().alert_pct == Decimal(percent)
    else:
        assert reply == "The percent must be 1 to 100, like 10 or 12.5: SUB POTATO OSH 10"
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


# --- What an independent try at breaking these rules found ----------------------------------


def test_a_billionfold_rise_is_still_served_by_the_latest_prices_api(client, days_ago):
    # Both prices fit their columns; the change between them (about 10⁹ %) must be said,
    # not turned into a 500 for the whole market's list.
    report = import_text(
        one_row_file(date=days_ago(8).isoformat(), price="0.0001")
        + one_row_file(date=days_ago(1).isoformat(), price="999999").split("\n", 1)[1]
    )
    assert not report.errors and report.created == 2
    response = client.get("/api/v1/prices/latest/?market=minsk")
    assert response.status_code == 200
    [row] = response.json()
    assert Decimal(row["change_week_pct"]) == Decimal("999998999900.0")


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        # Names that fit as written but not once folded for matching (ß is ss, ﷺ is 18
        # letters), or once lowered (İ is two characters).
        ({"market": "ß" * 61, "market_id": ""}, "market is 122 characters long, at most 120"),
        ({"commodity": "ﷺ" * 7, "commodity_id": ""}, "commodity is 126 characters long"),
        ({"category": "İ" * 41}, "category is 82 characters long, at most 80 fit"),
        ({"market_id": "ß" * 59}, "market_code is 122 characters long, at most 120 fit"),
        # Invisible characters turn a name around in every reply.
        ({"market": "\u202eRTL market"}, "market contains the invisible character U+202E"),
        # A unit that loses a character on the way to its code is not taken for kg.
        ({"unit": "½ kg"}, "unit '½ kg' is not understood: write its quantity in digits"),
        ({"unit": "kg²"}, "unit 'kg²' is not understood"),
        # A day with more after it is not cut to its first ten characters.
        ({"date": "2026-11-015"}, "date '2026-11-015' is not a date (YYYY-MM-DD)"),
        ({"date": "2026-11-0199999"}, "is not a date"),
        # A price with more digits than Python's own 28 is read exactly.
        ({"price": "1.00000000000000000000000000001"}, "has more than 4 decimal places"),
    ],
)
def test_a_row_that_would_not_be_stored_as_written_is_refused_with_its_line(cells, reason):
    report = import_text(one_row_file(**cells))
    assert [e.line for e in report.errors] == [2] and reason in report.errors[0].reason
    assert nothing_stored()


def test_a_day_with_a_time_after_it_is_read_as_that_day():
    report = import_text(one_row_file(date="2009-01-15T00:00:00Z"))
    assert not report.errors and Quote.objects.get().observed_on.isoformat() == "2009-01-15"


def test_pounds_are_kept_to_the_units_six_places():
    # 2.2 lb is 0.9979024 kg; the column keeps 0.997902, 2 parts in 10 million off.
    report = import_text(one_row_file(unit="2.2 LB", price="10"))
    assert not report.errors
    assert Unit.objects.get(code="2.2lb").base_quantity == Decimal("0.997902")
    report = import_text(one_row_file(unit="0.00001 LB", price="10", date="2009-02-15"))
    assert "cannot be kept to 6 decimal places" in report.errors[0].reason


def test_the_price_per_kg_stored_is_the_same_on_every_database():
    # 99999999999.9999 / 46 = 2173913043.478259 (16 digits): SQLite would keep
    # 2173913043.47826, so both databases are given that.
    report = import_text(one_row_file(unit="46 KG", price="99999999999.9999"))
    assert not report.errors
    assert Quote.objects.get().price_per_base_unit == Decimal("2173913043.478260")


def test_an_agent_texting_a_negative_price_is_refused(field):
    reply = sms.receive(
        provider="test", provider_sid="SM1", sender="+996555700001", body="P POTATO OSH -7 KG 2468"
    ).reply
    assert reply == "Not recorded: price must be greater than zero"
    assert nothing_stored()


def test_the_web_form_refuses_sixteen_digits_before_asking_about_an_outlier(
    client, field, potatoes, osh, kg, today
):
    client.force_login(field)
    entry = {
        "market": osh.pk,
        "commodity": potatoes.pk,
        "price": "123456789012.3456",
        "unit": kg.pk,
        "price_type": "retail",
        "observed_on": today.isoformat(),
    }
    response = client.post("/report/", entry)
    assert response.context["warning"] is None
    assert response.context["form"].errors["price"] == [
        "the price 123456789012.3456 has more than 15 significant digits"
    ]
    assert nothing_stored()


@pytest.mark.parametrize(
    ("instance_id", "photo"),
    [("uuid:" + "7" * 260, ""), ("uuid:" + "7" * 130, "1701.jpg"), ("uuid:1", "p" * 130 + ".jpg")],
)
def test_collect_names_too_long_for_their_columns_are_a_clear_400(
    client, field, settings, tmp_path, instance_id, photo
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    collect = Collect(client)
    instance = collect.fill(
        collect.blank_form(),
        market="osh",
        observed_on=timezone.localdate().isoformat(),
        prices=[("potatoes", "kg", "30")],
        instance_id=instance_id,
        photo=photo,
    )
    files = {"xml_submission_file": SimpleUploadedFile("s.xml", instance, "text/xml")}
    if photo:
        files[photo] = SimpleUploadedFile(photo, b"\xff\xd8\xff", "image/jpeg")
    response = client.post(
        "/openrosa/submission", files, secure=True, **collect.auth, HTTP_X_OPENROSA_VERSION="1.0"
    )
    assert response.status_code == 400 and b"characters long" in response.content
    assert nothing_stored() and not list(tmp_path.rglob("*.jpg"))  # no file left behind
