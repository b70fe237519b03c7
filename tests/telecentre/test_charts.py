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
