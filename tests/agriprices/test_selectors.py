"""Reads used by SMS, API and dashboard. CI runs this file on SQLite and PostgreSQL."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from agriprices import name_index
from agriprices.models import PriceType
from agriprices.selectors.agents import assigned_markets, can_record_for
from agriprices.selectors.latest import latest_price, latest_prices, price_neighbours
from agriprices.selectors.quotes import approved_observations
from agriprices.selectors.series import price_series
from agriprices.services.series import rebuild_latest_prices, refresh_latest_price
from agriprices.validation import Observation
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def catalogue(potatoes):
    onions = factories.CommodityFactory(name="Onions")
    markets = [factories.MarketFactory(name=n) for n in ("Osh", "Naryn", "Talas", "Batken")]
    from agriprices.models import CommodityAlias, MarketAlias

    for name, lang in [("картошка", "ky"), ("kartoshka", ""), ("pommes de terre", "fr")]:
        CommodityAlias.objects.create(commodity=potatoes, name=name, language=lang)
    MarketAlias.objects.create(market=markets[0], name="Ош", language="ru")
    return {"potatoes": potatoes, "onions": onions, "markets": markets}


def seed_latest(commodity, market, *prices_by_days_ago):
    for ago, price in prices_by_days_ago:
        factories.QuoteFactory(
            commodity=commodity,
            market=market,
            price=D(price),
            observed_on=date.today() - timedelta(days=ago),
        )
    refresh_latest_price(
        commodity_id=commodity.pk, market_id=market.pk, price_type=PriceType.RETAIL
    )


def test_latest_across_markets_is_cheapest_first_in_one_query(catalogue, django_assert_num_queries):
    potatoes = catalogue["potatoes"]
    for market, price in zip(catalogue["markets"], ["20", "18", "25", "19"], strict=True):
        seed_latest(potatoes, market, (8, "17"), (1, price))
    with django_assert_num_queries(1):
        rows = list(latest_prices(commodity=potatoes))
        labels = [(r.market.name, r.price, r.unit.code, r.market.region.name) for r in rows]
    assert [label[:2] for label in labels] == [
        ("Naryn", D("18")),
        ("Batken", D("19")),
        ("Osh", D("20")),
        ("Talas", D("25")),
    ]


def test_latest_for_a_market_lists_every_commodity(catalogue):
    osh = catalogue["markets"][0]
    seed_latest(catalogue["potatoes"], osh, (1, "20"))
    seed_latest(catalogue["onions"], osh, (2, "30"))
    rows = latest_prices(market=osh)
    assert [r.commodity.name for r in rows] == ["Onions", "Potatoes"]


def test_latest_by_region(catalogue):
    osh, naryn = catalogue["markets"][:2]
    seed_latest(catalogue["potatoes"], osh, (1, "20"))
    seed_latest(catalogue["potatoes"], naryn, (1, "22"))
    assert [r.market for r in latest_prices(region=naryn.region)] == [naryn]


def test_weekly_series_is_the_median_per_week_for_several_markets_in_one_query(
    catalogue, django_assert_num_queries
):
    potatoes = catalogue["potatoes"]
    osh, naryn = catalogue["markets"][:2]
    monday = date(2026, 6, 1)
    for day, price in [(0, "10"), (2, "30"), (4, "12"), (7, "20")]:
        factories.QuoteFactory(
            commodity=potatoes, market=osh, price=D(price), observed_on=monday + timedelta(days=day)
        )
    factories.QuoteFactory(commodity=potatoes, market=naryn, price=D("40"), observed_on=monday)
    factories.QuoteFactory(
        commodity=potatoes, market=naryn, price=D("99"), observed_on=monday, status="flagged"
    )
    rebuild_latest_prices()  # the factory stores quotes past the services
    with django_assert_num_queries(1):
        series = price_series(commodity=potatoes, start=monday, end=monday + timedelta(days=13))
    osh_points = [(p.period_start, p.median, p.low, p.high, p.count) for p in series[osh.pk]]
    assert osh_points == [
        (monday, D("12"), D("10"), D("30"), 3),
        (monday + timedelta(days=7), D("20"), D("20"), D("20"), 1),
    ]
    assert [p.median for p in series[naryn.pk]] == [D("40")]  # the flagged 99 is left out


def test_monthly_series_and_market_filter(catalogue):
    potatoes = catalogue["potatoes"]
    osh, naryn = catalogue["markets"][:2]
    for day, price in [
        (date(2026, 5, 3), "10"),
        (date(2026, 5, 20), "14"),
        (date(2026, 6, 2), "16"),
    ]:
        factories.QuoteFactory(commodity=potatoes, market=osh, price=D(price), observed_on=day)
    factories.QuoteFactory(commodity=potatoes, market=naryn, observed_on=date(2026, 5, 3))
    rebuild_latest_prices()
    series = price_series(
        commodity=potatoes,
        markets=[osh],
        period="month",
        start=date(2026, 5, 1),
        end=date(2026, 6, 30),
    )
    assert list(series) == [osh.pk]
    assert [(p.period_start, p.median) for p in series[osh.pk]] == [
        (date(2026, 5, 1), D("12")),
        (date(2026, 6, 1), D("16")),
    ]


def test_series_refuses_an_unknown_period(catalogue):
    with pytest.raises(ValueError):
        price_series(commodity=catalogue["potatoes"], period="fortnight")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Potatoes", "Potatoes"),
        ("POTATOES", "Potatoes"),
        ("картошка", "Potatoes"),
        ("Картошка", "Potatoes"),
        ("kartoshka", "Potatoes"),
        ("pommes de terre", "Potatoes"),
        ("potatos", "Potatoes"),  # typo
        ("kartoshk", "Potatoes"),  # typo in a transliteration
        ("onion", "Onions"),
    ],
)
def test_commodity_search_understands_aliases_and_typos(catalogue, text, expected):
    matches = name_index.search_commodities(text)
    assert matches and matches[0].obj.name == expected


@pytest.mark.parametrize("text", ["", "   ", "zzzz", "tractor"])
def test_commodity_search_finds_nothing_for_unrelated_words(catalogue, text):
    assert name_index.search_commodities(text) == []


def test_market_search_in_cyrillic_and_latin(catalogue):
    assert name_index.search_markets("ош")[0].obj.name == "Osh"
    assert name_index.search_markets("narin")[0].obj.name == "Naryn"
    assert name_index.search_markets("osh")[0].score == 100


def test_approved_observations_are_per_currency(catalogue):
    potatoes, osh = catalogue["potatoes"], catalogue["markets"][0]
    day = date(2026, 6, 1)
    factories.QuoteFactory(commodity=potatoes, market=osh, observed_on=day, price=D(18))
    factories.QuoteFactory(
        commodity=potatoes, market=osh, observed_on=day, currency="USD", price=D(1)
    )
    assert approved_observations(
        commodity_id=potatoes.pk, price_type="retail", currency="KGS", start=day, end=day
    ) == [Observation(day, osh.pk, D("18"))]


def test_who_may_record_where(catalogue, operator):
    osh, naryn = catalogue["markets"][:2]
    agent = factories.agent(markets=[osh])
    assert can_record_for(agent, osh)
    assert not can_record_for(agent, naryn)
    assert can_record_for(operator, naryn)
    assert list(assigned_markets(agent)) == [osh]


def test_cached_names_follow_a_new_alias_once_it_is_committed(
    catalogue, django_capture_on_commit_callbacks
):
    from agriprices.models import CommodityAlias

    assert name_index.search_commodities("kartofel") == []  # and now the index is cached
    with django_capture_on_commit_callbacks(execute=True):
        alias = CommodityAlias.objects.create(commodity=catalogue["potatoes"], name="kartofel")
    assert name_index.search_commodities("kartofel")[0].obj.name == "Potatoes"
    with django_capture_on_commit_callbacks(execute=True):
        alias.delete()
    assert name_index.search_commodities("kartofel") == []


def test_neighbours_leave_out_an_old_price_which_would_pass_for_todays(catalogue):
    """Cheaper: Naryn 18, when Naryn's last price is five weeks old, told a farmer of a
    market he would travel to for nothing; the next cheapest with a fresh price is named."""
    potatoes = catalogue["potatoes"]
    osh, naryn, talas, batken = catalogue["markets"]
    seed_latest(potatoes, osh, (1, "20"))
    seed_latest(potatoes, naryn, (35, "18"))  # older than a weekly market's cycle allows
    seed_latest(potatoes, talas, (2, "19"))
    seed_latest(potatoes, batken, (40, "30"))
    cheaper, dearer = price_neighbours(latest_price(commodity=potatoes, market=osh))
    assert cheaper.market == talas
    assert dearer is None  # Batken's price is old: no market is known to be dearer today


def test_neighbours_are_the_cheapest_and_dearest_other_markets(catalogue):
    potatoes = catalogue["potatoes"]
    for market, price in zip(catalogue["markets"], ["20", "18", "25", "19"], strict=True):
        seed_latest(potatoes, market, (1, price))
    factories.QuoteFactory(
        commodity=potatoes, market=factories.MarketFactory(name="Minsk"), currency="BYR", price=1
    )
    rebuild_latest_prices()
    osh = latest_price(commodity=potatoes, market=catalogue["markets"][0])
    cheaper, dearer = price_neighbours(osh)
    assert (cheaper.market.name, dearer.market.name) == ("Naryn", "Talas")  # BYR not compared
    cheapest = latest_price(commodity=potatoes, market=catalogue["markets"][1])
    assert price_neighbours(cheapest)[0] is None


def test_an_answers_comparisons_follow_a_plan_changed_at_once(catalogue):
    """Whether a price is old depends on its market's plan: a plan changed (or its new
    version deleted) must change "Cheaper:" in the very next answer, not when the cached
    one expires."""
    from agriprices.collection.models import CollectionPlan
    from agriprices.collection.services import delete_plans, save_plan
    from agriprices.selectors.latest import latest_with_neighbours

    potatoes = catalogue["potatoes"]
    osh, naryn, talas, _batken = catalogue["markets"]
    today = date.today()
    save_plan(
        market=naryn,
        kind=CollectionPlan.Kind.EVERY,
        every_days=30,
        starts_on=today - timedelta(days=25),
        effective_from=today - timedelta(days=100),
        expected=[(potatoes, PriceType.RETAIL)],
    )
    seed_latest(potatoes, osh, (1, "20"))
    seed_latest(potatoes, naryn, (25, "18"))  # fresh for a market visited monthly
    seed_latest(potatoes, talas, (2, "19"))

    def cheaper():
        return latest_with_neighbours(commodity=potatoes, market=osh)[1].market

    assert cheaper() == naryn
    weekly = save_plan(
        market=naryn,
        kind=CollectionPlan.Kind.WEEKDAYS,
        weekdays=[0],
        expected=[(potatoes, PriceType.RETAIL)],
    )
    assert cheaper() == talas  # Naryn's price is now three rounds late
    delete_plans([weekly], actor=None)
    assert cheaper() == naryn


def test_only_a_day_of_deletions_is_kept(monkeypatch):
    """Only the newest deletion counts in the time of the last change: the table does
    not grow with every night's recomputed warnings."""
    from django.utils import timezone

    from agriprices.models import Deletion

    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() - timedelta(days=3))
    factories.MarketFactory(name="Old").delete()
    monkeypatch.setattr(timezone, "now", real)
    factories.MarketFactory(name="New").delete()
    assert list(Deletion.objects.values_list("kind", flat=True)) == ["agriprices.market"]
