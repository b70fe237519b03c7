"""The words of a farmer's message that are commands: the words of the commands, and
the words that ask for something without the command's syntax ("list of markets",
"по-русски", "where can I sell potatoes", "please stop sending me messages"). The words
around names (filler, question words, everyday words) belong to the reading of names,
``agriprices.reading.words``.

Pure data, written as farmers type it (Latin transliterations of Russian and Kyrgyz
included) and folded here as ``word_forms.fold`` folds a message's words (no accents; ң ө
ү as н о у; й as и), so each table is written once in its natural spelling.
"""

from __future__ import annotations

from agriprices.reading.words import (
    CONJUNCTIONS,
    FILLER,
    by_language,
    folded,
    phrases,
)
from agriprices.word_forms import fold

__all__ = ["CONJUNCTIONS", "FILLER"]


#: Bare keywords: (command, language revealed or ""). They are commands only when the
#: whole message, less case, spaces and punctuation, is one of them (``STOP``, ``Stop!``,
#: ``stop all``); anywhere else they are words of a question.
BARE_KEYWORDS: dict[str, tuple[str, str]] = {
    fold(word): (command, language)
    for command, language, words in (
        # Carrier opt-out and opt-in words (Twilio and US/EU carriers honour these).
        ("opt_out", "", "stop stopall unsubscribe cancel end quit"),
        (
            "opt_out",
            "fr",
            "arret arrete arretes arreter arretez desabonner desabonnement desinscrire "
            "desinscription",
        ),
        ("opt_out", "ru", "стоп отписаться отмена"),
        ("opt_out", "ky", "токто токтот токтотуу tokto toktot"),
        ("opt_in", "", "start unstop"),
        ("opt_in", "fr", "demarrer reprendre"),
        ("opt_in", "ru", "старт начать возобновить"),
        ("opt_in", "ky", "башта баштоо bashta bashtoo"),
        ("help", "en", "help"),
        ("help", "", "info ?"),
        ("help", "fr", "aide"),
        ("help", "ru", "помощь справка инфо"),
        ("help", "ky", "жардам маалымат"),
        # "More" alone, sent back after a list's "More: LIST 2": how to get the next page.
        ("more", "en", "more next"),
        ("more", "fr", "suite encore"),
        ("more", "ru", "еще ещё дальше далее"),
        ("more", "ky", "дагы андан ары"),
    )
    for word in words.split()
}

# What a bare keyword looks like typed on the other keyboard: Cyrillic letters that look
# like Latin ones ("STОP" with a Cyrillic О; "СТОР", where С stands for the S a Cyrillic
# keyboard lacks), Latin ones that look Cyrillic ("CTOП"), and the keys of one layout
# pressed with the other active ("ыещз" is "stop" typed on ЙЦУКЕН, "cnjg" is "стоп").
_LOOKS = (
    str.maketrans("асеокрхутмнві", "aceokpxytmhbi"),
    str.maketrans("асеокрхутмнві", "aseokpxytmhbi"),
    str.maketrans("acekopxytmhb", "асекорхутмнв"),
)
_QWERTY, _JCUKEN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.", "йцукенгшщзхъфывапролджэячсмитьбю"
_LAYOUTS = (str.maketrans(_JCUKEN, _QWERTY), str.maketrans(_QWERTY, _JCUKEN))
_LONGEST_KEYWORD = max(map(len, BARE_KEYWORDS))


def bare_keyword(typed: str) -> tuple[str, str] | None:
    """The bare keyword a whole message is, ``typed`` being its letters and digits in
    lower case (no spaces or punctuation), also when written with look-alike letters or
    on the other keyboard layout: (command, the language it reveals or ""), or None."""
    whole = fold(typed)
    if whole in BARE_KEYWORDS or len(whole) > _LONGEST_KEYWORD:
        return BARE_KEYWORDS.get(whole)
    seen = [
        *(whole.translate(table) for table in _LOOKS),
        *(fold(typed.translate(table)) for table in _LAYOUTS),
    ]
    return next((BARE_KEYWORDS[word] for word in seen if word in BARE_KEYWORDS), None)


#: Beginnings of words that ask to stop messages ("stop sending", "хватит", "отпишите",
#: "токтоткула", "жибербегиле"), by the language they tell ("" for any): a message
#: naming no crop or market with one of them gets the help text that says how to stop,
#: never a silent opt-out.
STOP_PLEA_STEMS: dict[str, str] = {
    fold(stem): language
    for language, stems in (
        ("", "stop стоп"),
        ("en", "unsubscri cancel"),
        ("fr", "arret desabon desinscri"),
        ("ru", "хватит отпис отпиш останов прекрат"),
        ("ky", "токто жибербе toktot jiberbe zhiberbe"),
    )
    for stem in stems.split()
}
STOP_PLEA_WORDS = folded("end quit unsub")
#: Phrases that ask for no more messages ("no more", "don't send", "ne plus", "не
#: присылайте").
STOP_PLEA_PHRASES = frozenset(
    phrases(
        "no more",
        "dont send",
        "do not send",
        "dont text",
        "do not text",
        "ne plus",
        "veux plus",
        "envoyez plus",
        "pas envoyer",
        "не присылайте",
        "не присылать",
        "не отправляйте",
        "не надо",
    )
)
#: Beginnings of words that name the messages themselves ("sms", "messages", "sending",
#: "рассылку", "кабар"): with a stop word, a plea even where crops are named ("stop
#: sending potato prices").
MESSAGE_STEMS = tuple(
    fold(stem)
    for stem in """
        sms смс messag text send alert notif recev envoi envoy сообщ рассылк присыл
        отправл уведом жибер кабар билдир
    """.split()
)
#: Words that, with a crop and a market and nothing else, ask to stop following them
#: ("unsubscribe potato osh", "отписаться картошка ош"), by language ("" for any).
UNSUB_WORDS: dict[str, str] = by_language(
    {
        "en": "unsubscribe cancel",
        "fr": "desabonner desabonne desabonnez desinscrire desinscris annuler",
        "ru": "отписаться отпишите отпиши отписать отменить отмените",
        "ky": "токтотуу токтотуңуз",
    }
)
#: Words that ask for help when nothing is named ("help me", "помогите").
HELP_WORDS: dict[str, str] = by_language(
    {
        "en": "help",
        "fr": "aide aidez",
        "ru": "помогите помощь справка",
        "ky": "жардам",
    }
) | dict.fromkeys(folded("инфо info"), "")

#: Words that ask for the list of crops or markets (LIST), by the kind they name.
LIST_KINDS: dict[str, str] = {
    **dict.fromkeys(
        folded(
            """
            crops crop products produce commodities goods items produits produit cultures
            культуры культур товары товаров товар продукты продуктов азык азыктар
            азыктардын товарлар tovary tovarov produkty azyktar
            """
        ),
        "crops",
    ),
    **dict.fromkeys(
        folded(
            """
            markets market bazaars marches marche рынки рынков рынок базары базаров базарлар
            базарлардын базарларды rynki rynkov rynok bazary bazarov bazarlar
            """
        ),
        "markets",
    ),
}
#: Words that ask for a list whatever it lists, by the language they tell.
LIST_WORDS: dict[str, str] = by_language(
    {
        "en": "list",
        "fr": "liste lister",
        "ru": "список перечень spisok",
        "ky": "тизме тизмеси тизмесин tizme",
    }
)

#: A language named in any of the four languages, as LANG takes it and as a message
#: asking for it says it ("по-русски", "en français", "орусча жазгыла").
LANGUAGE_NAMES: dict[str, str] = {
    fold(word): code
    for code, words in (
        ("en", "english anglais английский английском англисче angliyskiy"),
        (
            "fr",
            "francais french французский французском французча frantsuzskiy",
        ),
        (
            "ru",
            "русский русском русски русского орусча russian russe russkiy russki",
        ),
        (
            "ky",
            "кыргызча кыргызский кыргызском кыргызски киргизский kyrgyz kirghiz kyrgyzcha "
            "kirgizskiy",
        ),
    )
    for word in words.split()
}
#: Short codes LANG also takes after its keyword (never alone: "en" is French for "in").
LANGUAGE_CODES = {"en": "en", "eng": "en", "fr": "fr", "ru": "ru", "rus": "ru"} | {
    "ky": "ky",
    "kg": "ky",
    "kyr": "ky",
}

#: Words that say the farmer wants to sell, not to buy: a crop named with one of them and
#: no market is the SELL question (where it fetches most).
SELL_WORDS: dict[str, str] = by_language(
    {
        "en": "sell selling",
        "fr": "vendre vends vendrai",
        "ru": "продать продам продаю продавать сдать prodat prodam",
        "ky": "сатуу сатам сатсам сатайын саткым satam satsam satuu",
    }
)


def word_language(word: str) -> str:
    """The language a word that is not a name tells (question words, filler, the words
    of the commands and of a plea to stop), or "" when it tells none."""
    for table in (FILLER, LIST_WORDS, SELL_WORDS, UNSUB_WORDS, HELP_WORDS):
        if table.get(word):
            return table[word]
    if word in BARE_KEYWORDS:
        return BARE_KEYWORDS[word][1]
    return next((lang for stem, lang in STOP_PLEA_STEMS.items() if word.startswith(stem)), "")


#: The price type a market agent's report may name after its price (``P APPLES OSH 38
#: KG WHOLESALE 4321``; retail when it names none): (price type, language, phrases, the
#: first being the one reminders write). A phrase of two words is typed with a space or
#: a dash ("bord-champ"). The types are ``agriprices.models.PriceType``'s values.
_PRICE_TYPE_PHRASES = (
    ("retail", "en", ("retail",)),
    ("retail", "fr", ("détail", "detaillant")),
    ("retail", "ru", ("розница", "розн", "розничная", "розничный")),
    ("retail", "ky", ("чекене",)),
    ("wholesale", "en", ("wholesale",)),
    ("wholesale", "fr", ("gros",)),
    ("wholesale", "ru", ("опт", "оптом", "оптовая", "оптовый")),
    ("wholesale", "ky", ("дүң",)),
    ("farmgate", "en", ("farmgate", "farm gate", "farm")),
    ("farmgate", "fr", ("bord-champ", "bordchamp", "producteur")),
    ("farmgate", "ru", ("ферма", "производитель", "производителя", "у производителя", "фермер")),
    ("farmgate", "ky", ("ферма", "өндүрүүчү", "өндүрүүчүдөн")),
)
#: Each phrase as folded words -> its price type, the longest phrases first.
PRICE_TYPE_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        {
            tuple(fold(word) for word in phrase.replace("-", " ").split()): price_type
            for price_type, _, phrases in _PRICE_TYPE_PHRASES
            for phrase in phrases
        }.items(),
        key=lambda pair: -len(pair[0]),
    )
)


def price_type_word(price_type: str, language: str) -> str:
    """How a report names ``price_type`` in ``language`` (what a reminder writes)."""
    for known, written_in, written in _PRICE_TYPE_PHRASES:
        if known == price_type and written_in == language:
            return written[0]
    return price_type_word(price_type, "en") if language != "en" else price_type
