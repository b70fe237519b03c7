"""The two roles besides admin, as Django groups: operators run a telecentre (review
prices, record anywhere, work in the admin); market agents record prices at the
markets assigned to them."""

from typing import Any, cast

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from django.http import HttpRequest

OPERATORS = "operators"
MARKET_AGENTS = "market agents"

_OPERATOR_PERMISSIONS = [
    "review_quote",
    "record_any_market",
    "add_quote",
    "view_quote",
    "view_quoteevent",
    "view_latestprice",
    "view_auditevent",
    *(
        f"{action}_{model}"
        for model in ("collectionplan", "planneditem")
        for action in ("view", "add", "change", "delete")
    ),
    *(
        f"{action}_{model}"
        for model in (
            "commodity",
            "commodityalias",
            "market",
            "marketalias",
            "region",
            "unit",
            "agentprofile",
        )
        for action in ("view", "add", "change")
    ),
]
_AGENT_PERMISSIONS = ["add_quote", "view_quote", "view_commodity", "view_market", "view_unit"]


def ensure_role_groups(**kwargs: Any) -> None:
    """Create or complete the role groups; safe to run any number of times."""
    for name, codenames in (
        (OPERATORS, _OPERATOR_PERMISSIONS),
        (MARKET_AGENTS, _AGENT_PERMISSIONS),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="agriprices", codename__in=codenames
        )
        group.permissions.add(*permissions)


def grant_to_operators(app_label: str, codenames: list[str]) -> None:
    """Give the operators' group these permissions of another app (called from that
    app's post_migrate, once its permissions exist); safe to run any number of times."""
    ensure_role_groups()
    Group.objects.get(name=OPERATORS).permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that a login or permission check has let through (the
    admin's, the dashboard's ``needs_permission``, the API's write permissions): never
    anonymous there, which the type of ``request.user`` cannot know."""
    return cast(User, request.user)


def operators_to_tell() -> list[User]:
    """Who the service mails about the running of the service (the collection digest,
    callbacks refused): active operators and superusers with an address."""
    return list(
        User.objects.filter(Q(groups__name=OPERATORS) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )
