from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agriprices.validation import (
    MIN_SAMPLES,
    Observation,
    RecentPrices,
    assess_outlier,
    date_error,
    price_error,
    price_per_base_unit,
)

D = Decimal
prices = st.decimals(min_value=D("0.5"), max_value=D("5000"), places=2)


@pytest.mark.parametrize(
    ("value", "recent", "flagged"),
    [
        (D("18.5"), [D("18"), D("18.5"), D("19"), D("18")], False),
        (D("185"), [D("18"), D("18.5"), D("19"), D("18")], True),  # slipped decimal point
        (D("1.85"), [D("18"), D("18.5"), D("19"), D("18")], True),
        (D("24"), [D("18"), D("18"), D("18"), D("18")], False),  # flat series, +33 %: in season
        (D("28"), [D("18"), D("18"), D("18"), D("18")], True),  # +56 % against a flat series
        (D("500"), [D("18"), D("19"), D("20")], False),  # too few prices to judge
        (D("40"), [D("10"), D("20"), D("30"), D("40"), D("50")], False),  # wide spread
    ],
)
def test_outlier_rule_table(value, recent, flagged):
    assert (assess_outlier(value, recent) is not None) is flagged


def test_outlier_reason_names_ratio_median_and_market():
    verdict = assess_outlier(D("55.5"), [D("18"), D("18.5"), D("19"), D("18")])
    assert verdict.reason("Osh") == "3.0× the recent median at Osh (median 18.25 of 4 prices)"


@given(recent=st.lists(prices, min_size=MIN_SAMPLES, max_size=20))
def test_the_median_itself_is_never_an_outlier(recent):
    ordered = sorted(recent)
    median = ordered[len(ordered) // 2]
    verdict = assess_outlier(median, recent)
    # With an even count the middle value can differ from the median, never by much.
    assert verdict is None or verdict.ratio != 1


@given(
    recent=st.lists(prices, min_size=MIN_SAMPLES, max_size=20),
    value=prices,
    scale=st.sampled_from([D("0.01"), D("10"), D("1000")]),
)
def test_verdict_does_not_depend_on_currency_scale(recent, value, scale):
    """A redenomination or a unit change scales every price: the verdict must not move."""
    before = assess_outlier(value, recent) is not None
    after = assess_outlier(value * scale, [x * scale for x in recent]) is not None
    assert before is after


@given(
    recent=st.lists(
        st.decimals(min_value=D(10), max_value=D(12), places=2), min_size=4, max_size=30
    )
)
def test_a_tenfold_slip_is_always_flagged_in_a_steady_series(recent):
    median_ish = sorted(recent)[len(recent) // 2]
    assert assess_outlier(median_ish * 10, recent) is not None
    assert assess_outlier(median_ish / 10, recent) is not None


@given(
    recent=st.lists(prices, min_size=MIN_SAMPLES, max_size=20),
    factor=st.sampled_from([D("0.01"), D("0.1"), D("0.3"), D("3"), D("10"), D("100")]),
)
def test_farther_is_never_less_suspicious(recent, factor):
    """Moving a flagged price further from the median never turns the flag off."""
    value = sorted(recent)[len(recent) // 2] * factor
    verdict = assess_outlier(value, recent)
    if verdict is not None:
        farther = value * 2 if value > verdict.median else value / 2
        assert assess_outlier(farther, recent) is not None


def _obs(day: date, market: int, value: str) -> Observation:
    return Observation(day, market, D(value))


def test_reference_uses_only_the_same_market_when_it_has_enough_prices():
    day = date(2026, 5, 1)
    history = RecentPrices(
        [_obs(day - timedelta(days=i), 1, "18") for i in range(1, 6)]
        + [_obs(day - timedelta(days=i), 2, "99") for i in range(1, 6)]
    )
    values, scope = history.reference(market_id=1, observed_on=day)
    assert scope == "market" and set(values) == {D("18")}


def test_reference_falls_back_to_all_markets_of_the_last_four_weeks():
    day = date(2026, 5, 1)
    history = RecentPrices(
        [_obs(day - timedelta(days=i), 2, "20") for i in range(1, 5)]
        + [_obs(day - timedelta(days=40), 2, "500")]  # too old for the fallback
    )
    values, scope = history.reference(market_id=1, observed_on=day)
    assert scope == "all markets" and values == [D("20")] * 4


def test_reference_ignores_prices_observed_later_than_the_new_one():
    day = date(2026, 5, 1)
    history = RecentPrices([_obs(day + timedelta(days=i), 1, "18") for i in range(1, 6)])
    assert history.reference(market_id=1, observed_on=day) == ([], "all markets")


def test_reference_keeps_order_when_prices_arrive_out_of_order():
    day = date(2026, 5, 1)
    history = RecentPrices()
    for offset in (3, 1, 5, 2, 4, 400):
        history.add(_obs(day - timedelta(days=offset), 1, str(offset)))
    values, _ = history.reference(market_id=1, observed_on=day)
    assert values == [D("5"), D("4"), D("3"), D("2"), D("1")]


@pytest.mark.parametrize(
    ("price", "error"),
    [
        (D("18.5"), None),
        (D("0.0001"), None),
        (D("18.50000"), None),
        (D("0"), "price must be greater than zero"),
        (D("-3"), "price must be greater than zero"),
        (D("NaN"), "price is not a number"),
        (D("Infinity"), "price is not a number"),
        (D("1.00001"), "price 1.00001 has more than 4 decimal places"),
        (D("999999999999.999"), None),  # the largest every database keeps exactly
        # SQLite keeps 15 significant digits: a 16th would be rounded away there.
        (D("123456789012.3456"), "price 123456789012.3456 has more than 15 significant digits"),
        (
            D("1000000000000"),
            "price 1000000000000 is too large (at most 12 digits before the point)",
        ),
        (D("1e13"), "price 10000000000000 is too large (at most 12 digits before the point)"),
        # More digits than Python's own 28: still read exactly, never rounded first.
        (
            D("1.00000000000000000000000000001"),
            "price 1.000000000000000000… has more than 4 decimal places",
        ),
        (
            D("999999999999.99999999999999999999"),
            "price 999999999999.9999999… has more than 4 decimal places",
        ),
        (D("1" * 400), f"price {'1' * 20}… is too large (at most 12 digits before the point)"),
    ],
)
def test_price_rule(price, error):
    assert price_error(price) == error


def test_date_rule():
    today = date(2026, 11, 22)
    assert date_error(today, today) is None
    assert date_error(date(1900, 1, 1), today) is None
    assert date_error(today + timedelta(days=1), today) == "date 2026-11-23 is in the future"
    assert date_error(date(1, 1, 1), today) == "date 0001-01-01 is before 1900"


@given(price=prices, quantity=st.integers(min_value=1, max_value=100))
def test_price_per_base_unit_of_a_bag_is_the_price_per_kg(price, quantity):
    # A bag of N kg at N times the kg price costs the same per kg.
    assert price_per_base_unit(price * quantity, D(quantity), D(1)) == price.quantize(D("0.000001"))


def test_a_monthly_series_is_judged_against_its_year():
    day = date(2026, 5, 15)
    history = RecentPrices([_obs(day - timedelta(days=30 * n), 1, "30") for n in range(1, 13)])
    values, scope = history.reference(market_id=1, observed_on=day)
    assert scope == "market" and len(values) == 12
    assert history.assess(D("90"), market_id=1, observed_on=day) is not None


def test_a_market_held_for_three_months_is_not_judged_by_last_year():
    # Its last approved prices are four months old: a real move nobody confirmed yet
    # must not keep it flagged all year.
    day = date(2026, 5, 15)
    history = RecentPrices([_obs(day - timedelta(days=120 + 7 * n), 1, "30") for n in range(12)])
    _values, scope = history.reference(market_id=1, observed_on=day)
    assert scope == "all markets"
    assert history.assess(D("90"), market_id=1, observed_on=day) is None
