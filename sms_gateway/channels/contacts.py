"""Who is writing: the one sender lookup every channel uses (text channels, USSD, the
simulator), and the limits every sender's address is held to.

Each address may ask SMS_MAX_QUERIES_PER_HOUR questions an hour and receive
SMS_MAX_SEGMENTS_PER_DAY of reply cost a day (segments by SMS, messages on a chat,
screens by USSD: each channel's ``cost``); the number a market agent reports from, the
SMS_AGENT_ limits (a round is a report a price). Past the hourly limit one notice, then
silence; STOP, START and UNSUB always act. The counters live in the shared cache
(config.counters), so several web processes count together.
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings

from agriprices.models import AgentProfile
from config import counters
from sms_gateway.channels import Channel
from sms_gateway.conversation.acting import reporting_agent
from sms_gateway.models import Subscriber


def sender(channel: Channel, raw: str, *, app_language: str = "") -> Subscriber | None:
    """The subscriber behind ``raw`` as ``channel`` writes its senders, created on its
    first message; None when we must not answer it (a short code, a robot, a country we
    do not serve). ``app_language``: the language the sender's app is set to, when the
    channel says it (one of ours, or ""): kept as their ``app_language``, following a
    change. Must run inside a transaction."""
    address = channel.address(raw)
    if address is None:
        return None
    subscriber = Subscriber.objects.filter(phone=address).first()
    if subscriber is None:
        # Not get_or_create: no savepoint round trips on the path every message takes.
        Subscriber.objects.bulk_create(
            [Subscriber(phone=address, app_language=app_language)], ignore_conflicts=True
        )
        subscriber = Subscriber.objects.get(phone=address)
    if app_language and subscriber.app_language != app_language:
        subscriber.app_language = app_language
        subscriber.save(update_fields=["app_language"])
    return subscriber


def nobody() -> Subscriber:
    """The asker behind the ask API: no settings, no history, nothing remembered."""
    return Subscriber()


class Limits:
    """The two limits of one address. ``phone``: the number behind it, for an agent's
    limits (looked up only once a farmer's limit is passed)."""

    def __init__(self, address: str, phone: str | None = None) -> None:
        self.address = address
        self.phone = phone

    @cached_property
    def agent(self) -> AgentProfile | None:
        """The agent reporting from the number (looked up once a farmer's limit is
        passed: the notice is in their language too)."""
        return reporting_agent(self.phone)

    def _most(self, used: int, farmers: int, agents: int) -> int:
        # An agent's number has the farmers' limits and more: agents' limits set lower
        # (a deployer raising the farmers' alone) leave it the farmers'.
        return max(agents, farmers) if used > farmers and self.agent is not None else farmers

    def ask(self) -> tuple[bool, bool]:
        """Count a question: (allowed, whether this one just passed the hourly limit,
        so it gets the one notice)."""
        asked = counters.count("sms-queries", self.address, window_seconds=3600)
        most = self._most(
            asked, settings.SMS_MAX_QUERIES_PER_HOUR, settings.SMS_AGENT_MAX_QUERIES_PER_HOUR
        )
        return asked <= most, asked == most + 1

    def asked_up(self) -> bool:
        """Whether the hour's questions are spent (the next would be refused), counting
        none: for what must not start when it would end in a refusal (a callback)."""
        asked = counters.peek("sms-queries", self.address, window_seconds=3600) + 1
        most = self._most(
            asked, settings.SMS_MAX_QUERIES_PER_HOUR, settings.SMS_AGENT_MAX_QUERIES_PER_HOUR
        )
        return asked > most

    def spend(self, cost: int) -> bool:
        """Count a reply's cost; False when the day's allowance is spent (say nothing)."""
        spent = counters.count("sms-segments", self.address, window_seconds=86400, by=cost)
        most = self._most(
            spent, settings.SMS_MAX_SEGMENTS_PER_DAY, settings.SMS_AGENT_MAX_SEGMENTS_PER_DAY
        )
        return spent <= most
