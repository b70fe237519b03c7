"""What the commodity page charts: which markets (those in alert or crisis always), their
weekly medians together, and each market in a warning band against its own normal price,
so no market is ever read against another's bands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from agriprices.labels import unit_name
from agriprices.models import Commodity, LatestPrice, Market, PriceType
from agriprices.periods import period_start
from agriprices.selectors.series import price_series
from agriprices.warnings import bands
from agriprices.warnings.queries import warning_history
from telecentre import charts

#: Lines a chart draws when few markets are in alert or crisis; all of those are drawn,
#: however many.
LINES = 6
#: Markets in a band that get a small chart of their own; the others in a band are named
#: under them (the warnings page has each one's normal price).
SMALL_CHARTS = 6


def charted(prices: Sequence[LatestPrice]) -> list[LatestPrice]:
    """The markets a commodity's chart draws, from its latest prices (annotated by
    ``with_warnings``, cheapest first): every market in alert or crisis, worst first
    (the ones a reader most needs to see), then the cheapest, up to LINES lines."""
    rank = {name: n for n, name in enumerate(bands.ALARMING)}  # worst first
    alarming = sorted(
        (row for row in prices if _band(row) in rank),
        key=lambda row: (rank[_band(row)], -(getattr(row, "warning_alps", None) or 0)),
    )
    rest = [row for row in prices if _band(row) not in rank]
    return [*alarming, *rest][: max(LINES, len(alarming))]


def _band(row: LatestPrice) -> str:
    """The ALPS band ``with_warnings`` annotated a latest price with ("" for none)."""
    return getattr(row, "warning_band", None) or ""


def _charted_band_label(row: LatestPrice) -> str:
    """The name of a latest price's band when that band gets the market its own chart
    against its normal price (a band with a zone on it), else ""."""
    found = bands.band(_band(row))
    return str(found.label) if found is not None and found.chart_fill else ""


@dataclass(frozen=True)
class CommodityCharts:
    trend: str  # every charted market's weekly median
    #: One small chart per charted market in stress, alert or crisis (the worst
    #: SMALL_CHARTS): its own line against its own normal price and bands, with its caption.
    against_normal: list[tuple[str, str]]
    #: Markets in a band beyond those: named, so none goes unsaid.
    also_in_a_band: list[str]


def commodity_charts(
    *,
    commodity: Commodity,
    prices: Sequence[LatestPrice],
    months: int,
    title: str,
    language: str,
    price_type: str = PriceType.RETAIL,
    today: date | None = None,
) -> CommodityCharts:
    """The commodity page's charts: the weekly medians of the ``charted`` markets with
    the band from their lowest to their highest price; then, for each of them in stress,
    alert or crisis, a small chart of that market alone against its normal price, so no
    market is read against another's bands."""
    today = today or timezone.localdate()
    start = today - timedelta(days=months * 30)
    rows = charted(prices)
    series = price_series(
        commodity=commodity,
        markets=[row.market for row in rows],
        start=start,
        end=today,
        price_type=price_type,
    )
    lines = [
        charts.Line(
            label=row.market.display_name(language),
            points=[(s.period_start, s.median) for s in series.get(row.market_id, [])],
            style=n,
            note=_charted_band_label(row),
        )
        for n, row in enumerate(rows)
    ]
    band: dict[date, tuple] = {}
    for summaries in series.values():
        for s in summaries:
            low, high = band.get(s.period_start, (s.low, s.high))
            band[s.period_start] = (min(low, s.low), max(high, s.high))
    unit_label = f"/{unit_name(commodity.base_unit.code)}"
    trend = charts.trend_chart(
        lines,
        [(day, low, high) for day, (low, high) in sorted(band.items())],
        title=title,
        unit_label=unit_label,
    )
    against_normal: list[tuple[str, str]] = []
    also: list[str] = []
    for row, line in zip(rows, lines, strict=True):
        if not _charted_band_label(row) or not line.points:
            continue
        if len(against_normal) == SMALL_CHARTS:
            also.append(f"{row.market.display_name(language)} ({line.note})")
            continue
        seasonal = _seasonal(commodity, row.market, start, price_type)
        if seasonal is None:
            continue
        caption = _("%(market)s against its normal price") % {
            "market": row.market.display_name(language)
        }
        chart = charts.trend_chart(
            [line], [], title=caption, unit_label=unit_label, seasonal=seasonal, height=160
        )
        against_normal.append((caption, str(chart)))
    return CommodityCharts(str(trend), against_normal, also)


def _seasonal(
    commodity: Commodity, market: Market, start: date, price_type: str
) -> charts.Seasonal | None:
    """The normal price of one market over the chart's months, where ALPS has it."""
    months = [
        (w.month + timedelta(days=14), w.normal_price, w.spread)
        for w in warning_history(
            commodity=commodity,
            market=market,
            start=period_start(start, "month"),
            price_type=price_type,
        )
        if w.normal_price is not None and w.spread is not None
    ]
    if not months:
        return None
    label = _("Normal price for the season (dashed); stress, alert and crisis above it")
    return charts.Seasonal(label, months)
