"""System checks (``manage.py check``, run at every start): settings a service cannot
work with are said at once, not as a refusal of every price an agent sends."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from agriprices.validation import currency_error


@checks.register(checks.Tags.compatibility)
def service_currency(**kwargs: Any) -> list[checks.CheckMessage]:
    message = currency_error(settings.AGRIPRICES_CURRENCY)
    if message is None:
        return []
    return [
        checks.Error(
            f"AGRIPRICES_CURRENCY: {message}",
            hint="Set it to the ISO 4217 code prices are entered in, e.g. KGS.",
            id="agriprices.E001",
        )
    ]


#: Each collection setting, the values it may take, and what it means.
_COLLECTION_RANGES = (
    ("COLLECTION_REMINDER_HOUR", 0, 23, "an hour of the day, 0 to 23"),
    ("COLLECTION_DEFAULT_WEEKDAY", 0, 6, "a weekday, 0 (Monday) to 6 (Sunday)"),
    ("COLLECTION_TOLERANCE_DAYS", 0, None, "days a price may be off its collection day"),
    ("COLLECTION_STALE_GRACE_CYCLES", 0, 52, "cycles past the collection cycle, 0 to 52"),
    ("COLLECTION_ESCALATE_AFTER", 1, None, "missed rounds in a row, at least 1"),
)


@checks.register(checks.Tags.compatibility)
def collection_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """0 rounds would flag every market at once; a negative grace would call every price
    old; a streak is counted up to ``STREAK_ROUNDS`` rounds, so a larger threshold would
    never flag one."""
    from agriprices.collection.models import MAX_TOLERANCE_DAYS
    from agriprices.collection.streaks import STREAK_ROUNDS

    highest = {
        "COLLECTION_TOLERANCE_DAYS": MAX_TOLERANCE_DAYS,
        "COLLECTION_ESCALATE_AFTER": STREAK_ROUNDS,
    }
    found: list[checks.CheckMessage] = []
    for name, low, high, meaning in _COLLECTION_RANGES:
        value = getattr(settings, name)
        top = high if high is not None else highest[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
            found.append(
                checks.Error(
                    f"{name}={value!r}: it is {meaning}, from {low} to {top}.",
                    hint=f"Set {name} in the environment to a whole number from {low} to {top}.",
                    id="agriprices.E002",
                )
            )
    return found
