"""One rule for a plausible observation day (``validation.date_error``): never in the
future, and for prices entered by people (web form, SMS, ODK Collect, API writes) not
older than AGRIPRICES_MAX_AGE_DAYS (60). Files of history go through the importer, which
takes old days on purpose; and one price far outside a series' span (1926 typed for
2026) never changes what its warnings can say."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from agriprices.importers import import_price_rows, read_price_file
from agriprices.models import Quote
from agriprices.services.recording import QuoteError, record_quote
from agriprices.services.series import rebuild_latest_prices
from agriprices.validation import date_error
from agriprices.warnings.computation import refresh_warnings
from agriprices.warnings.models import PriceWarning
from tests import factories
from tests.api.conftest import client_with_token

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
SLIP = date(1926, 3, 10)


@pytest.mark.parametrize(
    ("day", "window", "said"),
    [
        (TODAY, 60, None),
        (TODAY - timedelta(days=60), 60, None),
        (TODAY - timedelta(days=61), 60, "date 2026-01-08 is more than 60 days ago"),
        (SLIP, 60, "date 1926-03-10 is more than 60 days ago"),
        (SLIP, None, None),  # a file of history
        (TODAY + timedelta(days=1), None, "date 2026-03-11 is in the future"),
        (date(1899, 12, 31), None, "date 1899-12-31 is before 1900"),
        # For people, the window says more than the century does.
        (date(1, 1, 1), 60, "date 0001-01-01 is more than 60 days ago"),
    ],
)
def test_the_rule(day, window, said):
    message = date_error(day, TODAY, max_age_days=window)
    assert (message if said is None else message.split(":")[0]) == said


@pytest.mark.parametrize(
    "source", [Quote.Source.WEB, Quote.Source.SMS, Quote.Source.COLLECT, Quote.Source.API]
)
def test_every_entry_by_people_refuses_the_1926_slip(agent, potatoes, osh, today, source):
    slip = today.replace(year=1926) if today.month != 2 or today.day != 29 else date(1926, 2, 28)
    with pytest.raises(QuoteError) as refused:
        record_quote(
            agent=agent, commodity=potatoes, market=osh, unit=potatoes.base_unit,
            price=Decimal(18), observed_on=slip, source=source,
        )  # fmt: skip
    assert refused.value.field == "observed_on"
    assert refused.value.message == (
        f"date {slip.isoformat()} is more than 60 days ago: prices are entered within 60 days "
        "of being seen (older prices come in through a file import)"
    )
    assert not Quote.objects.exists()


def test_the_window_is_a_setting(agent, potatoes, osh, days_ago, settings):
    settings.AGRIPRICES_MAX_AGE_DAYS = 7
    record = dict(agent=agent, commodity=potatoes, market=osh, unit=potatoes.base_unit,
                  price=Decimal(18), source=Quote.Source.WEB)  # fmt: skip
    assert record_quote(**record, observed_on=days_ago(7)).status == "approved"
    with pytest.raises(QuoteError, match="more than 7 days ago"):
        record_quote(**record, observed_on=days_ago(8))


def test_the_web_form_says_the_day_and_the_window_beside_the_field(client, agent, potatoes, osh):
    client.force_login(agent)
    page = client.post(
        "/report/",
        {
            "market": osh.pk,
            "commodity": potatoes.pk,
            "price": "18",
            "unit": potatoes.base_unit.pk,
            "price_type": "retail",
            "observed_on": "1926-03-01",
        },
    )
    assert page.status_code == 200
    assert "date 1926-03-01 is more than 60 days ago" in page.content.decode()
    assert not Quote.objects.exists()


def test_the_api_refuses_it_naming_the_field(agent, potatoes, osh):
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18",
            "observed_on": "1926-03-01"}  # fmt: skip
    response = client_with_token(agent).post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "observed_on" and "1926-03-01" in error["message"]
    assert "60 days" in error["message"]
    assert not Quote.objects.exists()


@pytest.mark.parametrize("day", ["2026-02-29", "2026-13-01", "15/03/2026"])
def test_the_api_says_a_day_that_does_not_exist_is_no_day(agent, potatoes, osh, day):
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18"}
    response = client_with_token(agent).post(
        "/api/v1/quotes/", {**body, "observed_on": day}, format="json"
    )
    (error,) = response.json()["errors"]
    assert error == {
        "field": "observed_on",
        "message": "not a day: write YYYY-MM-DD, a day that exists",
        "code": "invalid",
    }


@pytest.mark.parametrize("blank", ["", "  ", None])
def test_the_api_says_an_empty_day_is_empty_not_that_it_is_no_day(agent, potatoes, osh, blank):
    """A blank cell of a partner's sheet: never taken for today, which would date an old
    price wrongly."""
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18"}
    response = client_with_token(agent).post(
        "/api/v1/quotes/", {**body, "observed_on": blank}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "observed_on",
            "message": "empty: leave it out for today, or write YYYY-MM-DD",
            "code": "empty" if blank is not None else "null",
        }
    ]
    assert not Quote.objects.exists()


def test_the_api_says_no_day_in_the_callers_language(agent, potatoes, osh):
    """As every other refusal of a price it writes."""
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18"}
    said = {
        "ru": "это не дата: напишите ГГГГ-ММ-ДД, существующий день",
        "fr": "pas un jour : écrivez AAAA-MM-JJ, un jour qui existe",
        "ky": "бул күн эмес: ЖЖЖЖ-АА-КК түрүндө, бар болгон күндү жазыңыз",
    }
    client = client_with_token(agent)
    for language, message in said.items():
        response = client.post(
            "/api/v1/quotes/",
            {**body, "observed_on": "2026-13-01"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == message
    assert not Quote.objects.exists()


@pytest.mark.parametrize("zero", ["\u0660", "\uff10"])  # Arabic-Indic, fullwidth
def test_the_api_takes_a_day_in_the_digits_0_to_9_only(agent, potatoes, osh, today, zero):
    """As the dashboard's forms and the API's query days: the parser would read
    today in other digits as today."""
    other = today.isoformat().translate({ord(str(n)): chr(ord(zero) + n) for n in range(10)})
    body = {"commodity": "potatoes", "market": "osh", "unit": "kg", "price": "18"}
    client = client_with_token(agent)
    response = client.post("/api/v1/quotes/", {**body, "observed_on": other}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "observed_on",
            "message": "not a day: write YYYY-MM-DD, a day that exists",
            "code": "invalid",
        }
    ]
    assert not Quote.objects.exists()
    body["observed_on"] = today.isoformat()
    assert client.post("/api/v1/quotes/", body, format="json").status_code == 201


def test_the_web_form_refuses_an_old_day_before_it_asks_about_an_unusual_price(
    client, agent, potatoes, osh, days_ago
):
    for n in range(2, 7):
        factories.QuoteFactory(commodity=potatoes, market=osh, price=18, observed_on=days_ago(n))
    client.force_login(agent)
    entry = {
        "market": osh.pk,
        "commodity": potatoes.pk,
        "price": "180",
        "unit": potatoes.base_unit.pk,
        "price_type": "retail",
        "observed_on": days_ago(61).isoformat(),
    }
    page = client.post("/report/", entry)
    assert page.context["warning"] is None
    assert "more than 60 days ago" in page.context["form"].errors["observed_on"][0]


def test_the_importer_takes_history(db):
    text = (
        "external_id,observed_on,region,market,commodity,unit,price_type,currency,price\n"
        "f:1,2011-03-15,Chuy,Osh,Potatoes,kg,retail,KGS,18\n"
    )
    report = import_price_rows(read_price_file(io.StringIO(text), "csv"))
    assert (report.created, report.rejected) == (1, 0)


@pytest.fixture
def four_years(potatoes, osh, today):
    """Four years of monthly potato prices at Osh up to last month, which spiked."""
    this_month = today.replace(day=1)
    month = date(this_month.year - 4, this_month.month, 1)
    while month < this_month:
        spike = 2 if (month.year, month.month) == _last_month(this_month) else 1
        season = 1 + 0.1 * ((month.month % 12) - 6) / 6
        factories.QuoteFactory(
            commodity=potatoes, market=osh, observed_on=month.replace(day=15),
            price=Decimal(str(round(20 * season * spike + month.year - 2020, 2))),
        )  # fmt: skip
        month = (month + timedelta(days=32)).replace(day=1)
    rebuild_latest_prices()
    refresh_warnings()


def _last_month(this_month):
    previous = this_month - timedelta(days=1)
    return previous.year, previous.month


def newest_warning():
    warning = PriceWarning.objects.order_by("-month").first()
    return warning.month, warning.alps_band, warning.short_of, warning.normal_price


def test_one_price_typed_as_1926_never_changes_what_the_warnings_say(
    four_years, potatoes, osh, today
):
    osh.aliases.create(name="Osh")  # as a file names them
    potatoes.aliases.create(name="Potatoes")
    before = newest_warning()
    assert before[1] == "crisis" and before[2] == ""
    text = (
        "external_id,observed_on,region,market,commodity,unit,price_type,currency,price\n"
        f"f:slip,1926-{today.month:02d}-01,Chuy,Osh,Potatoes,kg,retail,KGS,21\n"
    )
    report = import_price_rows(read_price_file(io.StringIO(text), "csv"))
    assert report.created == 1 and Quote.objects.get(external_id="f:slip").status == "approved"
    refresh_warnings()
    # Before: "3% of months have a price, 70% needed", and no band at all.
    assert newest_warning() == before
