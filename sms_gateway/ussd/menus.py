"""USSD menus on the conversation core. Each screen is worked out from the answers the
gateway sends (its ``text``: every answer so far), replayed from the first screen; what
a list showed is kept with the session (``lists``: the ids, in the order shown), so a
choice always names the thing that was on the screen, never "item 1 of the list as it is
now". Choices build the same requests free text does, and the same acting answers them;
the last screen is the answer, fitted to the screen.

Every screen is sized by its encoding (``segments.ussd_size``: 182 GSM-7 characters, 80
once a character needs UCS-2). Lists longer than a screen are paged: ``0`` shows more,
``00`` goes back one page (or one screen). A wrong answer shows the same screen with a
short note in place of its heading. The first screen is the main menu in the number's
language (English until it chose one); a language chosen applies at once and is kept.
"Stop all SMS" asks to confirm; a number that stopped them can have them again, from the
menu or on the way to subscribing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import get_language_info, pgettext

from agriprices import name_index
from agriprices.models import Commodity, Market
from agriprices.selectors.latest import markets_priced
from sms_gateway import channels
from sms_gateway.conversation.acting import Outcome, act
from sms_gateway.conversation.language import reply_language
from sms_gateway.conversation.parser import Command
from sms_gateway.conversation.understanding import Request
from sms_gateway.models import Subscriber
from sms_gateway.segments import USSD_SCREEN, plain

MORE, BACK = "0", "00"
#: What a list shows: the tokens it offers (ids, pairs of ids, codes), in order.
Lists = dict[str, list[Any]]
Item = tuple[str, Callable[[], None]]


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


def screen_for(
    answers: Sequence[str], subscriber: Subscriber, *, lists: Lists, language: str
) -> Screen:
    """The screen to show after ``answers`` (empty: the first screen). ``lists`` holds
    what the session's lists showed (read, and filled with what is shown first now);
    ``language`` is the one the session began in. Must run inside a transaction: the
    last screen may subscribe, unsubscribe, stop or restart the number's SMS."""
    walk = MenuWalk(subscriber, lists, language)
    wrong = walk.replay(answers)
    return walk.show(wrong)


class MenuWalk:
    """The menus on the conversation core, walked answer by answer. USSD lays them out
    as screens (``show``); another menu channel (voice) subclasses it for its own
    layout and paging, and keeps the items, the choices and what they act on."""

    more, back = MORE, BACK

    def __init__(
        self, subscriber: Subscriber, lists: Lists, language: str, *, start: Sequence[str] = ()
    ) -> None:
        self.subscriber = subscriber
        self.lists = lists
        self.language = language
        self.frames = [_Frame("main")]
        for kind in start:  # menus opened before the first answer ("languages", "crop")
            if kind == "crop":
                self._open(kind, then="query")
            else:
                self._open(kind)
        self.final: Screen | None = None
        #: What the last screen's request came to (None until the walk acted).
        self.outcome: Outcome | None = None

    def replay(self, answers: Sequence[str]) -> bool:
        """Walk ``answers`` from the start; True when the last one was not a choice the
        screen offered. A language chosen on the way is kept for the number."""
        wrong = False
        for answer in answers:
            if self.final is not None:
                break
            wrong = not self.step(answer.strip())
        if self.subscriber.pk:
            self.keep_language()
        return wrong

    # --- moving through the menus -------------------------------------------------------

    def step(self, answer: str) -> bool:
        """Apply one answer; False when it is not one the screen offers (nothing moves)."""
        frame = self.frames[-1]
        if answer == self.back:
            if frame.page > 0:
                frame.page -= 1
            elif len(self.frames) > 1:
                self.frames.pop()
            else:
                return False
            return True
        items = self._items(frame)
        pages = self._pages(frame, [label for label, _ in items])
        if answer == self.more:
            if frame.page + 1 < len(pages):
                frame.page += 1
                return True
            return False
        if not (answer.isascii() and answer.isdigit()):  # "²" is a digit, not a number
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

    def keep_language(self) -> None:
        """A language chosen in the menu is the number's choice, as LANG is: the core
        acts on it like the command."""
        if self.language and self.subscriber.language != self.language:
            chosen = Request(Command("lang", set_language=self.language))
            act(chosen, self.subscriber, message_key="")

    def _finish(self, *requests: Request) -> None:
        """The last screen: the answer to the last of ``requests``, each acted on like an
        SMS, in order."""
        with transaction.atomic():
            self.keep_language()
            for request in requests:
                outcome = act(request, self.subscriber, message_key="")
        self.outcome = outcome
        self.final = self.answer_screen(outcome)

    def answer_screen(self, outcome: Outcome) -> Screen:
        """The last screen: the answer, fitted to a USSD screen."""
        return Screen(channels.named("ussd").render(outcome.answer, self._lang), final=True)

    def _gone(self) -> None:
        """A thing a list showed was removed from the catalogue since."""
        with translation.override(self._lang):
            self.final = Screen(pgettext("ussd", "No longer offered. Dial again."), final=True)

    @property
    def _lang(self) -> str:
        return reply_language(chosen=self.language)

    @cached_property
    def _names(self) -> tuple[name_index.NameIndex[Commodity], name_index.NameIndex[Market]]:
        # The catalogue's names, read once a walk (a walk is one request): every list of
        # the walk from one version, and one read of it from the shared cache, not one a step.
        return name_index.indexes()

    # --- what each screen lists -----------------------------------------------------------

    def _listed(self, key: str, tokens: Callable[[], list[Any]]) -> list[Any]:
        """What the list ``key`` showed in this session; computed (and kept) the first
        time it is shown, so a later choice names the same thing."""
        if key not in self.lists:
            self.lists[key] = tokens()
        return self.lists[key]

    def _items(self, frame: _Frame) -> list[Item]:
        lang, chosen = self._lang, frame.chosen
        crops, places = self._names
        if frame.kind == "main":
            return [self._action(entry) for entry in self._listed("main", self._main_entries)]
        if frame.kind == "languages":
            return [
                (_autonym(code), partial(self._choose_language, code))
                for code, _name in settings.LANGUAGES
            ]
        if frame.kind == "confirm_stop":
            with translation.override(lang):
                return [(pgettext("ussd", "Yes, stop them"), lambda: self._finish(_ask("opt_out")))]
        if frame.kind == "confirm_start":
            crop, market = crops.get(chosen["crop"]), places.get(chosen["market"])
            if crop is None or market is None:
                return [("-", self._gone)]
            with translation.override(lang):
                label = pgettext("ussd", "Yes, get SMS again")
            return [
                (
                    label,
                    partial(
                        self._finish,
                        _ask("opt_in"),
                        _ask("subscribe", commodity=crop, market=market),
                    ),
                )
            ]
        if frame.kind == "crop":
            ids = self._listed(f"crops:{lang}", lambda: _by_name(crops.things(), lang))
            return [self._thing(crops, pk, self._picked_crop) for pk in ids]
        if frame.kind == "market":
            crop = crops.get(chosen["crop"])
            key = f"markets:{lang}:{chosen['then']}:{chosen['crop']}"
            ids = self._listed(key, lambda: self._market_ids(chosen["then"], crop))
            choose = partial(self._asked, chosen["then"], crop)
            return [self._thing(places, pk, choose) for pk in ids]
        if frame.kind == "followed":
            pairs = self._listed(f"followed:{lang}", self._followed_pairs)
            items = []
            for crop_id, market_id in pairs:
                crop, market = crops.get(crop_id), places.get(market_id)
                if crop is None or market is None:
                    items.append(("-", self._gone))
                    continue
                label = f"{crop.display_name(lang)} {market.display_name(lang)}"
                items.append((label, partial(self._asked, "unsubscribe", crop, market)))
            return items
        raise ValueError(f"no USSD screen {frame.kind!r}")  # pragma: no cover

    def _asked(self, action: str, crop: Commodity | None, market: Market) -> None:
        if action == "subscribe" and self.subscriber.opted_out and crop is not None:
            # Subscribing needs SMS: the number stopped them, so ask to have them again.
            self._open("confirm_start", crop=crop.pk, market=market.pk)
            return
        self._finish(_ask(action, commodity=crop, market=market))

    def _main_entries(self) -> list[str]:
        stop_or_start = "opt_in" if self.subscriber.opted_out else "confirm_stop"
        return ["query", "sell", "subscribe", "followed", stop_or_start, "languages"]

    def _action(self, entry: str) -> Item:
        with translation.override(self._lang):
            if entry == "query":
                return pgettext("ussd", "Price of a crop"), lambda: self._open("crop", then="query")
            if entry == "sell":
                return pgettext("ussd", "Where to sell"), lambda: self._open("crop", then="sell")
            if entry == "subscribe":
                return pgettext("ussd", "Subscribe"), lambda: self._open("crop", then="subscribe")
            if entry == "followed":
                return pgettext("ussd", "Unsubscribe"), lambda: self._open("followed")
            if entry == "confirm_stop":
                return pgettext("ussd", "Stop all SMS"), lambda: self._open("confirm_stop")
            if entry == "opt_in":
                return pgettext("ussd", "Get SMS again"), lambda: self._finish(_ask("opt_in"))
            label = pgettext("ussd", "Language")
            if not self.language:  # not chosen yet: say which there are, in any script
                label = f"{label} {'/'.join(code.upper() for code, _ in settings.LANGUAGES)}"
            return label, lambda: self._open("languages")

    def _thing(
        self, index: name_index.NameIndex[Any], pk: int, choose: Callable[[Any], None]
    ) -> Item:
        # Every thing of the list is named, the one chosen is taken (a copy of its own):
        # a list of 250 markets is named in a menu, never copied.
        label = index.name_of(pk, self._lang)
        if label is None:
            return "-", self._gone
        return label, lambda: choose(index.get(pk))

    def _market_ids(self, then: str, crop: Commodity | None) -> list[int]:
        places = self._names[1].things()
        if then == "query" and crop is not None:  # only where the crop has a price
            priced = markets_priced(commodity=crop)
            places = [market for market in places if market.pk in priced]
        return _by_name(places, self._lang)

    def _followed_pairs(self) -> list[list[int]]:
        if not self.subscriber.pk:
            return []
        followed = self.subscriber.subscriptions.select_related("commodity", "market")
        rows = sorted(
            followed,
            key=lambda s: (s.commodity.display_name(self._lang), s.market.display_name(self._lang)),
        )
        return [[s.commodity_id, s.market_id] for s in rows]

    def _picked_crop(self, crop: Commodity) -> None:
        if self.frames[-1].chosen["then"] == "sell":
            self._finish(_ask("sell", commodity=crop))
        else:
            self._open("market", crop=crop.pk)

    def _heading(self, frame: _Frame) -> str:
        with translation.override(self._lang):
            return {
                "main": "AgriPrices",
                "languages": pgettext("ussd", "Language"),
                "confirm_stop": pgettext("ussd", "Stop every SMS from us?"),
                "confirm_start": pgettext("ussd", "You stopped our SMS. Get them again?"),
                "crop": pgettext("ussd", "Choose a crop"),
                "market": pgettext("ussd", "Choose a market"),
                "followed": pgettext("ussd", "Stop following"),
            }[frame.kind]

    # --- laying out the screen ----------------------------------------------------------------

    def _pages(self, frame: _Frame, labels: Sequence[str]) -> list[list[int]]:
        """The labels' indexes, page by page: all on one screen when they fit, else as
        many on each as fit with "More" and "Back" below and the heading or the
        wrong-answer note above, measured by the screen's encoding."""
        headings = (self._heading(frame), self._note())
        nested = len(self.frames) > 1

        def fits(indexes: list[int], more: bool, page: int) -> bool:
            shown = [labels[i] for i in indexes]
            back = nested or page > 0
            return all(
                USSD_SCREEN.fits(self._layout(heading, shown, more=more, back=back))
                for heading in headings
            )

        everything = list(range(len(labels)))
        if fits(everything, more=False, page=0):
            return [everything]
        pages: list[list[int]] = []
        current: list[int] = []
        for index in everything:
            if current and not fits([*current, index], more=True, page=len(pages)):
                pages.append(current)
                current = []
            current.append(index)
        pages.append(current)
        return pages

    def _layout(self, heading: str, labels: Sequence[str], *, more: bool, back: bool) -> str:
        lines = [heading, *(f"{n} {label}" for n, label in enumerate(labels, 1))]
        with translation.override(self._lang):
            more_label, back_label = pgettext("ussd", "More"), pgettext("ussd", "Back")
        if more:
            lines.append(f"{MORE} {more_label}")
        if back:
            lines.append(f"{BACK} {back_label}")
        return plain("\n".join(lines))

    def _note(self) -> str:
        with translation.override(self._lang):
            return pgettext("ussd", "Not a choice.")

    def show(self, wrong: bool) -> Screen:
        if self.final is not None:
            return self.final
        frame = self.frames[-1]
        items = self._items(frame)
        if not items:
            with translation.override(self._lang):
                return Screen(pgettext("ussd", "Nothing to choose here."), final=True)
        pages = self._pages(frame, [label for label, _ in items])
        page = min(frame.page, len(pages) - 1)
        text = self._layout(
            self._note() if wrong else self._heading(frame),
            [items[i][0] for i in pages[page]],
            more=page + 1 < len(pages),
            back=len(self.frames) > 1 or page > 0,
        )
        return Screen(text, final=False)


def _autonym(language: str) -> str:
    """A language's name in itself (Français, Кыргызча), as Django knows it."""
    name = str(get_language_info(language)["name_local"])
    return name[:1].upper() + name[1:]


def _by_name(things: Any, language: str) -> list[int]:
    """The ids of ``things`` in the order of their names in ``language``."""
    return [t.pk for t in sorted(things, key=lambda t: t.display_name(language).casefold())]


def _ask(
    action: str, *, commodity: Commodity | None = None, market: Market | None = None
) -> Request:
    """The request a menu choice makes: the command with the crop and market chosen
    (UNSUB with them ends that one subscription, as the text UNSUB POTATO OSH does)."""
    return Request(Command(action), commodity=commodity, market=market)
