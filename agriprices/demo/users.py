"""The demo's logins: an admin, an operator and a market agent, with public passwords
(demos only)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from agriprices.models import AgentProfile, Market, Quote
from agriprices.roles import MARKET_AGENTS, OPERATORS

DEMO_USERS = [
    # username, password, role; the password is printed by seed_demo, for demos only.
    ("admin", "admin-demo", "admin"),
    ("operator", "operator-demo", OPERATORS),
    ("agent", "agent-demo", MARKET_AGENTS),
    ("agent2", "agent2-demo", MARKET_AGENTS),
]
#: Each agent's markets, phone (for the collection reminders; reserved demo numbers)
#: and language.
DEMO_AGENTS = {
    "agent": (("Osh", "Jalal-Abad"), "+996555700001", "ru"),
    "agent2": (("Talas",), "+996555700002", "ky"),
}
DEMO_AGENT_MARKETS = DEMO_AGENTS["agent"][0]


@transaction.atomic
def ensure_demo_users() -> list[tuple[str, str, str]]:
    """The demo logins, with known passwords; returns (username, password, role)."""
    user_model = get_user_model()
    for username, password, role in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = role != MARKET_AGENTS
        user.is_superuser = role == "admin"
        user.save()
        if role != "admin":
            user.groups.add(Group.objects.get(name=role))
        if role == MARKET_AGENTS:
            markets, phone, language = DEMO_AGENTS[username]
            profile, _ = AgentProfile.objects.get_or_create(user=user)
            profile.markets.set(Market.objects.filter(name__in=markets))
            profile.phone, profile.language = phone, language
            profile.save(update_fields=["phone", "language"])
            # The demo's prices at their markets are theirs: each agent's last report
            # shows on /collection/.
            Quote.objects.filter(
                external_id__startswith="demo:", market__name__in=markets, agent__isnull=True
            ).update(agent=user)
    return DEMO_USERS
