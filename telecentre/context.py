"""What every page needs to know about the deployment."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, object]:
    """``training``: TRAINING_MODE is on, which every page says (an operator may approve
    their own broadcast there)."""
    return {"training": settings.TRAINING_MODE}
