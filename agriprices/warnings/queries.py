"""Every read of the price warnings: a series' current warning, the warnings of a month
or of today, a series' history, and latest prices with their warnings beside them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from agriprices.models import Commodity, LatestPrice, Market, PriceType, Region
from agriprices.warnings import indicators
from agriprices.warnings.bands import BANDS
from agriprices.warnings.models import PriceWarning, WarningRun


def warning_of(latest: LatestPrice) -> PriceWarning | None:
    """The current warning of a latest price's series: its newest judged month while it
    is recent, as the warnings page shows it (``price_warnings``). The month under way
    is judged only once it has a few prices, so for its first days the newest judged
    month is the one before. None for a series whose latest price is more than two
    months old (FAO FPMA's rule). One query, none for such a series."""
    if latest.observed_on < indicators.current_since(timezone.localdate()):
        return None
    return (
        PriceWarning.objects.filter(
            commodity_id=latest.commodity_id,
            market_id=latest.market_id,
            price_type=latest.price_type,
            month__gte=recent_month(),
            month__lte=latest.observed_on.replace(day=1),
        )
        .order_by("-month")
        .first()
    )


def recent_month(today: date | None = None) -> date:
    """The oldest month whose warning still speaks of today (WFP: a price within the
    last six months)."""
    month = indicators.month_number(today or timezone.localdate())
    return indicators.month_of(month - indicators.RECENT_MONTHS + 1)


def price_warnings(
    *,
    commodity: Commodity | None = None,
    markets: Sequence[Market] | None = None,
    region: Region | None = None,
    bands: Sequence[str] = (),
    ipa_bands: Sequence[str] = (),
    month: date | None = None,
    price_type: str = PriceType.RETAIL,
    today: date | None = None,
) -> QuerySet[PriceWarning]:
    """Warnings of one month (``month``), or each series' newest month when it is
    recent (``recent_month``) and its latest price is at most two months old (FAO
    FPMA's rule), worst ALPS band first, then by region, crop and market. One query."""
    rows = PriceWarning.objects.select_related(
        "commodity", "commodity__base_unit", "market", "market__region"
    ).filter(price_type=price_type)
    if month is not None:
        rows = rows.filter(month=month.replace(day=1))
    else:
        later = PriceWarning.objects.filter(
            commodity_id=OuterRef("commodity_id"),
            market_id=OuterRef("market_id"),
            price_type=OuterRef("price_type"),
            month__gt=OuterRef("month"),
        )
        rows = rows.filter(Exists(current_series(today)), month__gte=recent_month(today)).exclude(
            Exists(later)
        )
    if commodity is not None:
        rows = rows.filter(commodity=commodity)
    if markets:
        rows = rows.filter(market__in=markets)
    if region is not None:
        rows = rows.filter(market__region=region)
    if bands:
        rows = rows.filter(alps_band__in=bands)
    if ipa_bands:
        rows = rows.filter(ipa_band__in=ipa_bands)
    # Worst first, in the band table's order; a month without ALPS after every band.
    severity = Case(
        *[When(alps_band=band.name, then=Value(rank)) for rank, band in enumerate(BANDS)],
        default=Value(len(BANDS)),
        output_field=IntegerField(),
    )
    return rows.annotate(severity=severity).order_by(
        "severity", "market__region__name", "commodity__name", "market__name", "-month"
    )


def current_series(today: date | None = None) -> QuerySet[LatestPrice]:
    """The latest price of the outer warning's series, when it is recent enough for the
    warning to speak (FAO FPMA: at most two months old); for ``Exists``."""
    return LatestPrice.objects.filter(
        commodity_id=OuterRef("commodity_id"),
        market_id=OuterRef("market_id"),
        price_type=OuterRef("price_type"),
        observed_on__gte=indicators.current_since(today or timezone.localdate()),
    )


def with_warnings(rows: QuerySet[LatestPrice]) -> QuerySet[LatestPrice]:
    """Latest prices annotated with their series' current warning (its newest recent
    month, see ``price_warnings``): ``warning_band`` (ALPS), ``warning_alps`` and
    ``warning_ipa``, None when there is none or the latest price is more than two
    months old (FAO FPMA). Still one query."""
    current = PriceWarning.objects.filter(
        commodity_id=OuterRef("commodity_id"),
        market_id=OuterRef("market_id"),
        price_type=OuterRef("price_type"),
        month__gte=recent_month(),
    ).order_by("-month")
    since = indicators.current_since(timezone.localdate())

    def if_current(field: str) -> Case:
        return Case(
            When(observed_on__gte=since, then=Subquery(current.values(field)[:1])),
            default=None,
        )

    return rows.annotate(
        warning_band=if_current("alps_band"),
        warning_alps=if_current("alps"),
        warning_ipa=if_current("ipa"),
    )


def warning_table(
    *,
    commodity: Commodity | None = None,
    market: Market | None = None,
    price_type: str = PriceType.RETAIL,
) -> QuerySet[PriceWarning]:
    """Every month of the warnings of a commodity's or a market's series, by series then
    month. One query."""
    rows = PriceWarning.objects.select_related("commodity", "market").filter(price_type=price_type)
    if commodity is not None:
        rows = rows.filter(commodity=commodity)
    if market is not None:
        rows = rows.filter(market=market)
    return rows.order_by("commodity__name", "market__name", "month")


def warning_history(
    *, commodity: Commodity, market: Market, start: date, price_type: str = PriceType.RETAIL
) -> list[PriceWarning]:
    """One series' warnings from ``start`` on, oldest first: the normal price and its
    bands on a chart. One query."""
    return list(
        PriceWarning.objects.filter(
            commodity=commodity, market=market, price_type=price_type, month__gte=start
        ).order_by("month")
    )


def last_run() -> WarningRun | None:
    """The last warnings run that finished: when the warnings shown were computed."""
    return WarningRun.objects.filter(finished_at__isnull=False).first()
