"""Every write to price data. Each public function is one transaction.

Web form, SMS, API and file import all arrive here, so every rule is checked in one
place: known unit, price > 0, a plausible day, a real currency, agent assigned to the
market, no duplicate, outlier against the recent median or another currency than the
service's (flagged with a reason, never dropped).

Everything derived from a series (its latest price and week change, its weekly and
monthly summaries, and so its warnings, charts, rankings and maps) is made from its
approved prices in the service's currency only: a price in another currency is kept
and listed in its own, but never compared with som prices.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agriprices import anomalies, selectors, signals
from agriprices.models import (
    Commodity,
    LatestPrice,
    Market,
    PriceSummary,
    PriceType,
    PriceWarning,
    Quote,
    QuoteEvent,
    Unit,
    WarningRun,
)
from agriprices.periods import PERIODS, period_end, period_start, summarize
from agriprices.validation import (
    Outlier,
    RecentPrices,
    currency_error,
    currency_hold,
    date_error,
    per_base_unit_error,
    price_error,
    price_per_base_unit,
)

logger = logging.getLogger(__name__)

#: The reference prices a latest price is compared against: (not after, not before) days.
WEEK_REFERENCE = (7, 14)
MONTH_REFERENCE = (28, 62)


class QuoteError(Exception):
    """A price that cannot be recorded, or a review that cannot be made. Nothing was
    changed. ``field`` names the input at fault, for forms and API error bodies;
    ``existing`` the stored quote a duplicate collides with."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str = "invalid",
        existing: Quote | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.existing = existing


# --- Recording a price -----------------------------------------------------------------


def record_quote(
    *,
    agent: User | None,
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
    says against what) or in another currency than the service's. Raises ``QuoteError``
    naming the field for anything else wrong; then nothing is stored.
    """
    if source not in Quote.Source.values:
        raise QuoteError(f"unknown source {source!r}", field="source")
    if price_type not in PriceType.values:
        raise QuoteError(f"unknown price type {price_type!r}", field="price_type")
    message = price_error(price, _("price"))
    if message:
        raise QuoteError(message, field="price")
    # People enter what they saw lately; a file of history is the importer's.
    window = None if source == Quote.Source.IMPORT else settings.AGRIPRICES_MAX_AGE_DAYS
    message = date_error(observed_on, timezone.localdate(), max_age_days=window)
    if message:
        raise QuoteError(message, field="observed_on")
    currency = (currency or settings.AGRIPRICES_CURRENCY).upper()
    message = currency_error(currency)
    if message:
        raise QuoteError(message, field="currency")
    if not unit.converts_to(commodity.base_unit):
        raise QuoteError(
            _("unit %(unit)s cannot be converted to %(base)s, the unit %(crop)s is priced by")
            % {"crop": _local(commodity), "base": commodity.base_unit.code, "unit": unit.code},
            field="unit",
        )
    if agent is not None and not selectors.can_record_for(agent, market):
        raise QuoteError(
            _("you are not assigned to the market %(market)s") % {"market": _local(market)},
            field="market",
            code="forbidden",
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

    per_base = price_per_base_unit(price, unit.base_quantity, commodity.base_unit.base_quantity)
    message = per_base_unit_error(per_base, commodity.base_unit.code, f"price {price} per {unit}")
    if message:
        raise QuoteError(message, field="price")
    reason = currency_hold(currency, settings.AGRIPRICES_CURRENCY) or ""
    if not reason:
        verdict = outlier_verdict(
            commodity=commodity,
            market=market,
            per_base_unit=per_base,
            observed_on=observed_on,
            price_type=price_type,
            currency=currency,
        )
        reason = verdict.reason(market.name) if verdict else ""
    status = Quote.Status.FLAGGED if reason else Quote.Status.APPROVED
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
        # Lost a race with the same agent's other submission, or a replayed external id:
        # the winner is committed now, and named, so a retry can see it says the same.
        winner = None
        if agent is not None:
            winner = selectors.live_quote_of_agent(
                agent=agent,
                market=market,
                commodity=commodity,
                price_type=price_type,
                observed_on=observed_on,
            )
        if winner is not None:
            raise _duplicate_error(winner) from exc
        raise QuoteError(
            _("this price was already recorded"), field="observed_on", code="duplicate"
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


def record_quote_once(*, external_id: str, **fields: Any) -> tuple[Quote, bool]:
    """``record_quote`` for clients that retry: the same ``external_id`` with the same
    price returns the stored quote and False instead of an error. The id reused for a
    different price, or by another agent, is refused. A price that restates the agent's
    own live price of that day under another id (a form filled again, a text sent twice)
    is the same price again too: it returns that quote and False."""
    existing = selectors.quotes_by_external_id([external_id]).get(external_id)
    if existing is None:
        try:
            return record_quote(external_id=external_id, **fields), True
        except QuoteError as exc:
            # Two deliveries of one request racing: the other one stored it first.
            existing = selectors.quotes_by_external_id([external_id]).get(external_id)
            if existing is None and exc.existing is not None and _restates(exc.existing, fields):
                return exc.existing, False
            if existing is None:
                raise exc from None
    if not _restates(existing, fields):
        raise QuoteError(
            _("external id %(id)s was already used for another price (quote %(quote)d)")
            % {"id": external_id, "quote": existing.pk},
            field="external_id",
            code="conflict",
        )
    return existing, False


def _restates(existing: Quote, fields: dict[str, Any]) -> bool:
    """``restates`` with the keyword arguments of ``record_quote``."""
    agent = fields.get("agent")
    return restates(
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


def _local(thing: Commodity | Market) -> str:
    """A crop's or market's name in the language of the request (messages name them as
    the reader does)."""
    return thing.display_name(get_language() or settings.LANGUAGE_CODE)


def _duplicate_error(existing: Quote) -> QuoteError:
    return QuoteError(
        _(
            "%(crop)s at %(market)s is already recorded for %(day)s: %(price)s "
            "%(currency)s/%(unit)s. Ask an operator to reject it before entering a correction."
        )
        % {
            "crop": _local(existing.commodity),
            "market": _local(existing.market),
            "price": f"{existing.price.normalize():f}",
            "currency": existing.currency,
            "unit": existing.unit.code,
            "day": existing.observed_on.isoformat(),
        },
        field="observed_on",
        code="duplicate",
        existing=existing,
    )


# --- Reviewing -------------------------------------------------------------------------

#: Which status a decision may start from. Approved prices may be retracted; a rejected
#: one may be reinstated when the rejection was the mistake.
_REVIEW_FROM = {
    Quote.Status.APPROVED: {Quote.Status.PENDING, Quote.Status.FLAGGED, Quote.Status.REJECTED},
    Quote.Status.REJECTED: {Quote.Status.PENDING, Quote.Status.FLAGGED, Quote.Status.APPROVED},
}


def review_quote(*, quote_id: int, reviewer: User, approve: bool, reason: str = "") -> Quote:
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
    refresh_latest_price(commodity_id=commodity_id, market_id=market_id, price_type=price_type)
    refresh_summaries(
        commodity_id=commodity_id,
        market_id=market_id,
        price_type=price_type,
        first_day=first_day,
        last_day=last_day,
    )


def _compared(**series: Any) -> QuerySet[Quote]:
    """The quotes everything derived from a series is made of: approved, and in the
    service's currency, so no comparison ever mixes currencies."""
    return Quote.objects.filter(
        **series, status=Quote.Status.APPROVED, currency=settings.AGRIPRICES_CURRENCY
    )


def refresh_summaries(
    *, commodity_id: int, market_id: int, price_type: str, first_day: date, last_day: date
) -> None:
    """Recompute the week and month summaries of one series for the periods that hold
    any day from ``first_day`` to ``last_day``."""
    series = {"commodity_id": commodity_id, "market_id": market_id, "price_type": price_type}
    for period in PERIODS:
        start, end = period_start(first_day, period), period_end(last_day, period)
        prices = (
            _compared(**series)
            .filter(observed_on__gte=start, observed_on__lte=end)
            .values_list("observed_on", "price_per_base_unit")
        )
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
    series = _compared(
        commodity_id=commodity_id, market_id=market_id, price_type=price_type
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
        _compared()
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


# --- Price warnings --------------------------------------------------------------------

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
    this_month = (today or timezone.localdate()).replace(day=1)
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
            run.changed += _write_warnings(batch, alert_from)
            batch = {}
    run.changed += _write_warnings(batch, alert_from)
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


def _write_warnings(batch: dict[SeriesKey, list[tuple[date, Decimal]]], alert_from: date) -> int:
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
        assessments = anomalies.assess([(month, float(median)) for month, median in months])
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
            and newest.alps_band in anomalies.ALARMING
            and band_before not in anomalies.ALARMING
        ):
            raised.append((key, newest.month))
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


def _warning_fields(assessment: anomalies.Assessment) -> dict[str, Any]:
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
