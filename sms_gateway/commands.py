"""What each SMS command does and answers. Reads prices through agriprices.selectors
and records them through agriprices.services only.

Commands that change something (LANG, STOP, START, SUB, UNSUB, a price report) write it
themselves, inside the caller's transaction. The markets a sender asked about last are
only remembered on the Subscriber in memory: the caller saves them, so the read-only
commands can be answered without writing anything (the webhook's fast lane).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from agriprices import selectors
from agriprices.models import AgentProfile, Commodity, Market, Quote, Unit
from agriprices.services import QuoteError, record_quote_once
from agriprices.units import parse_unit_label
from sms_gateway import limits, replies, subscriptions
from sms_gateway.models import Subscriber
from sms_gateway.parser import Command

logger = logging.getLogger(__name__)

#: Markets listed for a crop asked without a market.
CROP_ONLY_MARKETS = 3
#: A name must score at least this (0-100) to be taken for a crop or market.
MATCH_SCORE = 80


@dataclass(frozen=True)
class Resolved:
    commodity: Commodity | None
    market: Market | None
    language: str  # of the names matched, when an alias says
    unmatched: str  # the words that matched nothing


def _report(command: Command, subscriber: Subscriber, language: str, message_key: str) -> str:
    """``P POTATO OSH 18.5 KG 1234``: checked by PIN, then recorded through
    agriprices.services.record_quote exactly like the web form."""
    profile = (
        AgentProfile.objects.filter(phone=subscriber.phone, sms_pin__isnull=False)
        .select_related("user", "sms_pin")
        .first()
    )
    if profile is None:
        return replies.report_reply(language=language, problem="not_agent")
    tries_key = str(profile.user_id)
    if limits.peek("pin", tries_key, window_seconds=3600) >= settings.SMS_PIN_TRIES:
        return replies.report_reply(language=language, problem="locked")
    if command.problem:
        return replies.report_reply(language=language, problem=command.problem)
    if not check_password(command.pin, profile.sms_pin.pin_hash):
        failed = limits.count("pin", tries_key, window_seconds=3600)
        logger.warning("wrong SMS PIN for agent %s (%d in this hour)", profile.user_id, failed)
        problem = "locked" if failed >= settings.SMS_PIN_TRIES else "wrong_pin"
        return replies.report_reply(language=language, problem=problem)
    resolved = resolve(command.terms)
    if resolved.commodity is None or resolved.market is None:
        return replies.report_reply(language=language, problem="names")
    unit = _unit(command.unit, resolved.commodity)
    if unit is None:
        return replies.report_reply(language=language, problem="unit")
    try:
        quote, _ = record_quote_once(
            external_id=f"sms:{message_key}",
            agent=profile.user,
            commodity=resolved.commodity,
            market=resolved.market,
            unit=unit,
            price=command.price,
            observed_on=timezone.localdate(),
            source=Quote.Source.SMS,
        )
    except QuoteError as exc:
        return replies.report_reply(language=language, problem="refused", detail=exc.message)
    return replies.recorded_reply(language=language, quote=quote)


def _unit(text: str, commodity: Commodity) -> Unit | None:
    """The unit an agent typed ("kg", "кг", "bag50kg"), or the commodity's own."""
    if not text:
        return commodity.base_unit
    try:
        code = parse_unit_label(text).code
    except ValueError:
        return None
    return selectors.unit_by_code(code)


def _help(command: Command, subscriber: Subscriber, language: str) -> str:
    return replies.help_reply(language=language)


def _list(command: Command, subscriber: Subscriber, language: str) -> str:
    if command.list_kind == "markets":
        names = [m.display_name(language) for m in selectors.markets()]
    else:
        names = [c.display_name(language) for c in selectors.commodities()]
    return replies.list_reply(language=language, kind=command.list_kind, names=names)


def _lang(command: Command, subscriber: Subscriber, language: str) -> str:
    if command.set_language:
        subscriber.language = command.set_language
        subscriber.save(update_fields=["language"])
    return replies.language_reply(language=language, chosen=command.set_language)


def _opt_out(command: Command, subscriber: Subscriber, language: str) -> str:
    if not subscriber.opted_out:
        subscriber.opted_out, subscriber.opted_out_at = True, timezone.now()
        subscriber.save(update_fields=["opted_out", "opted_out_at"])
    return replies.opted_out_reply(language=language)


def _opt_in(command: Command, subscriber: Subscriber, language: str) -> str:
    subscriber.opted_out, subscriber.opted_out_at = False, None
    subscriber.save(update_fields=["opted_out", "opted_out_at"])
    return replies.opted_in_reply(language=language)


def _subscribe(command: Command, subscriber: Subscriber, language: str) -> str:
    """``SUB POTATO OSH [FRI] [ALERT|10]``."""
    resolved = resolve(command.terms)
    if not subscriber.language and not command.language and resolved.language:
        language = resolved.language
    if resolved.commodity is None or resolved.market is None:
        return replies.subscription_problem_reply(language=language, problem="names")
    try:
        subscription, _ = subscriptions.subscribe(
            subscriber=subscriber,
            commodity=resolved.commodity,
            market=resolved.market,
            language=language,
            weekday=command.weekday,
            alert=command.alert,
            alert_pct=command.alert_pct,
        )
    except subscriptions.SubscriptionError as exc:
        return replies.subscription_problem_reply(language=language, problem=exc.code)
    return replies.subscribed_reply(
        language=language,
        commodity=resolved.commodity,
        market=resolved.market,
        alert=command.alert,
        weekday=subscriptions.digest_weekday(subscriber),
        pct=subscription.alert_pct or Decimal(str(settings.SMS_ALERT_CHANGE_PCT)),
    )


def _unsubscribe(command: Command, subscriber: Subscriber, language: str) -> str:
    """``UNSUB POTATO OSH`` ends one subscription; ``UNSUB`` alone opts out of all SMS."""
    if not command.terms:
        return _opt_out(command, subscriber, language)
    resolved = resolve(command.terms)
    if resolved.commodity is None or resolved.market is None:
        return replies.subscription_problem_reply(language=language, problem="unsub_names")
    found = subscriptions.unsubscribe(
        subscriber=subscriber, commodity=resolved.commodity, market=resolved.market
    )
    return replies.unsubscribed_reply(
        language=language, commodity=resolved.commodity, market=resolved.market, found=found
    )


def resolve(terms: tuple[str, ...]) -> Resolved:
    """Which words name the crop and which the market, in either order ("POTATO OSH",
    "ош картошка", "pommes de terre osh"): every split is scored against the names in
    memory, two queries in all."""
    crops, places = selectors.NameIndex(Commodity), selectors.NameIndex(Market)

    def best(index: selectors.NameIndex, words: tuple[str, ...]) -> tuple[int | None, float]:
        if not words:
            return None, 0.0
        found = index.scores(" ".join(words), limit=1, min_score=MATCH_SCORE)
        return (found[0][0], found[0][2]) if found else (None, -1.0)

    choices = []
    for k in range(len(terms) + 1):
        for crop_words, market_words in ((terms[:k], terms[k:]), (terms[k:], terms[:k])):
            crop_id, crop_score = best(crops, crop_words)
            market_id, market_score = best(places, market_words)
            if crop_score < 0 or market_score < 0 or (crop_id is None and market_id is None):
                continue
            choices.append((crop_score + market_score, crop_id, market_id, crop_words))
    if not choices:
        return Resolved(None, None, "", " ".join(terms))
    _, crop_id, market_id, crop_words = max(choices, key=lambda c: c[0])
    language = crops.languages.get(" ".join(crop_words), "") if crop_words else ""
    return Resolved(
        commodity=Commodity.objects.filter(pk=crop_id).select_related("base_unit").first()
        if crop_id
        else None,
        market=Market.objects.filter(pk=market_id).first() if market_id else None,
        language=language,
        unmatched="",
    )


def _suggestions(text: str, language: str) -> list[str]:
    found = selectors.NameIndex(Commodity).search(text, limit=3, min_score=55)
    found += selectors.NameIndex(Market).search(text, limit=2, min_score=55)
    return [m.obj.display_name(language) for m in found]


def _query(command: Command, subscriber: Subscriber, language: str) -> str:
    resolved = resolve(command.terms)
    if not subscriber.language and not command.language and resolved.language:
        language = resolved.language  # "pommes de terre osh" is answered in French
    if resolved.commodity is None and resolved.market is None:
        return replies.not_found_reply(
            language=language,
            words=resolved.unmatched,
            suggestions=_suggestions(resolved.unmatched, language),
        )
    if resolved.market is not None:
        _remember_market(subscriber, resolved.market)
    if resolved.commodity is None:
        rows = list(selectors.latest_prices(market=resolved.market))
        return replies.market_crops_reply(language=language, market=resolved.market, rows=rows)
    if resolved.market is None:
        return _crop_only(resolved.commodity, subscriber, language)
    latest, cheaper, dearer = selectors.latest_with_neighbours(
        commodity=resolved.commodity, market=resolved.market
    )
    return replies.quote_reply(
        language=language,
        commodity=resolved.commodity,
        market=resolved.market,
        latest=latest,
        cheaper=cheaper,
        dearer=dearer,
    )


def _crop_only(commodity: Commodity, subscriber: Subscriber, language: str) -> str:
    """A crop without a market: the sender's home market, else the markets they asked
    about last, else the markets with the newest prices."""
    prices = selectors.latest_prices(commodity=commodity)
    wanted = [subscriber.home_market_id] if subscriber.home_market_id else subscriber.recent_markets
    chosen = list(prices.filter(market_id__in=wanted)) if wanted else []
    chosen.sort(key=lambda r: wanted.index(r.market_id))
    if not chosen:
        chosen = list(prices.order_by("-observed_on", "market__name")[:CROP_ONLY_MARKETS])
    return replies.crop_at_markets_reply(
        language=language, commodity=commodity, rows=chosen[:CROP_ONLY_MARKETS]
    )


def _remember_market(subscriber: Subscriber, market: Market) -> None:
    # Only in memory: the caller writes it (now, or later with the message; see services).
    recent = [market.pk] + [pk for pk in subscriber.recent_markets if pk != market.pk]
    subscriber.recent_markets = recent[:CROP_ONLY_MARKETS]


_HANDLERS = {
    "query": _query,
    "help": _help,
    "list": _list,
    "lang": _lang,
    "opt_out": _opt_out,
    "opt_in": _opt_in,
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
}


#: Commands that change nothing but the sender's recent markets: the fast lane answers
#: them from memory (see services.receive_or_spool).
READ_ONLY = frozenset({"query", "help", "list"})


def reads_sender_markets(command: Command) -> bool:
    """Whether the reply to a read-only ``command`` depends on the sender's home and
    recent markets (a crop asked without a market), not only on their language."""
    if command.action != "query":
        return False
    resolved = resolve(command.terms)
    return resolved.commodity is not None and resolved.market is None


def reply(command: Command, subscriber: Subscriber, language: str, message_key: str) -> str:
    """The reply to ``command`` from ``subscriber``, doing what it asks. ``message_key``
    identifies the message, so a price it reports is recorded once."""
    if command.action == "report":
        return _report(command, subscriber, language, message_key)
    return _HANDLERS[command.action](command, subscriber, language)
