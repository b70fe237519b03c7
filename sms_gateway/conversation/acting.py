"""Acting on a request: what each command does, and the structured answer it gives.

Reads prices through agriprices.selectors and records them through agriprices.services
only. Commands that change something (LANG, STOP, START, SUB, UNSUB, a price report, the
markets a sender asked about last) write it themselves, inside the caller's transaction,
so a message is acted on exactly when it is stored. Whether a command only reads is
said once, beside its handler (``COMMANDS``); the ask API answers exactly those.

Imports no channel and nothing that sends: what a channel makes of an answer is its own
business (sms_gateway.channels).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.utils import timezone, translation

from agriprices import name_index, word_forms
from agriprices.collection.freshness import old_ones, staleness
from agriprices.models import (
    AgentProfile,
    Commodity,
    LatestPrice,
    Market,
    PriceType,
    Quote,
    Unit,
)
from agriprices.selectors.catalogue import commodities, markets, unit_by_code
from agriprices.selectors.latest import best_paying_markets, latest_prices, latest_with_neighbours
from agriprices.services.recording import QuoteError, outlier_verdict, record_quote_once
from agriprices.units import parse_unit_label
from config import counters
from sms_gateway import following
from sms_gateway.conversation import answers
from sms_gateway.conversation.language import reply_language
from sms_gateway.conversation.parser import spaced_thousands
from sms_gateway.conversation.understanding import Request
from sms_gateway.models import Subscriber

logger = logging.getLogger(__name__)

#: Markets listed for a crop asked without a market, and markets a sender is remembered
#: to have asked about.
CROP_ONLY_MARKETS = 3
#: At most this many crop-and-market pairs of one question are looked up; the reply
#: names the others for the farmer to ask. A chat has room for more than an SMS.
MOST_PAIRS = 4
MOST_PAIRS_IN_A_CHAT = 16


@dataclass(frozen=True)
class Outcome:
    action: str  # what the message asked for (query, help, subscribe, report ...)
    language: str  # to answer in
    answer: answers.Answer


@dataclass(frozen=True)
class _Asked:
    """What a handler knows besides the request and who sent it."""

    message_key: str  # identifies the message: what it records is recorded once
    every_market: bool  # the channel shows every market's price beside the one asked
    agent: AgentProfile | None = None  # the market agent writing, looked up for a report


Handler = Callable[[Request, Subscriber, _Asked], answers.Answer]


@dataclass(frozen=True)
class Command:
    """What the core does for one action (the parser's ``Command.action``), and whether
    doing it only reads: it changes no setting, subscription or price (a question still
    remembers the markets a known sender asked about, for its next question; asked
    through the API, with no sender, nothing at all)."""

    handler: Handler
    reads_only: bool
    #: Acted on past the hourly limit on questions: a number must always be able to
    #: stop (or restart) what we send.
    always: bool = False


def reads_only(action: str) -> bool:
    """Whether the command ``action`` changes nothing (the ask API answers only these)."""
    command = COMMANDS.get(action)
    return command is not None and command.reads_only


def always_acted_on(action: str) -> bool:
    """Whether ``action`` is acted on whatever the limits on questions (STOP, START,
    UNSUB)."""
    command = COMMANDS.get(action)
    return command is not None and command.always


def language_of(request: Request, subscriber: Subscriber, agent: AgentProfile | None = None) -> str:
    """The language to answer ``request`` from ``subscriber`` in (the one rule): a market
    ``agent`` writing is answered in the language their reminders are written in, unless
    the number chose another (a Kyrgyz reminder's reply reads as Russian to the words)."""
    chosen = subscriber.language or (agent.language if agent is not None else "")
    return reply_language(chosen=chosen, written=request.language, app=subscriber.app_language)


def reports(request: Request) -> bool:
    """Whether ``request`` is a price report, or reads as one ("p potato osh price"):
    from a market agent, it is answered in the agent's language."""
    return request.otherwise is not None or request.action == "report"


def reporting_agent(phone: str | None) -> AgentProfile | None:
    """The market agent registered to report prices from the phone number ``phone``
    (the number behind an SMS or a WhatsApp address alike), an active account, or None.
    The one rule for which agent is writing."""
    if not phone:
        return None
    return (
        AgentProfile.objects.filter(phone=phone, sms_pin__isnull=False, user__is_active=True)
        .select_related("user", "sms_pin")
        .first()
    )


def act(
    request: Request,
    subscriber: Subscriber,
    *,
    message_key: str,
    every_market: bool = False,
    phone: str | None = None,
) -> Outcome:
    """Do what ``request`` from ``subscriber`` asks and say what came of it, in the
    language of the answer (a refusal's reason included). Must run inside a
    transaction. ``message_key`` identifies the message, so a price it reports is
    recorded once. ``every_market``: the channel has room for every market's price of a
    crop beside the ones asked about (the answer means the same; it only carries more).
    ``phone``: the phone number behind the sender's address, as its channel reads it
    (None for an address that is no phone number): a market agent's may report prices."""
    agent = None
    if reports(request):
        agent = reporting_agent(phone)
        if request.otherwise is not None and agent is None:
            request = request.otherwise  # "p potato osh price" from a farmer: a question
    language = language_of(request, subscriber, agent)
    with translation.override(language):
        answer = COMMANDS[request.action].handler(
            request, subscriber, _Asked(message_key, every_market, agent)
        )
    return Outcome(request.action, language, answer)


def _query(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    commodity, market = request.commodity, request.market
    if _unknown(request) and (commodity is None or market is None):
        # Words that name nothing we know, where a crop or a market is missing: say so
        # rather than answer a question that was not asked. Typos of names beside the
        # names read ("ош нарын нарин") are said beside the answer to those.
        return answers.NotFound(request.unmatched, _suggestions(request.unmatched))
    if commodity is None and market is None:
        return answers.Help()  # only question words: show how to ask
    if request.pleads:  # "STOP POTATO OSH" from a number that follows it: how to stop it
        following = _following(subscriber, commodity, market)
        if following is not None:
            return answers.Help("stop", following)
    answer = _pairs(request, subscriber, asked.every_market)
    return answers.Unread(answer, request.unread) if request.unread else answer


def _unknown(request: Request) -> list[str]:
    """The words of ``request`` that name nothing, less typos of names beside the names
    read (``Request.unread``)."""
    unread = {word for words, _ in request.unread for word in word_forms.words(words)}
    return [word for word in request.unmatched.split() if word_forms.fold(word) not in unread]


def _pairs(request: Request, subscriber: Subscriber, every: bool) -> answers.Part | answers.Both:
    """The prices of every crop at every market the question names."""
    crops: list[Commodity | None] = [*request.crops] or [request.commodity]
    markets: list[Market | None] = [*request.markets] or [request.market]
    pairs = [(crop, place) for place in markets for crop in crops]
    if len(pairs) == 1:
        return _prices(request.commodity, request.market, subscriber, every, request.command.page)
    # The question sent again with a number, as a reply that could not name all the
    # others asks ("... again with 5"): answered from that pair on. A number past the
    # pairs named points nowhere: answered from the first.
    start = request.command.page if request.command.page <= len(pairs) else 1
    left = pairs[start - 1 :]
    most = MOST_PAIRS_IN_A_CHAT if every else MOST_PAIRS
    looked_up = [_prices(crop, place, subscriber, every) for crop, place in left[:most]]
    if len(looked_up) == 1:
        return looked_up[0]
    first, second, *rest = looked_up
    return answers.Both(first, second, rest, left[most:], start=start)


def _following(
    subscriber: Subscriber, commodity: Commodity | None, market: Market | None
) -> tuple[Commodity, Market] | None:
    """The first subscription of the number to ``commodity`` and/or ``market``."""
    if subscriber.pk is None:
        return None
    followed = subscriber.subscriptions.select_related("commodity", "market").order_by("id")
    if commodity is not None:
        followed = followed.filter(commodity=commodity)
    if market is not None:
        followed = followed.filter(market=market)
    found = followed.first()
    return (found.commodity, found.market) if found is not None else None


def _prices(
    commodity: Commodity | None,
    market: Market | None,
    subscriber: Subscriber,
    every_market: bool,
    page: int = 1,
) -> answers.Part:
    """The prices of a crop at a market, of a crop anywhere, or at a market (the
    ``page`` asked of a list)."""
    if market is None:
        if commodity is None:
            raise ValueError("a crop or a market is needed")
        # The few markets a text answer names are chosen in the database: a crop is
        # priced at hundreds of markets, and loading them all for three costs every
        # SMS that names no market (bench sms). Only a channel with room for every
        # market loads them all.
        everywhere = list(latest_prices(commodity=commodity)) if every_market else []
        rows = _crop_markets(commodity, subscriber)
        old = old_ones(rows, today=timezone.localdate())
        return answers.CropPrices(commodity, rows, page, everywhere, old)
    _remember_market(subscriber, market)
    if commodity is None:
        rows = list(latest_prices(market=market))
        old = old_ones(rows, today=timezone.localdate())
        return answers.MarketPrices(market, rows, page, old)
    latest, cheaper, dearer, warning = latest_with_neighbours(commodity=commodity, market=market)
    every = list(latest_prices(commodity=commodity)) if every_market else []
    season = warning.season if warning else ""
    stale = staleness(latest, today=timezone.localdate()) if latest is not None else None
    return answers.Price(commodity, market, latest, cheaper, dearer, every, season, stale)


def _sell(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    """``SELL POTATO``: where it fetches most now (a market named too is not a limit)."""
    if request.commodity is None:
        words = request.unmatched or " ".join(request.command.terms)
        return answers.NotFound(words, _suggestions(words))
    rows = best_paying_markets(commodity=request.commodity, limit=CROP_ONLY_MARKETS)
    return answers.BestPayers(request.commodity, rows)


def _suggestions(text: str) -> list[Commodity | Market]:
    crops, places = name_index.indexes()
    found = crops.search(text, limit=3, min_score=55) + places.search(text, limit=2, min_score=55)
    return [match.obj for match in found]


def _crop_markets(commodity: Commodity, subscriber: Subscriber) -> list[LatestPrice]:
    """A crop without a market: at the sender's home market, else the markets they asked
    about last, else the markets with the newest prices."""
    prices = latest_prices(commodity=commodity)
    wanted = [subscriber.home_market_id] if subscriber.home_market_id else subscriber.recent_markets
    chosen = list(prices.filter(market_id__in=wanted)) if wanted else []
    chosen.sort(key=lambda r: wanted.index(r.market_id))
    if not chosen:
        chosen = list(prices.order_by("-observed_on", "market__name")[:CROP_ONLY_MARKETS])
    return chosen[:CROP_ONLY_MARKETS]


def _remember_market(subscriber: Subscriber, market: Market) -> None:
    if subscriber.pk is None:  # asked through the API: nobody to remember it for
        return
    recent = [market.pk] + [pk for pk in subscriber.recent_markets if pk != market.pk]
    if recent[:CROP_ONLY_MARKETS] != subscriber.recent_markets:
        subscriber.recent_markets = recent[:CROP_ONLY_MARKETS]
        subscriber.save(update_fields=["recent_markets"])


def _help(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    """How to ask; to a plea to stop that names what the number follows ("please stop
    the potato osh messages"), how to stop that one."""
    about = request.command.about
    if about == "stop" and (request.commodity is not None or request.market is not None):
        return answers.Help(about, _following(subscriber, request.commodity, request.market))
    return answers.Help(about)


def _list(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    page = request.command.page
    if request.command.list_kind == "markets":
        return answers.Catalogue("markets", list(markets()), page)
    return answers.Catalogue("crops", list(commodities()), page)


def _lang(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    chosen = request.command.set_language
    if chosen:
        subscriber.language = chosen
        subscriber.save(update_fields=["language"])
    return answers.LanguageChosen(chosen)


def _opt_out(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    if not subscriber.opted_out:
        subscriber.opted_out, subscriber.opted_out_at = True, timezone.now()
        subscriber.save(update_fields=["opted_out", "opted_out_at"])
    return answers.OptedOut()


def _opt_in(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    """START: messages again. The address just wrote to us, so it receives again too
    (a chat that blocked the bot and came back, a number that was switched off)."""
    returning = subscriber.opted_out or subscriber.undeliverable
    subscriber.opted_out, subscriber.opted_out_at = False, None
    subscriber.undeliverable, subscriber.unreachable_in_a_row = False, 0
    subscriber.save(
        update_fields=["opted_out", "opted_out_at", "undeliverable", "unreachable_in_a_row"]
    )
    return answers.OptedIn(returning=returning)


def _subscribe(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    """``SUB POTATO OSH [FRI] [ALERT|10]``."""
    command, commodity, market = request.command, request.commodity, request.market
    if commodity is None or market is None:
        return answers.SubscriptionRefused("names")
    try:
        subscription, _ = following.subscribe(
            subscriber=subscriber,
            commodity=commodity,
            market=market,
            language=language_of(request, subscriber),
            weekday=command.weekday,
            alert=command.alert,
            alert_pct=command.alert_pct,
        )
    except following.SubscriptionError as exc:
        return answers.SubscriptionRefused(exc.code)
    return answers.Subscribed(
        commodity,
        market,
        alert=command.alert,
        weekday=following.digest_weekday(subscriber),
        pct=subscription.alert_pct or Decimal(str(settings.SMS_ALERT_CHANGE_PCT)),
    )


def _unsubscribe(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    """``UNSUB POTATO OSH`` ends one subscription; ``UNSUB`` alone, naming nothing, opts
    out of all SMS."""
    commodity, market = request.commodity, request.market
    if not request.command.terms and commodity is None and market is None:
        return _opt_out(request, subscriber, asked)
    if commodity is None or market is None:
        return answers.SubscriptionRefused("unsub_names")
    found = following.unsubscribe(subscriber=subscriber, commodity=commodity, market=market)
    return answers.Unsubscribed(commodity, market, found)


def _report(request: Request, subscriber: Subscriber, asked: _Asked) -> answers.Answer:
    """``P POTATO OSH 18.5 KG [WHOLESALE] 1234``: checked by PIN, then recorded through
    agriprices.services like the web form."""
    command = request.command
    profile = asked.agent
    if profile is None:
        return answers.ReportRefused("not_agent")
    tries_key = str(profile.user_id)
    if counters.peek("pin", tries_key, window_seconds=3600) >= settings.SMS_PIN_TRIES:
        return answers.ReportRefused("locked")
    if command.problem:
        return answers.ReportRefused(command.problem)
    if not check_password(command.pin, profile.sms_pin.pin_hash):
        failed = counters.count("pin", tries_key, window_seconds=3600)
        logger.warning("wrong SMS PIN for agent %s (%d in this hour)", profile.user_id, failed)
        return answers.ReportRefused("locked" if failed >= settings.SMS_PIN_TRIES else "wrong_pin")
    if request.commodity is None or request.market is None:
        return answers.ReportRefused("names")
    if request.also is not None:
        # "P POTATO OSH BISHKEK 30 KG": which market saw it? Never the first one named.
        return answers.ReportRefused("two names")
    if request.unmatched:
        # "P CABBAGE NARYN CENTRAL WHOLESALE BAZAAR 30 KG": a market we do not know that
        # starts with one we do. A price is recorded where it was named, or not at all.
        return answers.ReportRefused("unknown words", request.unmatched)
    unit = _unit(command.unit, request.commodity)
    if unit is None:
        if spaced_thousands(command):
            return answers.ReportRefused("unclear price")
        return answers.ReportRefused("unit", command.unit)
    try:
        quote, _ = record_quote_once(
            external_id=f"sms:{asked.message_key}",
            agent=profile.user,
            commodity=request.commodity,
            market=request.market,
            unit=unit,
            price=command.price,
            price_type=command.price_type or PriceType.RETAIL,
            observed_on=timezone.localdate(),
            source=Quote.Source.SMS,
        )
    except QuoteError as exc:
        return answers.ReportRefused("refused", exc.message)
    if quote.status != Quote.Status.FLAGGED:
        return answers.Recorded(quote)
    # The rule that held it, asked again for its figures (one small read): the stored
    # reason is English, for operators.
    unusual = outlier_verdict(
        commodity=quote.commodity,
        market=quote.market,
        per_base_unit=quote.price_per_base_unit,
        observed_on=quote.observed_on,
        price_type=quote.price_type,
        currency=quote.currency,
    )
    return answers.Recorded(quote, unusual)


def _unit(text: str, commodity: Commodity) -> Unit | None:
    """The unit an agent typed ("kg", "кг", "bag50kg"), or the commodity's own."""
    if not text:
        return commodity.base_unit
    try:
        code = parse_unit_label(text).code
    except ValueError:
        return None
    return unit_by_code(code)


#: Every command the core acts on. A new one is its words (parser, understanding), a row
#: here, its answer in ``answers`` and a case in each renderer (mypy's assert_never finds
#: a renderer that lacks it).
COMMANDS: dict[str, Command] = {
    # A question: it remembers the markets asked about, for the next question's sake,
    # but changes nothing the asker would call a change.
    "query": Command(_query, reads_only=True),
    "sell": Command(_sell, reads_only=True),
    "help": Command(_help, reads_only=True),
    "list": Command(_list, reads_only=True),
    "lang": Command(_lang, reads_only=False),
    "opt_out": Command(_opt_out, reads_only=False, always=True),
    "opt_in": Command(_opt_in, reads_only=False, always=True),
    "subscribe": Command(_subscribe, reads_only=False),
    "unsubscribe": Command(_unsubscribe, reads_only=False, always=True),
    "report": Command(_report, reads_only=False),
}
