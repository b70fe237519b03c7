"""Server-drawn charts: readable axes, escaped labels, lines told apart without colour."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from telecentre import charts


def weeks(values):
    start = date(2026, 1, 5)
    return [(start + timedelta(weeks=n), Decimal(v)) for n, v in enumerate(values)]


@given(st.floats(0.01, 1e6), st.floats(0.01, 1e6))
def test_price_ticks_stay_inside_the_plotted_range(a, b):
    low, high = min(a, b), max(a, b)
    ticks = charts._ticks(low, high)
    assert ticks and all(low - 1e-9 <= t <= high + 1e-9 for t in ticks) or high == low


def test_labels_are_escaped_and_every_line_has_its_own_dash_and_marker():
    lines = [
        charts.Line(label=f"<script>alert({n})</script>", points=weeks([10 + n, 11, 12]))
        for n in range(3)
    ]
    svg = charts.trend_chart(lines, [], title='Potatoes "all"', unit_label="/kg")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    dashes = {charts.DASHES[n] for n in range(3)}
    assert len(dashes) == 3
    for n in range(1, 3):
        assert f'stroke-dasharray="{charts.DASHES[n]}"' in svg
    # The legend is a list under the chart (it wraps on a small screen), one item a line.
    assert svg.count('<ul class="legend">') == 1 and svg.count("<li>") == 3
    assert svg.count("<text") >= 3  # the axes


def test_a_sparkline_needs_two_points():
    assert charts.sparkline([Decimal(5)], label="x") == ""
    assert "<polyline" in charts.sparkline([Decimal(5), Decimal(7)], label="x")


def test_every_market_in_alert_or_crisis_is_charted_however_many():
    """A national spike puts seven markets in a band: all seven are drawn (the six
    cheapest-first lines would leave one out), and each line differs from every other
    in dash or marker, so the legend tells them apart without colour."""
    from types import SimpleNamespace

    from telecentre import charts, trends

    rows = [SimpleNamespace(market=n, warning_band="crisis", warning_alps=3.0) for n in range(6)]
    rows.append(SimpleNamespace(market=6, warning_band="alert", warning_alps=1.2))
    rows += [SimpleNamespace(market=n, warning_band="", warning_alps=None) for n in range(7, 10)]
    drawn = trends.charted(rows)
    assert [row.market for row in drawn] == list(range(7))
    styles = {charts._style(n)[1:] for n in range(36)}
    assert len(styles) == 36
