"""Importing price files: every row of a file (``PriceRow``s from readers.py) is checked
like any other price, then the whole file is stored or none of it (``--partial``: the
good rows). Markets, commodities and units a file names are created as it goes, and its
outside codes (WFP's market_id, commodity_id) become aliases, so the next file finds
the same things by code even when it spells them otherwise.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agriprices.importers.catalogue import Catalogue
from agriprices.importers.checks import CheckedRow, RowRejected, check_row
from agriprices.importers.rows import PriceRow, RowError
from agriprices.models import (
    Commodity,
    CommodityAlias,
    Market,
    MarketAlias,
    Quote,
    QuoteEvent,
    Unit,
)
from agriprices.selectors.quotes import approved_observations, quotes_by_external_id
from agriprices.services.recording import restates
from agriprices.services.series import refresh_series
from agriprices.units import base_unit_spec
from agriprices.validation import (
    LOOKBACK,
    OTHER_CURRENCY,
    Observation,
    RecentPrices,
    currency_hold,
    per_base_unit_error,
    price_per_base_unit,
)

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    rows_read: int = 0
    created: int = 0
    unchanged: int = 0
    flagged: int = 0
    #: Why the flagged prices are held for review, with how many each.
    held: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    stored: bool = False

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        if self.dry_run:
            outcome = "dry run: nothing stored"
        elif self.stored:
            outcome = "stored"
        else:
            outcome = "nothing stored (fix the rows above, or import with --partial)"
        held = ""
        if self.flagged and self.held:
            reasons = ", ".join(f"{n} {why}" for why, n in self.held.most_common())
            held = f" (held for review: {reasons})"
        return (
            f"rows read {self.rows_read}, created {self.created}, unchanged {self.unchanged}, "
            f"flagged {self.flagged}{held}, rejected {self.rejected} — {outcome}"
        )


def import_price_rows(
    rows: Iterable[PriceRow],
    *,
    dry_run: bool = False,
    all_or_nothing: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import rows read from a price file; return what happened to them.

    Idempotent: each row has a stable external id (the file's own, or one made of the
    series and day), so re-importing a file leaves everything unchanged. By default any
    bad row means nothing is stored; with ``all_or_nothing=False`` the good rows are.
    Every bad row is reported with its line number and why.
    """
    report = ImportReport(dry_run=dry_run)
    today = timezone.localdate()
    checked: list[CheckedRow] = []
    for row in rows:
        report.rows_read += 1
        try:
            checked.append(check_row(row, today))
        except RowRejected as exc:
            report.errors.append(RowError(row.line, str(exc)))
    # Judge each price against those observed before it, whatever the file's order.
    checked.sort(key=lambda c: (c.observed_on, c.row.line))

    with transaction.atomic():
        _store_checked_rows(checked, report, progress)
        report.errors.sort(key=lambda e: e.line)
        report.stored = not dry_run and (not report.errors or not all_or_nothing)
        if not report.stored:
            transaction.set_rollback(True)
    if not report.stored and not dry_run:
        # A dry run reports what would be created; a refused import created nothing.
        report.created = report.flagged = 0
        report.held.clear()
    return report


def _store_checked_rows(
    checked: list[CheckedRow],
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    catalogue = Catalogue()
    prepared: list[tuple[CheckedRow, Market, Commodity, Unit, Decimal, str]] = []
    seen: dict[str, int] = {}
    for done, item in enumerate(checked, 1):
        if progress and done % 1000 == 0:
            progress(done)
        row = item.row
        try:
            resolved = _resolve(catalogue, item)
        except RowRejected as exc:
            report.errors.append(RowError(row.line, str(exc)))
            continue
        market, commodity, unit, per_base = resolved
        external_id = row.external_id or ":".join(
            [
                row.code_namespace or "file",
                str(market.pk),
                str(commodity.pk),
                unit.code,
                item.price_type,
                item.currency,
                item.price_flag.lower() or "-",
                item.observed_on.isoformat(),
            ]
        )
        if external_id in seen:
            report.errors.append(
                RowError(
                    row.line,
                    f"repeats line {seen[external_id]} (same market, "
                    "commodity, unit, price type and day)",
                )
            )
            continue
        seen[external_id] = row.line
        prepared.append((item, market, commodity, unit, per_base, external_id))

    stored = quotes_by_external_id([p[5] for p in prepared])
    histories: dict[tuple[int, str, str], RecentPrices] = {}
    new_quotes: list[Quote] = []
    touched: dict[tuple[int, int, str], tuple[date, date]] = {}
    threshold = settings.AGRIPRICES_OUTLIER_THRESHOLD
    if not prepared:
        return
    first_day = min(p[0].observed_on for p in prepared)
    last_day = max(p[0].observed_on for p in prepared)
    for item, market, commodity, unit, per_base, external_id in prepared:
        existing = stored.get(external_id)
        if existing is not None:
            same = restates(
                existing,
                agent_id=None,
                commodity_id=commodity.pk,
                market_id=market.pk,
                unit_id=unit.pk,
                price=item.price,
                currency=item.currency,
                price_type=item.price_type,
                observed_on=item.observed_on,
            )
            if same:
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(
                        item.row.line,
                        f"external id {external_id} is stored as quote {existing.pk} with "
                        f"price {existing.price.normalize():f} {existing.currency} "
                        f"({existing.price_type}) on {existing.observed_on}; "
                        "a changed price is corrected by an operator, not re-imported",
                    )
                )
            continue
        held = currency_hold(item.currency, settings.AGRIPRICES_CURRENCY)
        if held:
            report.flagged += 1
            report.held[OTHER_CURRENCY] += 1
            new_quotes.append(_quote(item, market, commodity, unit, external_id, per_base, held))
            continue
        key = (commodity.pk, item.price_type, item.currency)
        if key not in histories:
            histories[key] = RecentPrices(
                approved_observations(
                    commodity_id=commodity.pk,
                    price_type=item.price_type,
                    currency=item.currency,
                    start=first_day - LOOKBACK,
                    end=last_day,
                )
            )
        verdict = histories[key].assess(
            per_base, market_id=market.pk, observed_on=item.observed_on, threshold=threshold
        )
        reason = ""
        if verdict is None:
            histories[key].add(Observation(item.observed_on, market.pk, per_base))
            series = (commodity.pk, market.pk, item.price_type)
            first, last = touched.get(series, (item.observed_on, item.observed_on))
            touched[series] = (min(first, item.observed_on), max(last, item.observed_on))
        else:
            reason = verdict.reason(market.name)
            report.flagged += 1
            report.held[verdict.kind] += 1
        new_quotes.append(_quote(item, market, commodity, unit, external_id, per_base, reason))
    created = Quote.objects.bulk_create(new_quotes, batch_size=1000)
    QuoteEvent.objects.bulk_create(
        [
            QuoteEvent(quote=q, to_status=q.status, reason=q.status_reason or "imported")
            for q in created
        ],
        batch_size=1000,
    )
    report.created = len(created)
    if created and created[-1].pk is not None:
        # Stamped as they were stored, seconds before this transaction commits: a price
        # committed meanwhile with a later stamp could have answers cached under it
        # (prices_last_modified), which these would never replace. Stamped again as
        # they commit, the import is the last change.
        newest = created[-1].pk
        transaction.on_commit(
            lambda: Quote.objects.filter(pk=newest).update(updated_at=timezone.now())
        )
    for (commodity_id, market_id, price_type), (first, last) in touched.items():
        refresh_series(
            commodity_id=commodity_id,
            market_id=market_id,
            price_type=price_type,
            first_day=first,
            last_day=last,
        )


def _quote(
    item: CheckedRow,
    market: Market,
    commodity: Commodity,
    unit: Unit,
    external_id: str,
    per_base: Decimal,
    held_because: str,
) -> Quote:
    """The quote a checked row becomes: flagged when there is a reason to hold it."""
    return Quote(
        commodity=commodity,
        market=market,
        unit=unit,
        price=item.price,
        currency=item.currency,
        price_type=item.price_type,
        price_per_base_unit=per_base,
        observed_on=item.observed_on,
        source=Quote.Source.IMPORT,
        status=Quote.Status.FLAGGED if held_because else Quote.Status.APPROVED,
        status_reason=held_because,
        external_id=external_id,
        usd_price=item.usd_price,
        price_flag=item.price_flag,
    )


def _resolve(catalogue: Catalogue, item: CheckedRow) -> tuple[Market, Commodity, Unit, Decimal]:
    """What the row names, found or created, and its price per base unit."""
    row = item.row
    market = catalogue.market(row)
    commodity = catalogue.commodity(row)
    unit = catalogue.known_unit(item.unit_spec)
    dimension = unit.dimension if unit else item.unit_spec.dimension
    if commodity is not None and commodity.base_unit.dimension != dimension:
        raise RowRejected(
            f"unit {row.unit!r} cannot be converted to {commodity.base_unit.code}, "
            f"the unit {commodity.name} is compared in"
        )
    if market is None and not row.region:
        raise RowRejected(f"market {row.market!r} is unknown and the row names no region")
    base = commodity.base_unit if commodity is not None else base_unit_spec(item.unit_spec)
    unit_quantity = unit.base_quantity if unit else item.unit_spec.base_quantity
    per_base = price_per_base_unit(item.price, unit_quantity, base.base_quantity)
    message = per_base_unit_error(per_base, base.code, f"price {item.price} per {row.unit!r}")
    if message:
        raise RowRejected(message)
    # Every check passed: only now may the row create what it names.
    unit = unit or catalogue.unit(item.unit_spec)
    if market is None:
        market = catalogue.create_market(item)
    if commodity is None:
        commodity = catalogue.create_commodity(item)
    namespace = row.code_namespace
    catalogue.learn_aliases(
        MarketAlias,
        "market",
        market,
        row.market,
        f"{namespace}:{row.market_code}" if row.market_code else "",
    )
    catalogue.learn_aliases(
        CommodityAlias,
        "commodity",
        commodity,
        row.commodity,
        f"{namespace}:{row.commodity_code}" if row.commodity_code else "",
    )
    return market, commodity, unit, per_base
