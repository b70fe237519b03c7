"""The words of a farmer's message that are not names: question words, filler and
prepositions (which also tell the language), the words of the commands, and the words
that ask for something without the command's syntax ("list of markets", "по-русски",
"where can I sell potatoes", "please stop sending me messages").

Pure data, written as farmers type it (Latin transliterations of Russian and Kyrgyz
included) and folded here as ``word_forms.fold`` folds a message's words (no accents; ң ө
ү as н о у; й as и), so each table is written once in its natural spelling.
"""

from __future__ import annotations

from agriprices.word_forms import fold


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(word) for word in words.split())


def _by_language(table: dict[str, str]) -> dict[str, str]:
    """Word -> the language it reveals; "" for a word several of the languages share."""
    found: dict[str, str] = {}
    for language, words in table.items():
        for word in _folded(words):
            found[word] = "" if found.get(word, language) != language else language
    return found


_FILLER = {
    "en": """
        what whats which is are the a an price prices cost costs how much many of for in at
        on today now current please pls plz tell me give i want to buy sell market markets
        bazaar per kilo kg does do there this week latest and or vs hello hi dear thanks
        about just first find ask know
    """,
    "fr": """
        quel quelle quels quelles est sont le la les l un une de du des d prix combien coute
        coutent au aux marche marches svp stp sil vous plait aujourdhui aujourd hui kilo
        kg par je veux acheter vendre donne moi actuel cette semaine et ou bonjour salut
        merci pour litre sac
    """,
    "ru": """
        цена цены цену ценa сколько стоит стоят стоимость почем почём рынок рынке рынка
        рынку рынком рынки рынков рынках базаре базара базаром базаров базарах на в во
        сегодня пожалуйста пжл пж пож кг за кило какая какие какой скажите подскажите
        купить продать хочу мне сейчас дайте неделе и или а город городе города
        здравствуйте привет добрый день спасибо по
        skolko skoko tsena cena tsenu cenu tseny ceny stoit stoyat pochem rynok rynke
        rynka bazare segodnya pozhaluysta pojaluysta podskazhite podskajite skazhite
        skajite kakaya kakie kakoy v vo na i ili gorode kupit
    """,
    "ky": """
        баасы баа баалары канча канчадан турат базарда базарында базарынын базардагы
        базары базарына базарынан базардан базарга базарлар базарларда базарларында
        базарындагы бугун сураныч эмне нарк наркы кандай билсем айтып бериниз берчи жана
        менен шаар шаары шаарында шаарындагы саламатсызбы салам рахмат
        kancha kanchadan baasy baasi baa turat bugun suranych bazarda bazarynda bazary
        jana menen shaarynda salam
    """,
}
# Words shared by several of the four languages say nothing about the language.
_NEUTRAL = "базар bazar bozor kg a sms смс"

#: Filler word -> the language it reveals ("" when it could be any).
FILLER: dict[str, str] = {**_by_language(_FILLER), **dict.fromkeys(_folded(_NEUTRAL), "")}

#: Short everyday words (articles, pronouns, modal verbs, conjunctions) that are also,
#: by chance, some crop's name in another language ("may" is Kyrgyz for oil, "un" for
#: flour, "mais" French for "but"). A name written only in such words still counts when
#: nothing else is named ("un osh"), but never outranks another name in the message.
COMMON = _folded(
    """
    may can will shall might must i you he she it we they my your his her our their me
    un une mais ou et si sur sous avec
    и в на а но или да же не ни как где что кто
    жана же да де бул ал менен
    """
) | frozenset(FILLER)

#: Bare keywords: (command, language revealed or ""). They are commands only when the
#: whole message, less case, spaces and punctuation, is one of them (``STOP``, ``Stop!``,
#: ``stop all``); anywhere else they are words of a question.
BARE_KEYWORDS: dict[str, tuple[str, str]] = {
    fold(word): (command, language)
    for command, language, words in (
        # Carrier opt-out and opt-in words (Twilio and US/EU carriers honour these).
        ("opt_out", "", "stop stopall unsubscribe cancel end quit"),
        ("opt_out", "fr", "arret arreter arretez desabonner desabonnement"),
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
    )
    for word in words.split()
}

#: Beginnings of words that ask to stop messages ("stop sending", "хватит", "отпишите",
#: "токтоткула", "жибербегиле"), whole short words that do, and two-word phrases: such a
#: message naming no crop or market gets the help text that says how to stop, never a
#: silent opt-out.
STOP_PLEA_STEMS = tuple(
    fold(stem)
    for stem in """
        stop unsubscri cancel arret desabon desinscri
        стоп хватит отпис отпиш присылаите токто жибербе
    """.split()
)
STOP_PLEA_WORDS = _folded("end quit unsub")
STOP_PLEA_PHRASES = (("no", "more"), ("dont", "send"), ("do", "not"))
#: Words that ask for help when nothing is named ("help me", "помогите").
HELP_WORDS = _folded("help aide aidez помогите помощь справка жардам инфо info")

#: Words that ask for the list of crops or markets (LIST), by the kind they name.
LIST_KINDS: dict[str, str] = {
    **dict.fromkeys(
        _folded(
            """
            crops crop products produce commodities goods items produits produit cultures
            культуры культур товары товаров товар продукты продуктов азык азыктар
            азыктардын товарлар
            """
        ),
        "crops",
    ),
    **dict.fromkeys(
        _folded(
            """
            markets market bazaars marches marche рынки рынков базары базаров базарлар
            базарлардын базарларды
            """
        ),
        "markets",
    ),
}
#: Words that ask for a list whatever it lists.
LIST_WORDS = _folded("list liste lister список перечень тизме тизмеси тизмесин spisok tizme")

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
SELL_WORDS = _folded(
    """
    sell selling vendre vends vendrai продать продам продаю продавать сдать
    сатуу сатам сатсам сатайын саткым prodat prodam satam satsam satuu
    """
)
