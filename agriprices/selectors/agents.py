"""Who may record prices where, and what an agent recorded: the reads behind agents'
forms and the rules of ``record_quote``."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from agriprices.models import AgentProfile, Commodity, Market, Quote


def can_record_for(user: User, market: Market) -> bool:
    """Operators (who hold ``record_any_market``) record anywhere; agents only at the
    markets they are assigned to."""
    if not user.is_active:
        return False
    if user.has_perm("agriprices.record_any_market"):
        return True
    return AgentProfile.objects.filter(user=user, markets=market).exists()


def assigned_markets(user: User) -> QuerySet[Market]:
    if user.has_perm("agriprices.record_any_market"):
        return Market.objects.select_related("region")
    return Market.objects.filter(agents__user=user).select_related("region")


def recent_commodities_of(user: User, *, limit: int = 5) -> list[Commodity]:
    """The commodities an agent priced last, newest first (for their form). Two queries."""
    ids = list(
        Quote.objects.filter(agent=user)
        .order_by("-created_at")
        .values_list("commodity_id", flat=True)[:50]
    )
    wanted = list(dict.fromkeys(ids))[:limit]
    found = Commodity.objects.in_bulk(wanted)
    return [found[pk] for pk in wanted if pk in found]


def live_quote_of_agent(
    *,
    agent: User,
    market: Market,
    commodity: Commodity,
    price_type: str,
    observed_on: date,
) -> Quote | None:
    return (
        Quote.objects.filter(
            agent=agent,
            market=market,
            commodity=commodity,
            price_type=price_type,
            observed_on=observed_on,
        )
        .exclude(status=Quote.Status.REJECTED)
        .select_related("unit")
        .first()
    )


def recording_agents() -> QuerySet[User]:
    """Active accounts that may record prices (directly or through a group), by name."""
    may = Q(user_permissions__codename="add_quote") | Q(groups__permissions__codename="add_quote")
    return (
        User.objects.filter(is_active=True)
        .filter(may | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )
