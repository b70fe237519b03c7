"""Nothing stops silently: an SMS list that does not fit says how to get the rest, and
that works; WhatsApp fills its 1,000 characters; two crops or two markets asked at once
are both answered, or the reply says how to ask for the other; a confirmation shortens
names before it drops its condition."""

import itertools
import re

import pytest

from agriprices.formatting import rounded_price
from agriprices.models import Commodity, Market
from agriprices.selectors.latest import latest_prices
from sms_gateway import channels
from sms_gateway.channels import inbound
from sms_gateway.conversation.understanding import understand
from sms_gateway.models import Subscriber
from sms_gateway.segments import count_segments

numbers = (f"+99655535{n:04d}" for n in itertools.count())
#: What each language sends for a list, and how its reply points to the next page.
LIST_COMMANDS = {
    "en": ("LIST", "LIST MARKETS", r"More: (LIST(?: MARKETS)? \d+)$"),
    "fr": ("LISTE", "LISTE MARCHES", r"Suite : (LISTE(?: MARCHES)? \d+)$"),
    "ru": ("СПИСОК", "СПИСОК РЫНКОВ", r"Ещё: (СПИСОК(?: РЫНКОВ)? \d+)$"),
    "ky": ("ТИЗМЕ", "ТИЗМЕ БАЗАРЛАР", r"Дагы: (ТИЗМЕ(?: БАЗАРЛАР)? \d+)$"),
}


def send(text, sender):
    return inbound.receive(
        provider="test", provider_sid=f"{sender}:{next(numbers)}", sender=sender, body=text
    ).reply


def subscriber(language):
    phone = next(numbers)
    Subscriber.objects.create(phone=phone, language=language)
    return phone


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
@pytest.mark.parametrize("kind", ["crops", "markets"])
def test_a_list_that_does_not_fit_says_how_to_get_the_rest_and_that_works(demo, language, kind):
    crops, markets, more = LIST_COMMANDS[language]
    phone = subscriber(language)
    things = Commodity.objects.all() if kind == "crops" else Market.objects.all()
    expected = sorted(t.display_name(language) for t in things)
    reply, shown, pages = send(crops if kind == "crops" else markets, phone), [], 0
    while True:
        pages += 1
        assert count_segments(reply).segments == 1, reply
        pointer = re.search(more, reply)
        body = reply[: pointer.start()].rstrip(". ") if pointer else reply
        shown += body.split(": ", 1)[1].split(", ")
        if not pointer:
            break
        reply = send(pointer.group(1), phone)
        assert pages < 10
    assert sorted(shown) == expected  # every one, once
    if language in ("ru", "ky") and kind == "crops":
        assert pages > 1  # 18 crops in Cyrillic do not fit 70 characters


#: How a reply says how many pages a list has, in each language.
ONLY = {
    "en": r"^Only (\d+) pages?\b",
    "fr": r"^Seulement (\d+) pages?\b",
    "ru": r"^Всего (\d+) страниц",
    "ky": r"^Болгону (\d+) бет\b",
}


def first_page_of(kind, language):
    """What a farmer sends for the first page of each list a number pages."""
    if kind in ("crops", "markets"):
        crops, markets, _ = LIST_COMMANDS[language]
        return crops if kind == "crops" else markets
    thing = (
        Market.objects.get(name="Osh")
        if kind == "market"
        else Commodity.objects.get(name="Potatoes")
    )
    return thing.display_name(language).upper()


@pytest.mark.parametrize("scheme", ["", "whatsapp:"])
@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
@pytest.mark.parametrize("kind", ["crops", "markets", "market", "crop"])
def test_a_page_past_the_last_says_how_many_there_are_and_leads_to_the_last(
    demo, kind, language, scheme
):
    """LIST 9, LIST MARKETS 9, OSH 9, POTATOES 9 when the list has fewer pages: not the
    last page as if it were the ninth, but how many pages there are, in one message, with
    the last page or what to send for it (which gives it)."""
    phone = f"{scheme}{next(numbers)}"
    Subscriber.objects.create(phone=phone, language=language)
    room = channels.for_address(phone).room
    asked = first_page_of(kind, language)
    pointer = rf"{re.escape(MORE[language])}(.+ \d+)$"
    last, pages = ask(asked, phone), 1
    while next_page := re.search(pointer, last):
        last, pages = ask(next_page.group(1), phone), pages + 1
        assert pages < 10
    for past in (pages + 1, 99):
        reply = ask(f"{asked} {past}", phone)
        assert room.fits(reply) and ".." not in reply, reply
        if kind == "crop" and scheme:  # a chat lists every market at once: no pages
            assert reply == last
            continue
        only = re.search(ONLY[language], reply)
        assert only is not None and int(only.group(1)) == pages, reply
        if not reply.endswith(f" {last}"):  # no room for the last page: what to send for it
            assert ask(reply.rsplit(": ", 1)[1], phone) == last, reply


def test_whatsapp_lists_fill_a_thousand_characters(demo):
    sender = f"whatsapp:{next(numbers)}"
    reply = send("LIST", sender)
    names = reply.split(": ", 1)[1].split(", ")
    assert sorted(names) == sorted(c.name for c in Commodity.objects.all())
    osh = send("osh", sender)  # every crop priced at Osh, none left out
    assert "more" not in osh and osh.count("/") >= 18
    assert len(osh) <= 1000


def test_two_crops_at_one_market_are_both_answered_in_one_segment(demo):
    reply = send("potatoes and onions in osh", next(numbers))
    assert reply.startswith("Potatoes Osh: ") and ". Onions Osh: " in reply
    assert count_segments(reply).segments == 1


def test_one_crop_at_two_markets_is_answered_for_both(demo):
    reply = send("картошка в Оше и в Бишкеке", subscriber("ru"))
    assert reply.startswith("Картофель Ош: ") and "Картофель Бишкек: " in reply
    assert count_segments(reply).segments == 1


@pytest.mark.parametrize("language", ["ru", "ky"])
@pytest.mark.parametrize(
    ("question", "first"),
    [("ош нарын", "Osh"), ("талас каракол", "Talas"), ("каракол бишкек", "Karakol")],
)
def test_two_markets_list_a_few_crops_with_what_to_send_for_the_rest(
    demo, language, question, first
):
    """Not "Талас: Яблоки 49.5/kg, ещё 17": a count with no way to the seventeen. Both
    lists with their pointers where they fit, else the first and what to ask next."""
    phone = subscriber(language)
    reply = send(question, phone)
    assert count_segments(reply).segments == 1
    assert not re.search(r"(ещё|дагы) \d+", reply, re.IGNORECASE), reply
    name = Market.objects.get(name=first).display_name(language)
    assert f"{MORE[language]}{name.upper()}" in reply, reply
    assert send(name.upper(), phone).startswith(f"{name} (KGS): ")


def test_two_long_ones_come_as_one_list_under_the_name_they_share(demo):
    reply = send("подсолнечное масло и кукуруза в Джалал-Абаде", subscriber("ru"))
    assert count_segments(reply).segments == 1
    assert re.match(r"Джалал-Абад \(KGS\): Подсолнечное масло [\d.]+/l, Кукуруза [\d.]+/kg$", reply)


def test_old_prices_are_never_listed_without_their_days(demo, clock):
    """The list under a shared name gives no days: a three-week-old price in it passed
    for today's."""
    clock(4 * 7 * 24 * 3600)  # every demo price is old
    reply = send("подсолнечное масло и кукуруза в Джалал-Абаде", subscriber("ru"))
    assert count_segments(reply).segments == 1
    assert not reply.startswith("Джалал-Абад"), reply  # fresh, they come as that list
    prices = re.findall(r"[\d.]+ KGS/\w+ (\d\d\.\d\d)?", reply)
    assert prices and all(prices), reply  # each with its day


@pytest.mark.parametrize("question", ["талас", "фасоль", "талас каракол"])
def test_a_list_gives_an_old_price_its_day_and_only_an_old_one(demo, clock, question):
    """A market's crops, a crop's markets: "Фасоль 109/kg" was a four-week-old price
    passing for today's. Fresh ones stay as short as they were."""
    phone = subscriber("ru")
    fresh = send(question, phone)
    assert not re.search(r"/\w+ \d\d\.\d\d", fresh) or "Талас" in fresh, fresh
    clock(4 * 7 * 24 * 3600)  # every demo price is old
    reply = send(question, phone)
    items = re.findall(r"[\d.]+/\w+( \d\d\.\d\d)?", reply)
    assert items and all(items), reply


def test_when_both_do_not_fit_the_reply_says_how_to_ask_for_the_other(demo):
    """Both answered in one Cyrillic SMS where the day's prices let them fit (leaner,
    one market each); else the first, and the exact message for the other."""
    phone = subscriber("ru")
    reply = send("подсолнечное масло и кукуруза", phone)
    assert count_segments(reply).segments == 1
    assert reply.startswith("Подсолнечное масло"), reply
    ask = re.search(r"Ещё спросите: (.+)$", reply)
    if ask is None:
        assert re.search(r"\. Кукуруза[ :(]", reply), reply
    else:
        assert ask.group(1) == "КУКУРУЗА", reply
        assert send(ask.group(1), phone).startswith("Кукуруза (KGS): ")


def test_two_on_whatsapp_come_one_under_the_other(demo):
    reply = send("potatoes and onions in osh", f"whatsapp:{next(numbers)}")
    assert reply.startswith("Potatoes Osh: ") and "\n\nOnions Osh: " in reply
    assert "Every market, cheapest first:" in reply and len(reply) <= 1000


@pytest.mark.parametrize(
    ("language", "text", "condition"),
    [
        ("ru", "подписка подсолнечное масло джалал-абад 15", "15%"),
        ("ky", "жазылуу күн карама майы жалал-абад 15", "15%"),
        ("fr", "abo huile de tournesol jalal-abad 15", "15 %"),
        ("en", "SUB SUNFLOWER OIL JALAL-ABAD 15", "15%"),
        ("ru", "подписка подсолнечное масло джалал-абад пт", "Пт"),
    ],
)
def test_a_confirmation_shortens_names_before_it_drops_its_condition(
    demo, language, text, condition
):
    reply = send(text, subscriber(language))
    assert count_segments(reply).segments == 1
    assert condition in reply and not reply.endswith(".."), reply


AND = {"en": "and", "fr": "et", "ru": "и", "ky": "жана"}
ALSO_ASK = {
    "en": "Also ask: ",
    "fr": "Demandez aussi : ",
    "ru": "Ещё спросите: ",
    "ky": "Дагы сураңыз: ",
}
MORE = {"en": "More: ", "fr": "Suite : ", "ru": "Ещё: ", "ky": "Дагы: "}


def ask(text, phone):
    """The reply ``phone`` would get, changing nothing and counting against no limit."""
    return inbound.answer(
        channel=channels.for_address(phone),
        sender=phone,
        body=text,
        message_key="pairs",
        simulated=True,
    )[1]


def asked_for(hint: str) -> set[tuple[str, str]]:
    """The (crop, market) pairs the messages of an "Also ask" hint ask about."""
    pairs = set()
    for query in hint.split("; "):
        request = understand(query)
        crops = [c.name for c in request.crops] or [getattr(request.commodity, "name", "")]
        markets = [m.name for m in request.markets] or [getattr(request.market, "name", "")]
        pairs |= {(c, m) for c in crops for m in markets}
    return pairs


def test_two_crops_named_anyhow_come_first_named_first_and_never_a_cut_hint(demo, capsys):
    """Every two crops, in every language, joined by its "and" (1,224 messages): one
    segment, the first named answered first, and the other answered too, or asked for
    by a whole message that reads as that crop, or, where that does not fit, by the
    question sent again from the second on. Never the first alone."""
    crops = list(Commodity.objects.all())
    left_out, again, total = [], 0, 0
    for language in LIST_COMMANDS:
        phone = subscriber(language)
        for a, b in itertools.permutations(crops, 2):
            first, other = a.display_name(language), b.display_name(language)
            reply = ask(f"{first} {AND[language]} {other}", phone)
            total += 1
            assert count_segments(reply).segments == 1 and ".." not in reply, reply
            assert re.match(rf"{re.escape(first)}( \(|:)", reply), reply
            body, _, hint = reply.partition(ALSO_ASK[language])
            onwards = re.search(AGAIN[language], reply)
            if hint:
                assert asked_for(hint) == {(b.name, "")}, reply
            elif onwards:
                assert onwards.group(1) == "2", reply
                again += 1
            elif not re.search(rf"(\. |^){re.escape(other)}( \(|:)", body):
                left_out.append(reply)
    with capsys.disabled():
        print(f"\ntwo crops: {total - again}/{total} answered or asked for whole")
    assert left_out == []


@pytest.mark.parametrize(
    ("text", "language", "named"),
    [
        ("potato, onion, carrot osh", "en", (["Potatoes", "Onions", "Carrots"], ["Osh"])),
        ("лук, картошка, морковь в Оше", "ru", (["Onions", "Potatoes", "Carrots"], ["Osh"])),
        ("лук в Оше, Бишкеке, Нарыне", "ru", (["Onions"], ["Osh", "Bishkek", "Naryn"])),
        ("potato onion osh bishkek", "en", (["Potatoes", "Onions"], ["Osh", "Bishkek"])),
        ("rice and corn in osh and bishkek", "en", (["Rice", "Maize"], ["Osh", "Bishkek"])),
        ("картошка и лук в оше и бишкеке", "ru", (["Potatoes", "Onions"], ["Osh", "Bishkek"])),
        (
            "pommes de terre, oignons et carottes à Osh",
            "fr",
            (["Potatoes", "Onions", "Carrots"], ["Osh"]),
        ),
        ("Ошто, Бишкекте жана Нарында пияз канча", "ky", (["Onions"], ["Osh", "Bishkek", "Naryn"])),
        (
            "potatoes onions carrots cabbage rice osh",
            "en",
            (["Potatoes", "Onions", "Carrots", "Cabbage", "Rice"], ["Osh"]),
        ),
        (
            "лук картошка морковь капуста рис ош",
            "ru",
            (["Onions", "Potatoes", "Carrots", "Cabbage", "Rice"], ["Osh"]),
        ),
    ],
)
def test_every_crop_at_every_market_named_is_answered_or_asked_for(demo, text, language, named):
    """Three crops, three markets, two by two: each pair is answered (its price is in the
    reply) or the reply says what to send for it; nothing named vanishes."""
    reply = send(text, subscriber(language))
    assert count_segments(reply).segments == 1, reply
    body, _, hint = reply.partition(ALSO_ASK[language])
    pending = asked_for(hint) if hint else set()
    crops, markets = named
    onwards = re.search(AGAIN[language], reply)
    if onwards:  # the question again with that number: from that pair on
        body = reply[: onwards.start()]
        pairs = [(crop, market) for market in markets for crop in crops]
        pending |= set(pairs[int(onwards.group(1)) - 1 :])
    for crop_name in crops:
        for market_name in markets:
            if (crop_name, market_name) in pending:
                continue
            crop, market = (
                Commodity.objects.get(name=crop_name),
                Market.objects.get(name=market_name),
            )
            latest = latest_prices(commodity=crop, market=market).get()
            assert crop.display_name(language) in body and market.display_name(language) in body, (
                crop_name,
                market_name,
                reply,
            )
            assert f"{rounded_price(latest.price):f}" in body, (crop_name, market_name, reply)
    assert pending <= {(c, m) for c in crops for m in markets}, reply


#: How a reply says to send the question again from the one at that place on.
AGAIN = {
    "en": r"For the rest, send your question again with (\d+) at the end$",
    "fr": r"Reste : redemandez \+ (\d+)$",
    "ru": r"Дальше: повторите вопрос \+ (\d+)$",
    "ky": r"Калганы: кайра сураңыз \+ (\d+)$",
}


NUMBER_AT_END = re.compile(r" \d+$")


def pairs_asked(question: str) -> list[tuple[str, str]]:
    """The (crop, market) pairs ``question`` asks about, in the order replies take them
    (each market's crops, market by market), from the place its number says on."""
    request = understand(question)
    crops = [c.name for c in request.crops] or [getattr(request.commodity, "name", "")]
    markets = [m.name for m in request.markets] or [getattr(request.market, "name", "")]
    pairs = [(crop, market) for market in markets for crop in crops]
    start = request.command.page
    return pairs[start - 1 :] if start <= len(pairs) else pairs


def priced_in(body: str, pair: tuple[str, str], language: str) -> bool:
    """Whether ``body`` gives the price of the crop at the market, naming both (a short
    answer names them by their first ten letters)."""
    crop, market = Commodity.objects.get(name=pair[0]), Market.objects.get(name=pair[1])
    latest = latest_prices(commodity=crop, market=market).get()
    names = (crop.display_name(language)[:10], market.display_name(language)[:10])
    return all(name in body for name in names) and f"{rounded_price(latest.price):f}" in body


LONG_NAMES = {
    "jalal-abad": {"en": "Jalal-Abad Central Bazaar", "ru": "Джалал-Абад центральный базар"},
    "karakol": {"en": "Karakol Ak-Tilek Market", "ru": "Каракол рынок Ак-Тилек"},
}


@pytest.mark.parametrize("scheme", ["whatsapp:", "telegram:"])
def test_a_chat_answers_eight_markets_in_one_message(demo, scheme):
    """An SMS looks up four and names the rest to ask; a chat has room for all eight."""
    number = next(numbers)
    phone = f"{scheme}{number.lstrip('+') if scheme == 'telegram:' else number}"
    reply = send("potatoes osh naryn talas batken karakol jalal-abad bishkek tokmok", phone)
    names = ["Osh", "Naryn", "Talas", "Batken", "Karakol", "Jalal-Abad", "Bishkek", "Tokmok"]
    assert all(f"Potatoes {name}: " in reply for name in names), reply
    assert "Also ask" not in reply and channels.for_address(phone).room.fits(reply)


@pytest.mark.parametrize("weeks_on", [0, 4], ids=["today", "every price old"])
@pytest.mark.parametrize("long_names", [False, True], ids=["names", "long names"])
@pytest.mark.parametrize("scheme", ["", "whatsapp:", "telegram:"])
@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "potatoes osh naryn talas batken karakol jalal-abad bishkek tokmok"),
        ("fr", "pommes de terre osh naryn talas batken karakol jalal-abad bishkek tokmok"),
        ("ru", "картошка ош нарын талас баткен каракол джалал-абад бишкек токмак"),
        ("ky", "картошка ош нарын талас баткен каракол жалал-абад бишкек токмок"),
        ("ru", "подсолнечное масло и кукуруза в Оше, Нарыне, Таласе, Баткене и Караколе"),
        ("en", "potatoes onions carrots osh naryn talas batken karakol"),
    ],
)
def test_every_pair_named_is_reached_by_following_the_replies(
    demo, language, question, scheme, long_names, weeks_on, clock
):
    """A question naming many crops and markets (up to 9 names, past the parser's 8
    terms): each reply fits one message of its channel, answers one at least, and ends
    with what to send for all the others, which, sent exactly as said (a message of the
    hint, or the question again with the number), answers the next ones and leads on to
    the rest. Following the replies answers every crop at every market named, each by
    its names, also when every price is old (the longest answers: the names once came
    out cut to nothing, "..: 162 KGS/l 19.11, цена 3 недели назад")."""
    clock(weeks_on * 7 * 24 * 3600)
    if long_names:
        for slug, names in LONG_NAMES.items():
            market = Market.objects.get(slug=slug)
            market.name, market.translations = names["en"], {**market.translations, **names}
            market.save()
    number = next(numbers)
    phone = f"{scheme}{number.lstrip('+') if scheme == 'telegram:' else number}"
    Subscriber.objects.create(phone=phone, language=language)
    room = channels.for_address(phone).room
    everything = pairs_asked(question)
    answered: set[tuple[str, str]] = set()
    to_send = [question]
    while to_send:
        sent = to_send.pop(0)
        reply = ask(sent, phone)
        assert room.fits(reply) and ".." not in reply, reply
        body, _, hint = reply.partition(ALSO_ASK[language])
        onwards = re.search(AGAIN[language], reply)
        asked = set(pairs_asked(sent))
        if onwards:
            body = reply[: onwards.start()]
            again = f"{NUMBER_AT_END.sub('', sent)} {onwards.group(1)}"
            pending = set(pairs_asked(again))
            to_send.append(again)
        else:
            pending = asked_for(hint) if hint else set()
            to_send += hint.split("; ") if hint else []
        assert pending < asked, (sent, reply)  # one answered at least; nothing new asked
        for pair in asked - pending:
            assert priced_in(body, pair, language), (pair, sent, reply)
        answered |= asked - pending
        assert len(answered) + len(to_send) < 40
    assert answered == set(everything)
    assert len(everything) >= 8


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ky"])
def test_a_markets_crops_come_page_by_page_and_the_pointer_works(demo, language):
    market = Market.objects.get(name="Osh")
    priced = sorted(row.commodity.display_name(language) for row in latest_prices(market=market))
    phone = subscriber(language)
    reply, shown, pages = send(market.display_name(language).upper(), phone), [], 0
    while True:
        pages += 1
        assert count_segments(reply).segments == 1, reply
        pointer = re.search(rf"{re.escape(MORE[language])}(\S+ \d+)$", reply)
        body = reply[: pointer.start()].rstrip(". ") if pointer else reply
        shown += [item.rsplit(" ", 1)[0] for item in body.split(": ", 1)[1].split(", ")]
        if not pointer:
            break
        reply = send(pointer.group(1), phone)
        assert pages < 10
    assert sorted(shown) == priced  # every crop priced there, once
    if language in ("ru", "ky"):
        assert pages > 2


@pytest.mark.parametrize(
    ("text", "language", "page"),
    [
        ("osh 2", "en", 2),
        ("LIST OSH 2", "en", 2),
        ("Ош 2", "ru", 2),
        ("список Ош", "ru", 1),
        ("СПИСОК ОШ 2", "ru", 2),
        ("ТИЗМЕ ОШ 3", "ky", 3),
        ("liste Osh 2", "fr", 2),
        ("Ош базарында эмне бар", "ky", 1),
        ("что есть на рынке Ош", "ru", 1),
    ],
)
def test_a_markets_page_is_asked_as_farmers_write_it(demo, text, language, page):
    phone = subscriber(language)
    reply = send(Market.objects.get(name="Osh").display_name(language).upper(), phone)
    for _ in range(page - 1):
        reply = send(re.search(rf"{re.escape(MORE[language])}(\S+ \d+)$", reply).group(1), phone)
    assert send(text, phone) == reply


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_a_crop_alone_that_does_not_fit_pages_to_its_other_markets(demo, language):
    """A crop asked alone answers for three markets; where their prices do not fit one
    Cyrillic SMS, the reply says what to send for the rest, and that works."""
    # Every market with a long name, so that some crop's three prices cannot fit,
    # whichever three markets have the newest prices on the day the suite runs.
    suffix = {"ru": "центральный базар", "ky": "борбордук базары"}[language]
    for market in Market.objects.all():
        name = market.display_name(language)
        market.translations = {**market.translations, language: f"{name} {suffix}"}
        market.save()
    paged = 0
    for crop in Commodity.objects.all():
        phone = subscriber(language)
        reply, markets = send(crop.display_name(language).upper(), phone), []
        for _ in range(4):
            assert count_segments(reply).segments == 1, reply
            pointer = re.search(rf"{re.escape(MORE[language])}(.+ \d+)$", reply)
            body = reply[: pointer.start()].rstrip(". ") if pointer else reply
            markets += [item.rsplit(" ", 1)[0] for item in body.split(": ", 1)[1].split(", ")]
            if not pointer:
                break
            paged += 1
            reply = send(pointer.group(1), phone)
        assert len(markets) == len(set(markets)) == 3, (crop.name, markets)
    assert paged  # some crops' names and prices are too long for one page
