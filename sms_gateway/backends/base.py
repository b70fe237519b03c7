from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime


class SendError(Exception):
    """A message could not be handed to the provider. ``permanent`` says retrying cannot
    help (an invalid number, a number that opted out at the carrier); ``ambiguous`` that
    the provider may have taken it (no answer in time), so it must not simply be resent;
    ``about_number`` (with permanent) that the number cannot receive, rather than that
    our own setup is wrong; ``retry_after`` (not permanent) how many seconds the provider
    asked us to wait before trying again (Telegram's flood control)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        ambiguous: bool = False,
        code: str = "",
        about_number: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.code = code
        self.about_number = about_number
        self.retry_after = retry_after


class BaseSmsBackend(ABC):
    """What every SMS backend does (twilio, console, locmem)."""

    @abstractmethod
    def send(
        self, *, to: str, body: str, status_callback: str = "", unprompted: bool = False
    ) -> str:
        """Hand one message to the provider; return its message id. Raises SendError.
        ``unprompted``: not an answer to a message the person just sent (an alert, a
        digest, a broadcast); WhatsApp takes those only as a pre-approved template."""

    def send_whatsapp(self, *, to: str, body: str, unprompted: bool = False) -> str:
        """Hand one WhatsApp message to the provider (``to``: "whatsapp:" and the number,
        as Twilio writes it). Backends without WhatsApp refuse, for good."""
        raise SendError(
            f"{type(self).__name__} sends no WhatsApp", permanent=True, about_number=False
        )

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The id of this SMS if the provider got it at or after ``since``, else None.
        Asked after a worker died mid-send, so that the message is neither lost nor sent
        twice. Backends that cannot tell say None: the message is sent again."""
        return None
