"""Who is reminded of what on a collection day: every agent with prices still missing
for that day's round at their markets, which a price sent today would still count for.
The channels render and send (``sms_gateway.reminders``); this module only says who and
what. A fixed number of queries whatever the number of agents."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User

from agriprices.collection import schedule as sched
from agriprices.collection.completeness import Completeness, Item, completeness
from agriprices.collection.schedule import day_period
from agriprices.models import AgentProfile, Commodity, LatestPrice, Market, PriceType, Unit


@dataclass(frozen=True)
class Missing:
    market: Market
    commodity: Commodity
    price_type: str
    #: The unit to report it in: the one the market's latest prices of the crop are in,
    #: else the one most markets' are, else the crop's own.
    unit: Unit

    @property
    def price_type_label(self) -> str:
        return str(PriceType(self.price_type).label)


@dataclass(frozen=True)
class Due:
    """One agent's reminder: who, where to reach them, and what is missing today."""

    profile: AgentProfile
    missing: tuple[Missing, ...]


def counts_today(found: Completeness, item: Item, today: date) -> bool:
    """Whether a price recorded ``today`` would count for ``item``'s round: that round
    is the one today's prices fall in at its market (``PlanHistory.round_of``: the
    nearest collection day within its tolerance, across a plan change too; a round
    that has closed, or tomorrow's when today is a collection day too, is not)."""
    return found.histories[item.market_id].round_of(today) == item.day


def due_reminders(day: date, *, today: date) -> list[Due]:
    """The agents with prices of ``day``'s round not yet received that a price sent
    ``today`` would still count for, each once, in username order. Agents without a
    phone cannot be reminded and are left out."""
    found = completeness(day_period(day), today=today, streaks=False)
    wanted = [
        item
        for item in found.items
        if item.state != sched.RECEIVED and counts_today(found, item, today)
    ]
    missing = _missing(found, wanted)
    per_agent: dict[int, list[Missing]] = defaultdict(list)
    for item, line in zip(wanted, missing, strict=True):
        for agent_id in item.agent_ids:
            per_agent[agent_id].append(line)
    profiles = (
        AgentProfile.objects.filter(user_id__in=list(per_agent), user__is_active=True)
        .exclude(phone="")
        .select_related("user")
        .order_by("user__username")
    )
    return [Due(profile, tuple(per_agent[profile.user_id])) for profile in profiles]


def due_now(agent: User, *, today: date) -> list[Missing]:
    """What ``agent`` still has to report that a price recorded today would count for
    (the round today's prices fall in at each of their markets), for the top of their
    form: market, crop and price type, by market then crop."""
    found = completeness(
        sched.Period(today - timedelta(days=7), today + timedelta(days=7), ""),
        today=today,
        agent=agent,
        streaks=False,
    )
    wanted = [
        item
        for item in found.items
        if item.state != sched.RECEIVED and counts_today(found, item, today)
    ]
    unique = {(m.market.pk, m.commodity.pk, m.price_type): m for m in _missing(found, wanted)}
    return sorted(unique.values(), key=lambda m: (m.market.name, m.commodity.name, m.price_type))


def _missing(found: Completeness, items: list[Item]) -> list[Missing]:
    usual = usual_unit_ids((item.market_id, item.commodity_id, item.price_type) for item in items)
    unit_ids = {
        key: usual.get(key, found.commodities[key[1]].base_unit_id)
        for key in ((item.market_id, item.commodity_id, item.price_type) for item in items)
    }
    units = Unit.objects.in_bulk(set(unit_ids.values())) if unit_ids else {}
    markets = found.markets
    return [
        Missing(
            markets[item.market_id],
            found.commodities[item.commodity_id],
            item.price_type,
            units[unit_ids[(item.market_id, item.commodity_id, item.price_type)]],
        )
        for item in items
    ]


def usual_unit_ids(
    wanted: Iterable[tuple[int, int, str]],
) -> dict[tuple[int, int, str], int]:
    """The unit each (market, crop, price type) is reported in: that of the market's
    latest prices of the crop of that type (eggs by ``10pcs`` where they are sold by
    ten; wheat wholesale by ``bag50kg``), else the one most markets' latest prices of
    the crop of that type are in, else the same of any type; a crop priced nowhere yet
    is left out (its own unit is the answer). One query however many."""
    wanted = set(wanted)
    if not wanted:
        return {}
    rows = LatestPrice.objects.filter(
        commodity_id__in={commodity_id for _, commodity_id, _ in wanted}
    ).values_list("market_id", "commodity_id", "price_type", "unit_id")
    counts: dict[tuple[object, ...], Counter[int]] = defaultdict(Counter)
    for market_id, commodity_id, price_type, unit_id in rows:
        for key in _unit_sources(market_id, commodity_id, price_type):
            counts[key][unit_id] += 1
    chosen: dict[tuple[int, int, str], int] = {}
    for market_id, commodity_id, price_type in wanted:
        for key in _unit_sources(market_id, commodity_id, price_type):
            counted = counts.get(key)
            if counted:
                # The most used; a tie goes to the smaller id, so the choice is stable.
                chosen[(market_id, commodity_id, price_type)] = min(
                    counted, key=lambda u: (-counted[u], u)
                )
                break
    return chosen


def _unit_sources(
    market_id: int, commodity_id: int, price_type: str
) -> tuple[tuple[object, ...], ...]:
    """Whose prices say a unit, in the order they are asked: the market's of that crop
    and price type, every market's of that type, the market's of any type, anyone's."""
    return (
        (market_id, commodity_id, price_type),
        (commodity_id, price_type),
        (market_id, commodity_id),
        (commodity_id,),
    )
