"""Recording a price: every rule a price must pass, checked in one place whatever the
channel (web form, SMS, API, ODK Collect, file import): known unit, price > 0, a
plausible day, a real currency, agent assigned to the market, no duplicate, outlier
against the recent median or another currency than the service's (flagged with a
reason, never dropped)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agriprices.models import Commodity, Market, PriceType, Quote, QuoteEvent, Unit
from agriprices.selectors.agents import can_record_for, live_quote_of_agent
from agriprices.selectors.quotes import quotes_by_external_id, reference_observations
from agriprices.services.series import refresh_series
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
    assignment_checked: bool = False,
) -> Quote:
    """Validate and store one observed price; return the stored quote.

    The quote is approved, or flagged for an operator when it is an outlier (its reason
    says against what) or in another currency than the service's. Raises ``QuoteError``
    naming the field for anything else wrong; then nothing is stored.

    ``assignment_checked`` says the caller has just asked ``can_record_for(agent,
    market)`` itself and refused the request when it said no (a Collect form, once for
    all its prices): the rule is not read again for each price.
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
    if agent is not None and not assignment_checked and not can_record_for(agent, market):
        raise QuoteError(
            _("you are not assigned to the market %(market)s") % {"market": _local(market)},
            field="market",
            code="forbidden",
        )
    if agent is None and source != Quote.Source.IMPORT:
        raise QuoteError("a price needs the agent who saw it", field="agent")
    if agent is not None:
        existing = live_quote_of_agent(
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
            winner = live_quote_of_agent(
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
        reference_observations(
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


def record_quote_once(
    *, external_id: str, stored: Mapping[str, Quote] | None = None, **fields: Any
) -> tuple[Quote, bool]:
    """``record_quote`` for clients that retry: the same ``external_id`` with the same
    price returns the stored quote and False instead of an error. The id reused for a
    different price, or by another agent, is refused. A price that restates the agent's
    own live price of that day under another id (a form filled again, a text sent twice)
    is the same price again too: it returns that quote and False.

    ``stored`` is what ``quotes_by_external_id`` found for a batch of ids that holds
    ``external_id`` (a Collect form's prices), read once by the caller for all of them
    instead of once for each."""
    if stored is None:
        stored = quotes_by_external_id([external_id])
    existing = stored.get(external_id)
    if existing is None:
        try:
            return record_quote(external_id=external_id, **fields), True
        except QuoteError as exc:
            # Two deliveries of one request racing: the other one stored it first.
            existing = quotes_by_external_id([external_id]).get(external_id)
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
    unit = existing.unit.code
    if existing.price_type != PriceType.RETAIL:
        # Which of the day's prices it is: a crop may have one of each type.
        unit = f"{unit} ({existing.get_price_type_display()})"
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
            "unit": unit,
            "day": existing.observed_on.isoformat(),
        },
        field="observed_on",
        code="duplicate",
        existing=existing,
    )
