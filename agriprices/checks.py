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
