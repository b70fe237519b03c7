"""Every write to price data. Each public function is one transaction.

Web form, SMS, API and file import all arrive here, so every rule is checked in one
place: known unit, price > 0, not in the future, agent assigned to the market, no
duplicate, outlier against the recent median (flagged with a reason, never dropped).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from agriprices import selectors, signals
from agriprices.importers.rows import PriceRow, RowError
from agriprices.models import (
    AliasBase,
    Commodity,
    CommodityAlias,
    LatestPrice,
    Market,
    MarketAlias,
    PriceSummary,
    PriceType,
    Quote,
    QuoteEvent,
    Region,
    Unit,
)
from agriprices.names import make_slug, normalize_name
from agriprices.periods import PERIODS, period_end, period_start, summarize
from agriprices.spreadsheet import starts_like_a_formula
from agriprices.units import BASE_UNIT_CODES, UnitSpec, parse_unit_label
from agriprices.validation import (
    LOOKBACK,
    Observation,
    Outlier,
    RecentPrices,
    date_error,
    price_error,
    price_per_base_unit,
)

logger = logging.getLogger(__name__)

#: The reference prices a latest price is compared against: (not after, not before) days.
WEEK_REFERENCE = (7, 14)
MONTH_REFERENCE = (28, 62)


class QuoteError(Exception):
    """A price that cannot be recorded, or a review that cannot be made. Nothing was
    changed. ``field`` names the input at fault, for forms and API error bodies."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


# --- Recording a price -----------------------------------------------------------------


def record_quote(
    *,
    agent: AbstractBaseUser | None,
    commodity: Commodity,
    market: Market,
    unit: Unit,
    price: Decimal,
    observed_on: date,
    source: str,
    price_type: str = PriceType.RETAIL,
    currency: str | None = None,
    external_id: str | None = None,
) -> Quote:
    """Validate and store one observed price; return the stored quote.

    The quote is approved, or flagged for an operator when it is an outlier (its reason
    says against what). Raises ``QuoteError`` naming the field for anything else wrong;
    then nothing is stored.
    """
    if source not in Quote.Source.values:
        raise QuoteError(f"unknown source {source!r}", field="source")
    if price_type not in PriceType.values:
        raise QuoteError(f"unknown price type {price_type!r}", field="price_type")
    message = price_error(price)
    if message:
        raise QuoteError(message, field="price")
    message = date_error(observed_on, timezone.localdate())
    if message:
        raise QuoteError(message, field="observed_on")
    if not unit.converts_to(commodity.base_unit):
        raise QuoteError(
            f"{commodity.name} is priced by {commodity.base_unit.dimension}; "
            f"unit {unit.code} cannot be converted to {commodity.base_unit.code}",
            field="unit",
        )
    if agent is not None and not selectors.can_record_for(agent, market):
        raise QuoteError(
            f"you are not assigned to the market {market.name}", field="market", code="forbidden"
        )
    if agent is None and source != Quote.Source.IMPORT:
        raise QuoteError("a price needs the agent who saw it", field="agent")
    if agent is not None:
        existing = selectors.live_quote_of_agent(
            agent=agent,
            market=market,
            commodity=commodity,
            price_type=price_type,
            observed_on=observed_on,
        )
        if existing is not None:
            raise _duplicate_error(existing)

    currency = (currency or settings.AGRIPRICES_CURRENCY).upper()
    per_base = price_per_base_unit(price, unit.base_quantity, commodity.base_unit.base_quantity)
    verdict = outlier_verdict(
        commodity=commodity,
        market=market,
        per_base_unit=per_base,
        observed_on=observed_on,
        price_type=price_type,
        currency=currency,
    )
    status = Quote.Status.FLAGGED if verdict else Quote.Status.APPROVED
    reason = verdict.reason(market.name) if verdict else ""
    quote = Quote(
        commodity=commodity,
        market=market,
        unit=unit,
        price=price,
        currency=currency,
        price_type=price_type,
        price_per_base_unit=per_base,
        observed_on=observed_on,
        agent=agent,
        source=source,
        status=status,
        status_reason=reason,
    )
    if external_id:
        quote.external_id = external_id
    try:
        with transaction.atomic():
            quote.save()
            QuoteEvent.objects.create(quote=quote, to_status=status, actor=agent, reason=reason)
            if status == Quote.Status.APPROVED:
                refresh_series(
                    commodity_id=commodity.pk,
                    market_id=market.pk,
                    price_type=price_type,
                    first_day=observed_on,
                    last_day=observed_on,
                )
    except IntegrityError as exc:
        # Lost a race with the same agent's other submission, or a replayed external id.
        raise QuoteError(
            "this price was already recorded", field="observed_on", code="duplicate"
        ) from exc
    logger.info(
        "quote %s recorded: %s %s at %s, %s",
        quote.pk,
        commodity.slug,
        price,
        market.slug,
        status,
    )
    return quote


def outlier_verdict(
    *,
    commodity: Commodity,
    market: Market,
    per_base_unit: Decimal,
    observed_on: date,
    price_type: str = PriceType.RETAIL,
    currency: str | None = None,
) -> Outlier | None:
    """Whether a price per base unit would be flagged, and against what: the rule
    ``record_quote`` applies, for forms that warn before they submit."""
    history = RecentPrices(
        selectors.reference_observations(
            commodity_id=commodity.pk,
            market_id=market.pk,
            price_type=price_type,
            currency=(currency or settings.AGRIPRICES_CURRENCY).upper(),
            observed_on=observed_on,
        )
    )
    return history.assess(
        per_base_unit,
        market_id=market.pk,
        observed_on=observed_on,
        threshold=settings.AGRIPRICES_OUTLIER_THRESHOLD,
    )


def record_quote_once(*, external_id: str, **fields: object) -> tuple[Quote, bool]:
    """``record_quote`` for clients that retry: the same ``external_id`` with the same
    price returns the stored quote and False instead of an error. The id reused for a
    different price, or by another agent, is refused."""
    existing = selectors.quotes_by_external_id([external_id]).get(external_id)
    if existing is None:
        try:
            return record_quote(external_id=external_id, **fields), True
        except QuoteError as exc:
            # Two deliveries of one request racing: the other one stored it first.
            existing = selectors.quotes_by_external_id([external_id]).get(external_id)
            if existing is None:
                raise exc from None
    agent = fields.get("agent")
    same = restates(
        existing,
        agent_id=agent.pk if agent is not None else None,
        commodity_id=fields["commodity"].pk,
        market_id=fields["market"].pk,
        unit_id=fields["unit"].pk,
        price=fields["price"],
        currency=(fields.get("currency") or settings.AGRIPRICES_CURRENCY).upper(),
        price_type=fields.get("price_type") or PriceType.RETAIL,
        observed_on=fields["observed_on"],
    )
    if not same:
        raise QuoteError(
            f"external id {external_id} was already used for another price (quote {existing.pk})",
            field="external_id",
            code="conflict",
        )
    return existing, False


def restates(
    existing: Quote,
    *,
    agent_id: int | None,
    commodity_id: int,
    market_id: int,
    unit_id: int,
    price: Decimal,
    currency: str,
    price_type: str,
    observed_on: date,
) -> bool:
    """Whether a price sent again under ``existing``'s external id says what ``existing``
    says: the same agent, crop, market, unit, price, currency, price type and day. Such a
    retry (an API client's, a re-imported file's) changes nothing; anything else under
    that id is a conflict."""
    return (
        existing.agent_id == agent_id
        and existing.commodity_id == commodity_id
        and existing.market_id == market_id
        and existing.unit_id == unit_id
        and existing.price == price
        and existing.currency == currency
        and existing.price_type == price_type
        and existing.observed_on == observed_on
    )


def _duplicate_error(existing: Quote) -> QuoteError:
    return QuoteError(
        f"already recorded: {existing.price.normalize():f} {existing.currency}/"
        f"{existing.unit.code} on {existing.observed_on.isoformat()} (quote {existing.pk}); "
        "ask an operator to reject it before entering a correction",
        field="observed_on",
        code="duplicate",
    )


# --- Reviewing -------------------------------------------------------------------------

#: Which status a decision may start from. Approved prices may be retracted; a rejected
#: one may be reinstated when the rejection was the mistake.
_REVIEW_FROM = {
    Quote.Status.APPROVED: {Quote.Status.PENDING, Quote.Status.FLAGGED, Quote.Status.REJECTED},
    Quote.Status.REJECTED: {Quote.Status.PENDING, Quote.Status.FLAGGED, Quote.Status.APPROVED},
}


def review_quote(
    *, quote_id: int, reviewer: AbstractBaseUser, approve: bool, reason: str = ""
) -> Quote:
    """Approve or reject a quote as an operator; the change is kept as an event and the
    latest price follows in the same transaction. Rejecting needs a reason."""
    if not reviewer.has_perm("agriprices.review_quote"):
        raise QuoteError("only operators may review prices", code="forbidden")
    target = Quote.Status.APPROVED if approve else Quote.Status.REJECTED
    reason = reason.strip()
    if not approve and not reason:
        raise QuoteError("say why the price is rejected", field="reason")
    try:
        with transaction.atomic():
            try:
                quote = Quote.objects.select_for_update().get(pk=quote_id)
            except Quote.DoesNotExist:
                raise QuoteError(f"no quote {quote_id}", field="quote", code="not_found") from None
            if quote.status not in _REVIEW_FROM[target]:
                raise QuoteError(f"the quote is already {quote.status}", code="conflict")
            previous = quote.status
            quote.status = target
            quote.status_reason = reason
            quote.save(update_fields=["status", "status_reason", "updated_at"])
            QuoteEvent.objects.create(
                quote=quote, from_status=previous, to_status=target, actor=reviewer, reason=reason
            )
            refresh_series(
                commodity_id=quote.commodity_id,
                market_id=quote.market_id,
                price_type=quote.price_type,
                first_day=quote.observed_on,
                last_day=quote.observed_on,
            )
    except IntegrityError as exc:
        raise QuoteError(
            "the agent has another live price for that day; reject it first", code="duplicate"
        ) from exc
    return quote


# --- The latest price ------------------------------------------------------------------


def refresh_series(
    *, commodity_id: int, market_id: int, price_type: str, first_day: date, last_day: date
) -> None:
    """Bring everything derived from one series' approved quotes up to date after quotes
    observed between ``first_day`` and ``last_day`` changed: its latest price and its
    weekly and monthly summaries. Must run inside the transaction that changed them."""
    series = {"commodity_id": commodity_id, "market_id": market_id, "price_type": price_type}
    refresh_latest_price(**series)
    refresh_summaries(**series, first_day=first_day, last_day=last_day)


def refresh_summaries(
    *, commodity_id: int, market_id: int, price_type: str, first_day: date, last_day: date
) -> None:
    """Recompute the week and month summaries of one series for the periods that hold
    any day from ``first_day`` to ``last_day``."""
    series = {"commodity_id": commodity_id, "market_id": market_id, "price_type": price_type}
    for period in PERIODS:
        start, end = period_start(first_day, period), period_end(last_day, period)
        prices = Quote.objects.filter(
            **series, status=Quote.Status.APPROVED, observed_on__gte=start, observed_on__lte=end
        ).values_list("observed_on", "price_per_base_unit")
        PriceSummary.objects.filter(
            **series, period=period, period_start__gte=start, period_start__lte=end
        ).delete()
        PriceSummary.objects.bulk_create(_summary_rows(series, period, prices), batch_size=1000)


def _summary_rows(
    series: dict[str, object], period: str, prices: Iterable[tuple[date, Decimal]]
) -> list[PriceSummary]:
    return [
        PriceSummary(
            **series,
            period=period,
            period_start=summary.period_start,
            median=summary.median,
            low=summary.low,
            high=summary.high,
            count=summary.count,
        )
        for summary in summarize(prices, period)
    ]


def refresh_latest_price(*, commodity_id: int, market_id: int, price_type: str) -> None:
    """Make the LatestPrice row of one series equal its newest approved quote (or remove
    it when there is none), with the reference prices a week and a month earlier.

    Must run inside the transaction that changed the series' quotes.
    """
    series = Quote.objects.filter(
        commodity_id=commodity_id,
        market_id=market_id,
        price_type=price_type,
        status=Quote.Status.APPROVED,
    ).order_by("-observed_on", "-id")
    newest = series.first()
    if newest is None:
        LatestPrice.objects.filter(
            commodity_id=commodity_id, market_id=market_id, price_type=price_type
        ).delete()
        return

    def reference(window: tuple[int, int]) -> tuple[Decimal | None, date | None]:
        latest_day, earliest_day = window
        row = (
            series.filter(
                observed_on__lte=newest.observed_on - timedelta(days=latest_day),
                observed_on__gte=newest.observed_on - timedelta(days=earliest_day),
            )
            .values_list("price_per_base_unit", "observed_on")
            .first()
        )
        return row if row else (None, None)

    week_price, week_on = reference(WEEK_REFERENCE)
    month_price, month_on = reference(MONTH_REFERENCE)
    LatestPrice.objects.update_or_create(
        commodity_id=commodity_id,
        market_id=market_id,
        price_type=price_type,
        defaults={
            "quote": newest,
            "unit_id": newest.unit_id,
            "price": newest.price,
            "currency": newest.currency,
            "price_per_base_unit": newest.price_per_base_unit,
            "observed_on": newest.observed_on,
            "week_ago_per_base_unit": week_price,
            "week_ago_on": week_on,
            "month_ago_per_base_unit": month_price,
            "month_ago_on": month_on,
        },
    )
    transaction.on_commit(
        lambda: signals.latest_price_changed.send(
            sender=LatestPrice,
            commodity_id=commodity_id,
            market_id=market_id,
            price_type=price_type,
        )
    )


def rebuild_latest_prices() -> int:
    """Recompute every latest price and every week and month summary from the quotes;
    returns how many series there are. For repairs after manual database work and bulk
    loads; normal writes keep them current."""
    # One pass over the approved quotes in series order, one series in memory at a time:
    # a delete and two reads per series made a 5-million-quote rebuild take 20 minutes.
    rows = (
        Quote.objects.filter(status=Quote.Status.APPROVED)
        .order_by("commodity_id", "market_id", "price_type", "observed_on")
        .values_list(
            "commodity_id", "market_id", "price_type", "observed_on", "price_per_base_unit"
        )
        .iterator(chunk_size=20_000)
    )
    with transaction.atomic():
        LatestPrice.objects.all().delete()
        PriceSummary.objects.all().delete()
        count = 0
        pending: list[PriceSummary] = []
        for key, quotes in itertools.groupby(rows, key=lambda row: row[:3]):
            series = dict(zip(("commodity_id", "market_id", "price_type"), key, strict=True))
            prices = [(observed_on, price) for *_, observed_on, price in quotes]
            refresh_latest_price(**series)
            for period in PERIODS:
                pending += _summary_rows(series, period, prices)
            if len(pending) >= 10_000:
                PriceSummary.objects.bulk_create(pending, batch_size=1000)
                pending = []
            count += 1
        PriceSummary.objects.bulk_create(pending, batch_size=1000)
    return count


# --- Importing price files -------------------------------------------------------------

_PRICE_TYPES = {
    "retail": PriceType.RETAIL,
    "wholesale": PriceType.WHOLESALE,
    "farm gate": PriceType.FARM_GATE,
    "farmgate": PriceType.FARM_GATE,
    "farm-gate": PriceType.FARM_GATE,
    "producer": PriceType.FARM_GATE,
}


@dataclass
class ImportReport:
    rows_read: int = 0
    created: int = 0
    unchanged: int = 0
    flagged: int = 0
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
        return (
            f"rows read {self.rows_read}, created {self.created}, unchanged {self.unchanged}, "
            f"flagged {self.flagged}, rejected {self.rejected} — {outcome}"
        )


@dataclass
class _Checked:
    """A row whose every field could be read."""

    row: PriceRow
    observed_on: date
    price: Decimal
    usd_price: Decimal | None
    price_type: str
    currency: str
    unit_spec: UnitSpec
    latitude: Decimal | None
    longitude: Decimal | None


class _RowRejected(Exception):
    pass


def _read_decimal(text: str, what: str, *, required: bool = True) -> Decimal | None:
    if not text:
        if required:
            raise _RowRejected(f"{what} is missing")
        return None
    try:
        value = Decimal(text.replace(" ", ""))
    except InvalidOperation:
        raise _RowRejected(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise _RowRejected(f"{what} {text!r} is not a number")
    return value


def _read_date(text: str) -> date:
    if not text:
        raise _RowRejected("date is missing")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _RowRejected(f"date {text!r} is not a date (YYYY-MM-DD)") from None


def _check_row(row: PriceRow, today: date) -> _Checked:
    if row.shape_error:
        raise _RowRejected(row.shape_error)
    for name in ("commodity", "market", "unit", "currency"):
        if not getattr(row, name):
            raise _RowRejected(f"{name} is missing")
    for name in ("commodity", "market", "region", "district", "category"):
        value = getattr(row, name)
        if starts_like_a_formula(value):
            raise _RowRejected(
                f"{name} {value!r} starts with {value[0]!r}, which spreadsheets run as a formula"
            )
    observed_on = _read_date(row.observed_on)
    message = date_error(observed_on, today)
    if message:
        raise _RowRejected(message)
    price = _read_decimal(row.price, "price")
    message = price_error(price)
    if message:
        raise _RowRejected(message)
    price_type = _PRICE_TYPES.get(" ".join(row.price_type.casefold().split()))
    if price_type is None:
        raise _RowRejected(
            f"price type {row.price_type!r} is not one of retail, wholesale, farm gate"
        )
    currency = row.currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise _RowRejected(f"currency {row.currency!r} is not an ISO 4217 code")
    try:
        unit_spec = parse_unit_label(row.unit)
    except ValueError as exc:
        raise _RowRejected(str(exc)) from None
    latitude = _read_decimal(row.latitude, "latitude", required=False)
    longitude = _read_decimal(row.longitude, "longitude", required=False)
    if latitude is not None and not -90 <= latitude <= 90:
        raise _RowRejected(f"latitude {row.latitude} is out of range")
    if longitude is not None and not -180 <= longitude <= 180:
        raise _RowRejected(f"longitude {row.longitude} is out of range")
    usd_price = _read_decimal(row.usd_price, "usdprice", required=False)
    message = price_error(usd_price) if usd_price is not None else None
    if message:
        raise _RowRejected(f"usdprice: {message}")
    return _Checked(
        row=row,
        observed_on=observed_on,
        price=price,
        usd_price=usd_price,
        price_type=price_type,
        currency=currency,
        unit_spec=unit_spec,
        latitude=latitude.quantize(Decimal("0.000001")) if latitude is not None else None,
        longitude=longitude.quantize(Decimal("0.000001")) if longitude is not None else None,
    )


def _unique_slug(model: type, text: str) -> str:
    base = make_slug(text)[:100]
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class _Catalogue:
    """Finds markets, commodities and units named by rows, and creates the missing ones
    only once a row has passed every check that does not need them (so a bad row leaves
    nothing behind). Looks each name up once per import."""

    def __init__(self) -> None:
        self._markets: dict[str, Market | None] = {}
        self._commodities: dict[str, Commodity | None] = {}
        self._units: dict[str, Unit] = {}
        self._regions: dict[str, Region] = {}
        self._learned: set[tuple[str, int, str, str]] = set()

    @staticmethod
    def _find(alias_model: type[AliasBase], owner: str, name: str, code: str) -> object | None:
        lookups = []
        if code:
            lookups.append((normalize_name(code), AliasBase.Kind.CODE))
        lookups.append((normalize_name(name), AliasBase.Kind.NAME))
        for normalized, kind in lookups:
            alias = (
                alias_model.objects.filter(normalized=normalized, kind=kind)
                .select_related(owner)
                .first()
            )
            if alias is not None:
                return getattr(alias, owner)
        return None

    def market(self, row: PriceRow) -> Market | None:
        key = f"{row.code_namespace}:{row.market_code}|{normalize_name(row.market)}"
        if key not in self._markets:
            code = f"{row.code_namespace}:{row.market_code}" if row.market_code else ""
            self._markets[key] = self._find(MarketAlias, "market", row.market, code)
        return self._markets[key]

    def commodity(self, row: PriceRow) -> Commodity | None:
        key = f"{row.code_namespace}:{row.commodity_code}|{normalize_name(row.commodity)}"
        if key not in self._commodities:
            code = f"{row.code_namespace}:{row.commodity_code}" if row.commodity_code else ""
            found = self._find(CommodityAlias, "commodity", row.commodity, code)
            if found is not None:
                found = Commodity.objects.select_related("base_unit").get(pk=found.pk)
            self._commodities[key] = found
        return self._commodities[key]

    def unit(self, spec: UnitSpec) -> Unit:
        if spec.code not in self._units:
            self._units[spec.code], _ = Unit.objects.get_or_create(
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "dimension": spec.dimension,
                    "base_quantity": spec.base_quantity,
                },
            )
        return self._units[spec.code]

    def known_unit(self, spec: UnitSpec) -> Unit | None:
        if spec.code in self._units:
            return self._units[spec.code]
        return Unit.objects.filter(code=spec.code).first()

    def base_unit_for(self, spec: UnitSpec) -> Unit:
        base_code = BASE_UNIT_CODES.get(spec.dimension)
        if base_code is None:
            return self.unit(spec)
        return self.unit(parse_unit_label(base_code))

    def create_market(self, checked: _Checked) -> Market:
        row = checked.row
        region_key = normalize_name(row.region)
        if region_key not in self._regions:
            region = Region.objects.filter(name__iexact=row.region.strip()).first()
            if region is None:
                region = Region.objects.create(
                    name=row.region.strip(), slug=_unique_slug(Region, row.region)
                )
            self._regions[region_key] = region
        market = Market.objects.create(
            name=row.market.strip(),
            slug=_unique_slug(Market, row.market),
            region=self._regions[region_key],
            district=row.district,
            latitude=checked.latitude,
            longitude=checked.longitude,
        )
        MarketAlias.objects.create(market=market, name=market.name)
        self._markets.clear()
        return market

    def create_commodity(self, checked: _Checked) -> Commodity:
        row = checked.row
        commodity = Commodity.objects.create(
            name=row.commodity.strip(),
            slug=_unique_slug(Commodity, row.commodity),
            category=row.category.strip().lower(),
            base_unit=self.base_unit_for(checked.unit_spec),
        )
        CommodityAlias.objects.create(commodity=commodity, name=commodity.name)
        self._commodities.clear()
        return commodity

    def learn_aliases(
        self,
        alias_model: type[AliasBase],
        owner: str,
        obj: Market | Commodity,
        name: str,
        code: str,
    ) -> None:
        """Remember a file's code and spelling for this thing, so the next file that
        spells it differently still matches. Never steals a name another thing holds."""
        key = (owner, obj.pk, normalize_name(name), code)
        if key in self._learned:
            return
        self._learned.add(key)
        for text, kind in ((code, AliasBase.Kind.CODE), (name, AliasBase.Kind.NAME)):
            normalized = normalize_name(text) if text else ""
            if not normalized:
                continue
            if not alias_model.objects.filter(normalized=normalized, kind=kind).exists():
                alias_model.objects.create(**{owner: obj}, name=text.strip(), kind=kind)


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
    checked: list[_Checked] = []
    for row in rows:
        report.rows_read += 1
        try:
            checked.append(_check_row(row, today))
        except _RowRejected as exc:
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
    return report


def _store_checked_rows(
    checked: list[_Checked],
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    catalogue = _Catalogue()
    prepared: list[tuple[_Checked, Market, Commodity, Unit, str]] = []
    seen: dict[str, int] = {}
    for done, item in enumerate(checked, 1):
        if progress and done % 1000 == 0:
            progress(done)
        row = item.row
        try:
            resolved = _resolve(catalogue, item)
        except _RowRejected as exc:
            report.errors.append(RowError(row.line, str(exc)))
            continue
        market, commodity, unit = resolved
        external_id = row.external_id or ":".join(
            [
                row.code_namespace or "file",
                str(market.pk),
                str(commodity.pk),
                unit.code,
                item.price_type,
                item.currency,
                row.price_flag.lower() or "-",
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
        prepared.append((item, market, commodity, unit, external_id))

    stored = selectors.quotes_by_external_id([p[4] for p in prepared])
    histories: dict[tuple[int, str, str], RecentPrices] = {}
    new_quotes: list[Quote] = []
    touched: dict[tuple[int, int, str], tuple[date, date]] = {}
    threshold = settings.AGRIPRICES_OUTLIER_THRESHOLD
    first_day = min((p[0].observed_on for p in prepared), default=None)
    last_day = max((p[0].observed_on for p in prepared), default=None)
    for item, market, commodity, unit, external_id in prepared:
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
        key = (commodity.pk, item.price_type, item.currency)
        if key not in histories:
            histories[key] = RecentPrices(
                selectors.approved_observations(
                    commodity_id=commodity.pk,
                    price_type=item.price_type,
                    currency=item.currency,
                    start=first_day - LOOKBACK,
                    end=last_day,
                )
            )
        per_base = price_per_base_unit(
            item.price, unit.base_quantity, commodity.base_unit.base_quantity
        )
        verdict = histories[key].assess(
            per_base, market_id=market.pk, observed_on=item.observed_on, threshold=threshold
        )
        if verdict is None:
            status, reason = Quote.Status.APPROVED, ""
            histories[key].add(Observation(item.observed_on, market.pk, per_base))
            series = (commodity.pk, market.pk, item.price_type)
            first, last = touched.get(series, (item.observed_on, item.observed_on))
            touched[series] = (min(first, item.observed_on), max(last, item.observed_on))
        else:
            status, reason = Quote.Status.FLAGGED, verdict.reason(market.name)
            report.flagged += 1
        new_quotes.append(
            Quote(
                commodity=commodity,
                market=market,
                unit=unit,
                price=item.price,
                currency=item.currency,
                price_type=item.price_type,
                price_per_base_unit=per_base,
                observed_on=item.observed_on,
                source=Quote.Source.IMPORT,
                status=status,
                status_reason=reason,
                external_id=external_id,
                usd_price=item.usd_price,
                price_flag=item.row.price_flag[:20],
            )
        )
    created = Quote.objects.bulk_create(new_quotes, batch_size=1000)
    QuoteEvent.objects.bulk_create(
        [
            QuoteEvent(quote=q, to_status=q.status, reason=q.status_reason or "imported")
            for q in created
        ],
        batch_size=1000,
    )
    report.created = len(created)
    for (commodity_id, market_id, price_type), (first, last) in touched.items():
        refresh_series(
            commodity_id=commodity_id,
            market_id=market_id,
            price_type=price_type,
            first_day=first,
            last_day=last,
        )


def _resolve(catalogue: _Catalogue, item: _Checked) -> tuple[Market, Commodity, Unit]:
    row = item.row
    market = catalogue.market(row)
    commodity = catalogue.commodity(row)
    unit = catalogue.known_unit(item.unit_spec)
    dimension = unit.dimension if unit else item.unit_spec.dimension
    if commodity is not None and commodity.base_unit.dimension != dimension:
        raise _RowRejected(
            f"unit {row.unit!r} cannot be converted to {commodity.base_unit.code}, "
            f"the unit {commodity.name} is compared in"
        )
    if market is None and not row.region:
        raise _RowRejected(f"market {row.market!r} is unknown and the row names no region")
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
    return market, commodity, unit
