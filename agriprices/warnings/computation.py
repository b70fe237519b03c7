"""Computing the price warnings of every series from its monthly medians, writing only
the month rows that changed, and telling the apps built on prices when a series rises
into an alarming band (``signals.price_warning_raised``)."""

from __future__ import annotations

import itertools
import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from agriprices import signals
from agriprices.models import Commodity, LatestPrice, Market, PriceSummary, Quote
from agriprices.warnings import bands, indicators
from agriprices.warnings.models import PriceWarning, WarningRun

logger = logging.getLogger(__name__)

SeriesKey = tuple[int, int, str]  # commodity id, market id, price type
#: Prices the month under way needs before the warnings judge it.
MIN_PRICES_THIS_MONTH = 4
#: Series handled per transaction by a warnings run.
WARNING_BATCH = 500
_WARNING_FIELDS = (
    "price",
    "normal_price",
    "spread",
    "alps",
    "alps_band",
    "ipa",
    "ipa_band",
    "short_of",
)


def refresh_warnings(
    *,
    commodity: Commodity | None = None,
    market: Market | None = None,
    only_changed: bool = False,
    today: date | None = None,
) -> WarningRun:
    """Recompute the price warnings of every series (of one commodity, one market) from
    their monthly medians, writing only the month rows that changed. ``only_changed``:
    just the series with a quote changed since the last finished run started (the
    nightly run; every series when there was none). A series' newest month rising into
    alert or crisis sends ``price_warning_raised`` in the transaction that stores it."""
    run = WarningRun.objects.create(started_at=timezone.now())
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    # Alerts concern now: the month under way, or the one just over while this one has
    # few prices yet. Recomputing older history alerts nobody.
    alert_from = (this_month - timedelta(days=1)).replace(day=1)
    months = PriceSummary.objects.filter(period="month")
    warnings = PriceWarning.objects.all()
    if commodity is not None:
        months, warnings = months.filter(commodity=commodity), warnings.filter(commodity=commodity)
    if market is not None:
        months, warnings = months.filter(market=market), warnings.filter(market=market)
    wanted: set[SeriesKey] | None = None
    if only_changed:
        wanted = _series_changed_since_last_run(run)
        if wanted is not None:
            ids = {
                "commodity_id__in": {c for c, _, _ in wanted},
                "market_id__in": {m for _, m, _ in wanted},
            }
            months, warnings = months.filter(**ids), warnings.filter(**ids)
    # The month under way counts once it has a few prices: one early price is no
    # month's median, and would alarm on its own noise.
    months = months.exclude(period_start=this_month, count__lt=MIN_PRICES_THIS_MONTH)
    rows = (
        months.order_by("commodity_id", "market_id", "price_type", "period_start")
        .values_list("commodity_id", "market_id", "price_type", "period_start", "median")
        .iterator(chunk_size=20_000)
    )
    seen: set[SeriesKey] = set()
    batch: dict[SeriesKey, list[tuple[date, Decimal]]] = {}
    for key, series_rows in itertools.groupby(rows, key=lambda row: row[:3]):
        if wanted is not None and key not in wanted:
            continue
        seen.add(key)
        batch[key] = [(month, median) for *_, month, median in series_rows]
        if len(batch) >= WARNING_BATCH:
            run.changed += _write_warnings(batch, alert_from, today)
            batch = {}
    run.changed += _write_warnings(batch, alert_from, today)
    # Series left with no approved price keep no warnings.
    gone = set(warnings.values_list("commodity_id", "market_id", "price_type").distinct()) - seen
    if wanted is not None:
        gone &= wanted
    for commodity_id, market_id, price_type in gone:
        deleted, _ = PriceWarning.objects.filter(
            commodity_id=commodity_id, market_id=market_id, price_type=price_type
        ).delete()
        run.changed += deleted
    run.series = len(seen)
    run.finished_at = timezone.now()
    run.save(update_fields=["series", "changed", "finished_at"])
    logger.info("price warnings: %d series, %d month rows changed", run.series, run.changed)
    return run


def _series_changed_since_last_run(run: WarningRun) -> set[SeriesKey] | None:
    """The series with a quote changed since the last finished run started; None (all)
    when no run finished yet."""
    last = WarningRun.objects.filter(finished_at__isnull=False).exclude(pk=run.pk).first()
    if last is None:
        return None
    return set(
        Quote.objects.filter(updated_at__gte=last.started_at)
        .values_list("commodity_id", "market_id", "price_type")
        .distinct()
        .order_by()
    )


def _write_warnings(
    batch: dict[SeriesKey, list[tuple[date, Decimal]]], alert_from: date, today: date
) -> int:
    """Store the assessments of a batch of series; returns how many month rows changed."""
    if not batch:
        return 0
    stored: dict[tuple[SeriesKey, date], PriceWarning] = {}
    existing = PriceWarning.objects.filter(
        commodity_id__in={c for c, _, _ in batch}, market_id__in={m for _, m, _ in batch}
    )
    for warning in existing:
        key = (warning.commodity_id, warning.market_id, warning.price_type)
        if key in batch:
            stored[(key, warning.month)] = warning
    creates, updates, raised = [], [], []
    for key, months in batch.items():
        assessments = indicators.assess([(month, float(median)) for month, median in months])
        band_before = ""
        for assessment in assessments:
            fields = _warning_fields(assessment)
            old = stored.pop((key, assessment.month), None)
            band_before = old.alps_band if old else ""
            if old is None:
                commodity_id, market_id, price_type = key
                creates.append(
                    PriceWarning(
                        commodity_id=commodity_id,
                        market_id=market_id,
                        price_type=price_type,
                        month=assessment.month,
                        **fields,
                    )
                )
            elif any(getattr(old, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(old, name, value)
                updates.append(old)
        newest = assessments[-1] if assessments else None
        if (
            newest is not None
            and newest.month >= alert_from
            and newest.alps_band in bands.ALARMING
            and band_before not in bands.ALARMING
        ):
            raised.append((key, newest.month))
    if raised:
        # FAO FPMA: a series whose latest price is more than two months old warns nobody.
        since = indicators.current_since(today)
        current = set(
            LatestPrice.objects.filter(
                commodity_id__in={key[0] for key, _ in raised},
                market_id__in={key[1] for key, _ in raised},
                observed_on__gte=since,
            ).values_list("commodity_id", "market_id", "price_type")
        )
        raised = [(key, month) for key, month in raised if key in current]
    stale = [warning.pk for warning in stored.values()]  # months no longer in the series
    now = timezone.now()
    for warning in updates:
        warning.computed_at = now
    with transaction.atomic():
        PriceWarning.objects.bulk_create(creates, batch_size=1000)
        PriceWarning.objects.bulk_update(
            updates, [*_WARNING_FIELDS, "computed_at"], batch_size=1000
        )
        PriceWarning.objects.filter(pk__in=stale).delete()
        for (commodity_id, market_id, price_type), month in raised:
            signals.price_warning_raised.send(
                sender=PriceWarning,
                commodity_id=commodity_id,
                market_id=market_id,
                price_type=price_type,
                month=month,
            )
    return len(creates) + len(updates) + len(stale)


def _warning_fields(assessment: indicators.Assessment) -> dict[str, Any]:
    """A month's assessment as stored: rounded, so a recomputation that changes nothing
    compares equal and writes nothing."""

    def money(value: float | None) -> Decimal | None:
        return None if value is None else Decimal(f"{value:.4f}")

    def score(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "price": money(assessment.price),
        "normal_price": money(assessment.normal),
        "spread": money(assessment.spread),
        "alps": score(assessment.alps),
        "alps_band": assessment.alps_band,
        "ipa": score(assessment.ipa),
        "ipa_band": assessment.ipa_band,
        "short_of": assessment.short_of,
    }
