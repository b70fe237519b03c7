"""GET /api/v1/prices/warnings/: what the seasonal warnings say, filtered, as JSON or CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from agriprices.warnings.computation import refresh_warnings
from tests import factories
from tests.agriprices.test_price_warnings import load_series


@pytest.fixture
def warnings(db, potatoes, osh, bishkek, today):
    """Potatoes: a spike at Osh (four years), steady at Bishkek, too new at Naryn."""
    onions = factories.CommodityFactory(name="Onions")
    naryn = factories.MarketFactory(name="Naryn")
    load_series(potatoes, osh, today, last_factor=1.4)
    load_series(potatoes, bishkek, today)
    load_series(potatoes, naryn, today, count=20)
    load_series(onions, osh, today, last_factor=0.6)
    refresh_warnings()
    return {"naryn": naryn, "onions": onions}


def test_each_series_newest_month_worst_first(api, warnings):
    body = api.get("/api/v1/prices/warnings/").json()
    assert body["count"] == 4
    first = body["results"][0]
    assert (first["commodity"]["name"], first["market"]["name"]) == ("Potatoes", "Osh")
    assert first["alps_band"] in ("alert", "crisis")
    assert first["season"] == "high" and first["history"] == "enough"
    assert first["above_normal_pct"] > 0 and first["normal_price"] < first["price"]
    assert first["currency"] == "KGS" and first["base_unit"] == "kg"
    assert len(first["month"]) == 7  # YYYY-MM
    naryn = next(r for r in body["results"] if r["market"]["name"] == "Naryn")
    assert naryn["history"] == "not_enough" and naryn["alps"] is None
    assert naryn["alps_band"] == "" and naryn["short_of"] == "20 months of history, 36 needed"
    onions = next(r for r in body["results"] if r["commodity"]["name"] == "Onions")
    assert onions["season"] == "low" and onions["ipa_band"] == "low"


def test_filters(api, warnings):
    def names(query):
        rows = api.get(f"/api/v1/prices/warnings/?{query}").json()["results"]
        return sorted(f"{r['commodity']['name']}@{r['market']['name']}" for r in rows)

    assert names("band=alert,crisis") == ["Potatoes@Osh"]
    assert names("band=crisis&band=alert&commodity=onions") == []
    assert names("ipa_band=low") == ["Onions@Osh"]
    assert names("market=osh") == ["Onions@Osh", "Potatoes@Osh"]
    assert names("region=naryn-region") == ["Potatoes@Naryn"]
    month = api.get("/api/v1/prices/warnings/").json()["results"][0]["month"]
    year, number = (int(x) for x in month.split("-"))
    earlier = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
    assert len(names(f"month={earlier}")) == 4
    assert names("month=1999-01") == []


def test_csv_has_one_row_per_series_with_iso_months(api, warnings):
    response = api.get("/api/v1/prices/warnings/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 4
    assert {"month", "price", "normal_price", "alps", "alps_band", "ipa", "ipa_band"} <= set(
        rows[0]
    )
    assert rows[0]["month"][4] == "-"


@pytest.mark.parametrize(
    "query, field",
    [
        ("band=red", "band"),
        ("ipa_band=crisis", "ipa_band"),
        ("month=2026-13", "month"),
        ("month=26-01", "month"),
        ("market=atlantis", "market"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_parameter_is_a_clear_400(api, warnings, query, field):
    response = api.get(f"/api/v1/prices/warnings/?{query}")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_answers_carry_last_modified_and_change_when_warnings_do(
    api, warnings, potatoes, osh, monkeypatch
):
    real = timezone.now
    # Last-Modified is said once the second of the last change is over (test_read.py).
    monkeypatch.setattr(timezone, "now", lambda: real() + timedelta(seconds=2))
    first = api.get("/api/v1/prices/warnings/")
    stamp = first["Last-Modified"]
    assert api.get("/api/v1/prices/warnings/", HTTP_IF_MODIFIED_SINCE=stamp).status_code in (
        200,
        304,
    )
    # A recomputation that changes a warning changes the answer at once (no stale cache).
    from agriprices.warnings.models import PriceWarning

    PriceWarning.objects.filter(market=osh, commodity=potatoes).update(alps_band="normal")
    refresh_warnings()
    again = api.get("/api/v1/prices/warnings/?band=alert,crisis").json()
    assert again["count"] == 1


def test_a_warning_deleted_is_gone_from_the_next_answer(api, warnings, potatoes, osh, monkeypatch):
    """A recomputation that leaves a series with no warning deletes rows and writes none:
    the answer must follow, and a client revalidating by date must not be told 304."""
    from agriprices.warnings.models import PriceWarning

    real = timezone.now
    clock = {"ahead": timedelta(seconds=2)}
    monkeypatch.setattr(timezone, "now", lambda: real() + clock["ahead"])
    first = api.get("/api/v1/prices/warnings/?market=osh&commodity=potatoes")
    assert first.json()["count"] > 0
    clock["ahead"] = timedelta(seconds=4)
    PriceWarning.objects.filter(market=osh, commodity=potatoes).delete()
    clock["ahead"] = timedelta(seconds=6)
    again = api.get(
        "/api/v1/prices/warnings/?market=osh&commodity=potatoes",
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )
    assert again.status_code == 200 and again.json()["count"] == 0


def test_every_page_says_where_the_next_is_whether_kept_or_counted(api, warnings):
    """A script that follows the Link header reads every warning, also when the page it
    asks for was kept in the shared cache."""
    for attempt in ("counted", "kept"):
        seen, url = [], "/api/v1/prices/warnings/?page_size=3"
        while url:
            response = api.get(url)
            assert response.status_code == 200, attempt
            seen += response.json()["results"]
            link = response.get("Link")
            url = link[1 : link.index(">")] if link else None
            assert (url is None) == (response.json()["next"] is None), attempt
        assert len(seen) == 4, attempt


def test_a_kept_page_links_to_the_next_on_the_host_and_scheme_it_was_asked_on(
    api, warnings, settings
):
    """Its Link and ``next`` name the address the reader used, not the first reader's."""
    settings.ALLOWED_HOSTS = ["prices.example.org", "testserver"]
    url = "/api/v1/prices/warnings/?page_size=3"
    first = api.get(url, HTTP_HOST="prices.example.org", secure=True)
    assert first["Link"].startswith("<https://prices.example.org/")
    for host, secure, start in [
        ("testserver", False, "http://testserver/"),
        ("prices.example.org", False, "http://prices.example.org/"),
    ]:
        response = api.get(url, HTTP_HOST=host, secure=secure)
        assert response["Link"].startswith(f"<{start}"), host
        assert response.json()["next"].startswith(start), host
