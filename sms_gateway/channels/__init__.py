"""Every way a person reaches us is one Channel object in one registry.

A channel says how its addresses are written (``scheme``: "" for a phone number by SMS,
"whatsapp:", "telegram:"), which senders it answers (``address``), how it renders the
conversation core's answer in a language (``render``), what a reply costs against the
daily limit (``cost``, measured as its network measures it) and how it sends
(``send``). The registry is ``settings.CHANNELS``, dotted paths like Django's backends;
a channel's own webhook URLs (``urlpatterns``) are served from it too
(sms_gateway.channels.urls), so adding a channel is its module and a line of settings.

Nothing outside this package asks which channel an address belongs to by its text:
``for_address`` does, once. Menu channels (USSD, voice) answer on a phone number's
behalf and send nothing of their own: they have no scheme.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from sms_gateway.backends import SendError
from sms_gateway.conversation import answers
from sms_gateway.segments import Room


class Channel(ABC):
    """One channel. Subclasses set the class attributes, say how they read an address and
    render an answer, and override what else differs."""

    #: Short name, stored with each message the channel brings ("sms", "telegram").
    name: ClassVar[str]
    #: How its addresses start; None for a channel without addresses of its own.
    scheme: ClassVar[str | None] = None
    #: What one reply holds, as the network measures it.
    room: ClassVar[Room]
    #: Whether the inbound webhook carries the reply back (Twilio's TwiML); otherwise
    #: the reply is queued and sent like any message (Telegram's sendMessage).
    answers_inline: ClassVar[bool] = True
    #: Whether a crop's price comes with every market's (room for more than an SMS).
    every_market: ClassVar[bool] = False
    #: This channel's webhooks, served under the site's root.
    urlpatterns: ClassVar[list[Any]] = []

    def owns(self, address: str) -> bool:
        return self.scheme is not None and address.startswith(self.scheme)

    @abstractmethod
    def address(self, sender: str) -> str | None:
        """The sender's address as we store it, or None when we must not answer it."""

    def phone(self, address: str) -> str | None:
        """The phone number behind ``address`` (E.164), for a channel addressed by phone
        numbers: whose number it is says which market agent is writing. None for an
        address that is no phone number (a Telegram chat)."""
        return None

    def may_send(self, address: str) -> bool:
        """Whether we may send to ``address`` at all (SMS: an allowed country)."""
        return True

    @abstractmethod
    def render(self, answer: answers.Answer, language: str) -> str:
        """The reply that says ``answer`` in ``language``. Queries nothing."""

    def cost(self, reply: str) -> int:
        """What ``reply`` costs against the sender's daily limit (0 for no reply)."""
        return 1 if reply else 0

    def send(self, *, to: str, body: str, unprompted: bool = False) -> str:
        """Hand one message to the provider; its id. Raises backends.SendError.
        ``unprompted``: not an answer to a message the person just sent. A menu channel
        (USSD) answers within its session and sends nothing of its own: refused for good."""
        raise SendError(f"{self.name} sends nothing of its own", permanent=True, about_number=False)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The provider's id of this message if it got it since ``since`` (asked after a
        worker died mid-send); None when it did not, or cannot tell: sent again."""
        return None


@functools.cache
def _registry(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    channels = tuple(import_string(path)() for path in paths)
    # The longest scheme first: "" (a bare phone number) answers for what is left.
    return tuple(sorted(channels, key=lambda c: -len(c.scheme or "")))


def registry() -> tuple[Channel, ...]:
    return _registry(tuple(settings.CHANNELS))


def for_address(address: str) -> Channel:
    """The channel an address belongs to. Raises LookupError for none."""
    for channel in registry():
        if channel.owns(address):
            return channel
    raise LookupError(f"no channel for {address[:12]!r}")


def named(name: str) -> Channel:
    for channel in registry():
        if channel.name == name:
            return channel
    raise LookupError(f"no channel named {name!r}")
