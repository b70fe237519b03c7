"""Known answers of the seasonal price warnings (agriprices.warnings.indicators): pure functions,
no database."""

import math
from datetime import date

import pytest

from agriprices.warnings.bands import alps_band, badge, ipa_band
from agriprices.warnings.indicators import assess, month_number, month_of, normal_price

#: A seasonal pattern (som above or below the trend), January first.
SEASON = [5, 3, 0, -2, -4, -6, -8, -5, 0, 4, 6, 7]


def monthly(count: int, price, first: date = date(2021, 1, 1)) -> list[tuple[date, float]]:
    start = month_number(first)
    return [(month_of(start + i), price(i)) for i in range(count)]


def seasonal(i: int) -> float:
    return 100 + 0.5 * i + SEASON[i % 12]


def test_hand_computed_alps_of_a_three_year_series():
    # Residuals of +d, -2d, +d in the three years of every calendar month add up to zero
    # per month and are uncorrelated with the trend, so the fit is exactly the trend and
    # the season, the residuals are exactly those, and with 13 fitted terms:
    # σ = d·√(72/23), and the last month (residual +d) has ALPS √(23/72) = 0.565.
    d = 5
    series = monthly(36, lambda i: seasonal(i) + d * (1, -2, 1)[i // 12])
    last = assess(series)[-1]
    assert last.normal == pytest.approx(100 + 0.5 * 35 + SEASON[11])  # 124.5
    assert last.spread == pytest.approx(d * math.sqrt(72 / 23))
    assert last.alps == pytest.approx(math.sqrt(23 / 72))
    assert last.alps_band == "stress"
    assert last.short_of == ""


def test_bands_are_wfps_and_faos_thresholds():
    assert [alps_band(v) for v in (-3, 0.24, 0.25, 0.99, 1, 1.99, 2)] == [
        "normal",
        "normal",
        "stress",
        "stress",
        "alert",
        "alert",
        "crisis",
    ]
    assert [ipa_band(v) for v in (-1, -0.99, 0.49, 0.5, 1)] == [
        "low",
        "normal",
        "normal",
        "watch",
        "alert",
    ]


def test_a_seasonal_series_without_a_spike_is_normal_every_month():
    judged = [a for a in assess(monthly(60, seasonal)) if not a.short_of]
    assert len(judged) == 25
    assert {a.alps_band for a in judged} == {"normal"}
    assert {a.ipa_band for a in judged if a.ipa is not None} == {"normal"}
    assert {a.season for a in judged} == {""}


@pytest.mark.parametrize("noise", [0.0, 0.03])
def test_a_spike_of_forty_percent_in_the_last_month_is_alert_or_crisis(noise):
    wobble = [math.sin(i * 2.3) * noise for i in range(48)]  # repeatable ±3 %
    series = monthly(48, lambda i: seasonal(i) * (1 + wobble[i]) * (1.4 if i == 47 else 1))
    last = assess(series)[-1]
    assert last.alps_band in ("alert", "crisis")
    assert last.ipa_band == "alert"
    assert last.season == "high"


def test_a_crash_is_reported_low_for_the_season():
    series = monthly(48, lambda i: seasonal(i) * (0.6 if i == 47 else 1))
    last = assess(series)[-1]
    assert last.alps < -1
    assert last.alps_band == "normal"  # WFP's bands are for spikes
    assert last.ipa_band == "low"
    assert last.season == "low"


def test_two_years_are_not_enough_history_never_a_silent_normal():
    for month in assess(monthly(24, seasonal)):
        assert month.alps is None and month.alps_band == "" and month.normal is None
    assert assess(monthly(24, seasonal))[-1].short_of == "24 months of history, 36 needed"


def test_a_sparse_series_is_not_enough_history():
    # 40 months from first to last, 21 of them priced.
    series = [item for i, item in enumerate(monthly(40, seasonal)) if i % 2 == 0 or i == 39]
    last = assess(series)[-1]
    assert last.short_of == "52% of months have a price, 70% needed"
    assert last.alps_band == ""


def test_a_month_is_judged_by_what_was_known_then():
    series = monthly(48, seasonal)
    before = assess(series)
    after = assess([*series, (month_of(month_number(series[-1][0]) + 1), 500)])
    assert after[:-1] == before


def test_since_judges_only_the_months_from_it():
    series = monthly(48, seasonal)
    assert [a.month for a in assess(series, since=date(2024, 11, 1))] == [
        date(2024, 11, 1),
        date(2024, 12, 1),
    ]


def test_a_very_steady_series_needs_a_real_move_to_alarm():
    # Flat at 100 but for a 3 % rise: a σ of rounding alone would call it a crisis.
    series = monthly(48, lambda i: 100.0 + (0.01 if i % 2 else 0) + (3 if i == 47 else 0))
    last = assess(series)[-1]
    assert last.spread == pytest.approx(0.05 * last.normal)
    assert last.alps_band == "stress"


def test_a_table_shows_one_band_for_a_month():
    assert badge("crisis", 3.0, 2.0) == "crisis"
    assert badge("stress", 0.5, None) == "stress"
    assert badge("normal", -1.4, 0.2) == "low"  # ALPS decides when it exists
    assert badge("", None, -1.2) == "low"  # else IPA
    assert badge("normal", 0.1, -3.0) == ""


def _month(first: date, n: int) -> date:
    number = first.year * 12 + first.month - 1 + n
    return date(number // 12, number % 12 + 1, 1)


def test_a_month_never_seen_in_earlier_years_is_not_judged():
    # Four years without a September: a September price would be fitted exactly by its
    # own calendar term, so a tenfold slip would be "normal". It is not judged instead.
    first = date(2022, 10, 1)
    months = [(_month(first, n), seasonal(n)) for n in range(48) if _month(first, n).month != 9]
    slipped = [*months, (date(2026, 9, 1), 10 * seasonal(47))]
    last = assess(slipped)[-1]
    assert last.month == date(2026, 9, 1)
    assert (last.alps_band, last.short_of) == ("", "no September in earlier years")
    assert normal_price(months, date(2026, 9, 1)) is None


@pytest.mark.parametrize("months_before", [2, 5, 12, 13, 40, 1200])
def test_one_stray_price_before_a_series_never_makes_it_short_of_history(months_before):
    # 30 of 40 months priced (75 %): judged. One more price earlier (a typo of the year,
    # or an old survey) must not make it "not enough history".
    first = date(2023, 8, 1)
    months = [(_month(first, n), 100.0 + n) for n in range(40) if n % 4 != 1]
    assert assess(months)[-1].short_of == ""
    stray = (_month(first, -months_before), 100.0)
    assert assess([stray, *months])[-1].short_of == ""
