"""Who is reminded of what on a collection day: every agent with prices still missing
for that day's round at their markets. The channels render and send
(``sms_gateway.reminders``); this module only says who and what. A fixed number of
queries whatever the number of agents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness
from agriprices.collection.schedule import day_period
from agriprices.models import AgentProfile, Commodity, Market


@dataclass(frozen=True)
class Missing:
    market: Market
    commodity: Commodity
    price_type: str


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
