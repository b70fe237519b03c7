from __future__ import annotations

from abc import ABC, abstractmethod


class SendError(Exception):
    """A message could not be handed to the provider. ``permanent`` says retrying cannot
    help (an invalid number, a number that opted out at the carrier)."""

    def __init__(self, message: str, *, permanent: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


class BaseSmsBackend(ABC):
    """What every SMS backend does (twilio, console, locmem)."""

    @abstractmethod
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        """Hand one SMS to the provider; return its message id. Raises SendError."""
