"""USSD menus on the conversation core: every screen from the answers given so far
(the gateway's ``text``), so no session is kept on the server. Choices build the same
requests free text does, and the same acting answers them; the last screen is the
answer's SMS text, which always fits a screen.

Screens are at most 182 characters. Lists longer than a screen are paged: ``0`` shows
more, ``00`` goes back. A wrong answer shows the same screen again with a short note.
The first screen is the main menu in the number's language (English until it chose
one), with the four languages offered beside it; one chosen there applies to the rest of
the session and is kept when it ends. So a resent request, whatever was kept meanwhile,
reads the same answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import get_language_info, pgettext

from agriprices import selectors
from agriprices.models import Commodity, Market
from sms_gateway import replies
from sms_gateway.conversation.acting import act
from sms_gateway.conversation.parser import Command
from sms_gateway.conversation.understanding import Request
from sms_gateway.models import Subscriber

#: The most a USSD screen holds (GSM networks: 182 characters).
SCREEN = 182
MORE, BACK = "0", "00"


@dataclass(frozen=True)
class Screen:
    text: str
    final: bool  # END: the session is over


@dataclass
class _Frame:
    """One screen on the way: what it lists, which page of it, what was chosen before."""

    kind: str
    page: int = 0
    chosen: dict[str, Any] = field(default_factory=dict)


def screen_for(answers: Sequence[str], subscriber: Subscriber) -> Screen:
    """The screen to show after ``answers`` (empty: the first screen). Must run inside a
    transaction: the last screen may subscribe, unsubscribe or stop the number."""
    walk = _Walk(subscriber)
    wrong = False
    for answer in answers:
        if walk.final is not None:
            break
        wrong = not walk.step(answer.strip())
    return walk.show(wrong)


class _Walk:
    def __init__(self, subscriber: Subscriber) -> None:
        self.subscriber = subscriber
        self.language = subscriber.language
        self.frames = [_Frame("main")]
        self.final: Screen | None = None

    # --- moving through the menus -------------------------------------------------------

    def step(self, answer: str) -> bool:
        """Apply one answer; False when it is not one the screen offers (nothing moves)."""
        frame = self.frames[-1]
        if answer == BACK:
            if len(self.frames) > 1:
                self.frames.pop()
                return True
            return False
        items = self._items(frame)
        pages = _pages(self._heading(frame), [label for label, _ in items], self._lang)
        if answer == MORE:
            if frame.page + 1 < len(pages):
                frame.page += 1
                return True
            return False
        if not answer.isdigit():
            return False
        shown = pages[frame.page] if pages else []
        number = int(answer)
        if not 1 <= number <= len(shown):
            return False
        _label, choose = items[shown[number - 1]]
        choose()
        return True

    def _open(self, kind: str, **chosen: Any) -> None:
        self.frames.append(_Frame(kind, chosen={**self.frames[-1].chosen, **chosen}))

    def _choose_language(self, language: str) -> None:
        self.language = language
        self.frames = [_Frame("main")]

    def _finish(self, request: Request) -> None:
        """The last screen: the answer to a request, acted on like an SMS."""
        with transaction.atomic():
            if self.language and self.subscriber.language != self.language:
                self.subscriber.language = self.language
                self.subscriber.save(update_fields=["language"])
            outcome = act(request, self.subscriber, message_key="")
        self.final = Screen(replies.render(outcome.answer, self._lang), final=True)

    @property
    def _lang(self) -> str:
        return self.language or settings.LANGUAGE_CODE

    # --- what each screen lists -----------------------------------------------------------

    def _items(self, frame: _Frame) -> list[tuple[str, Callable[[], None]]]:
        lang, chosen = self._lang, frame.chosen
        if frame.kind == "main":
            with translation.override(lang):
                actions = [
                    (pgettext("ussd", "Price of a crop"), lambda: self._open("crop", then="query")),
                    (pgettext("ussd", "Where to sell"), lambda: self._open("crop", then="sell")),
                    (pgettext("ussd", "Subscribe"), lambda: self._open("crop", then="subscribe")),
                    (pgettext("ussd", "Unsubscribe"), lambda: self._open("followed")),
                    (pgettext("ussd", "Stop all SMS"), lambda: self._finish(_ask("opt_out"))),
                ]
            languages = [
                (_autonym(code), partial(self._choose_language, code))
                for code, _name in settings.LANGUAGES
            ]
            return actions + languages
        if frame.kind == "crop":
            return [
                (crop.display_name(lang), partial(self._picked_crop, crop))
                for crop in selectors.commodities()
            ]
        if frame.kind == "market":
            crop = chosen["crop"]
            if chosen["then"] == "query":  # only where the crop has a price
                markets = [row.market for row in selectors.latest_prices(commodity=crop)]
                markets.sort(key=lambda m: m.display_name(lang))
            else:
                markets = list(selectors.markets())
            return [
                (
                    market.display_name(lang),
                    partial(self._finish, _ask(chosen["then"], commodity=crop, market=market)),
                )
                for market in markets
            ]
        if frame.kind == "followed":
            followed = self.subscriber.subscriptions.select_related("commodity", "market")
            return (
                [
                    (
                        f"{s.commodity.display_name(lang)} {s.market.display_name(lang)}",
                        partial(
                            self._finish,
                            _ask("unsubscribe", commodity=s.commodity, market=s.market),
                        ),
                    )
                    for s in followed.order_by("commodity__name", "market__name")
                ]
                if self.subscriber.pk
                else []
            )
        raise ValueError(f"no USSD screen {frame.kind!r}")  # pragma: no cover

    def _picked_crop(self, crop: Commodity) -> None:
        if self.frames[-1].chosen["then"] == "sell":
            self._finish(_ask("sell", commodity=crop))
        else:
            self._open("market", crop=crop)

    def _heading(self, frame: _Frame) -> str:
        with translation.override(self._lang):
            return {
                "main": "AgriPrices",
                "crop": pgettext("ussd", "Choose a crop"),
                "market": pgettext("ussd", "Choose a market"),
                "followed": pgettext("ussd", "Stop following"),
            }[frame.kind]

    # --- showing the screen -----------------------------------------------------------------

    def show(self, wrong: bool) -> Screen:
        if self.final is not None:
            return self.final
        frame, lang = self.frames[-1], self._lang
        items = self._items(frame)
        with translation.override(lang):
            if not items:
                return Screen(pgettext("ussd", "Nothing to choose here."), final=True)
            pages = _pages(self._heading(frame), [label for label, _ in items], lang)
            heading = self._heading(frame)
            if wrong:
                note = pgettext("ussd", "Not a choice.")
                heading = f"{note} {heading}"
            page = min(frame.page, len(pages) - 1)
            labels = [items[i][0] for i in pages[page]]
            more, back = page + 1 < len(pages), len(self.frames) > 1
            return Screen(_layout(heading, labels, more, lang, back), final=False)


def _autonym(language: str) -> str:
    """A language's name in itself (Français, Кыргызча), as Django knows it."""
    name = str(get_language_info(language)["name_local"])
    return name[:1].upper() + name[1:]


def _ask(
    action: str, *, commodity: Commodity | None = None, market: Market | None = None
) -> Request:
    terms = ("menu",) if action == "unsubscribe" else ()  # one subscription, not all SMS
    return Request(Command(action, terms=terms), commodity=commodity, market=market)


def _layout(
    heading: str, labels: Sequence[str], more: bool, language: str, back: bool = True
) -> str:
    more_label, back_label, _note = _words(language)
    lines = [heading, *(f"{n} {label}" for n, label in enumerate(labels, 1))]
    if more:
        lines.append(f"{MORE} {more_label}")
    if back:
        lines.append(f"{BACK} {back_label}")
    return "\n".join(lines)


def _pages(heading: str, labels: Sequence[str], language: str) -> list[list[int]]:
    """The labels' indexes, page by page, as many on each as fit a screen with room left
    for "More", "Back" and the note a wrong answer adds before the heading."""
    more_label, back_label, note = _words(language)
    fixed = len(f"{note} {heading}") + len(f"\n{MORE} {more_label}\n{BACK} {back_label}")
    pages: list[list[int]] = []
    current: list[int] = []
    used = fixed
    for index, label in enumerate(labels):
        line = len(f"\n{len(current) + 1} {label}")
        if current and used + line > SCREEN:
            pages.append(current)
            current, used = [], fixed
            line = len(f"\n1 {label}")
        current.append(index)
        used += line
    if current:
        pages.append(current)
    return pages


def _words(language: str) -> tuple[str, str, str]:
    """ "More", "Back" and the wrong-answer note in ``language``."""
    with translation.override(language):
        return (
            pgettext("ussd", "More"),
            pgettext("ussd", "Back"),
            pgettext("ussd", "Not a choice."),
        )
