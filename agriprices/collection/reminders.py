"""Who is reminded of what on a collection day: every agent with prices still missing
for that day's round at their markets. The channels render and send
(``sms_gateway.reminders``); this module only says who and what. A fixed number of
queries whatever the number of agents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User

from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness
from agriprices.collection.schedule import day_period
from agriprices.models import AgentProfile, Commodity, Market, PriceType


@dataclass(frozen=True)
class Missing:
    market: Market
    commodity: Commodity
    price_type: str

    @property
    def price_type_label(self) -> str:
        return str(PriceType(self.price_type).label)


@dataclass(frozen=True)
class Due:
    """One agent's reminder: who, where to reach them, and what is missing today."""

    profile: AgentProfile
    missing: tuple[Missing, ...]


def due_reminders(day: date, *, today: date) -> list[Due]:
    """The agents with prices of ``day``'s round not yet received, each once, in
    username order. Agents without a phone cannot be reminded and are left out."""
    found = completeness(day_period(day), today=today, streaks=False)
    markets = found.markets
    per_agent: dict[int, list[Missing]] = defaultdict(list)
    for item in found.items:
        if item.state == sched.RECEIVED:
            continue
        for agent_id in item.agent_ids:
            per_agent[agent_id].append(
                Missing(
                    markets[item.market_id], found.commodities[item.commodity_id], item.price_type
                )
            )
    profiles = (
        AgentProfile.objects.filter(user_id__in=list(per_agent), user__is_active=True)
        .exclude(phone="")
        .select_related("user")
        .order_by("user__username")
    )
    return [Due(profile, tuple(per_agent[profile.user_id])) for profile in profiles]


def due_now(agent: User, *, today: date) -> list[Missing]:
    """What ``agent`` still has to report in the rounds open today (a collection day
    whose tolerance includes today), for the top of their form: market, crop and price
    type, by market then crop."""
    week_back = today - timedelta(days=7)
    found = completeness(
        sched.Period(week_back, today + timedelta(days=7), ""),
        today=today,
        agent=agent,
        streaks=False,
    )
    markets = found.markets
    items = []
    for item in found.items:
        low, high = found.plans[item.market_id].schedule.window(item.day)
        if item.state != sched.RECEIVED and low <= today <= high:
            items.append(
                Missing(
                    markets[item.market_id], found.commodities[item.commodity_id], item.price_type
                )
            )
    unique = {(m.market.pk, m.commodity.pk, m.price_type): m for m in items}
    return sorted(unique.values(), key=lambda m: (m.market.name, m.commodity.name, m.price_type))
