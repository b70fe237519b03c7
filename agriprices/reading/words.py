"""The words around names in a message that are not names: filler and question words
(which also tell the language), everyday words that are by chance some crop's name in
another language, the words that join two names, and the words for a kind of food.

Pure data, written as farmers type it (Latin transliterations of Russian and Kyrgyz
included) and folded as ``word_forms.fold`` folds a message's words (no accents; ң ө ү
as н о у; й as и), so each table is written once in its natural spelling.
"""

from __future__ import annotations

from agriprices.word_forms import fold


def folded(words: str) -> frozenset[str]:
    return frozenset(fold(word) for word in words.split())


def phrases(*texts: str) -> tuple[tuple[str, ...], ...]:
    """Each text as its folded words, for matching runs of words."""
    return tuple(tuple(fold(word) for word in text.split()) for text in texts)


def by_language(table: dict[str, str]) -> dict[str, str]:
    """Word -> the language it reveals; "" for a word several of the languages share."""
    found: dict[str, str] = {}
    for language, words in table.items():
        for word in folded(words):
            found[word] = "" if found.get(word, language) != language else language
    return found


_FILLER = {
    "en": """
        what whats which is are the a an price prices cost costs how much many of for in at
        on today now current please pls plz tell me give i want to buy sell market markets
        bazaar per kilo kg does do there this week latest and or vs hello hi dear thanks
        about just first find ask know from name
    """,
    "fr": """
        quel quelle quels quelles est sont le la les l un une de du des d prix combien coute
        coutent au aux marche marches svp stp sil vous plait aujourdhui aujourd hui kilo
        kg par je veux acheter vendre donne moi actuel cette semaine et ou bonjour salut
        merci pour litre sac se appelle nom
    """,
    "ru": """
        цена цены цену ценa сколько стоит стоят стоимость почем почём рынок рынке рынка
        рынку рынком рынки рынков рынках базаре базара базаром базаров базарах на в во
        сегодня пожалуйста пжл пж пож кг за кило какая какие какой скажите подскажите
        купить продать хочу мне сейчас дайте неделе и или а город городе города
        здравствуйте привет добрый день спасибо по что есть меня от зовут это
        skolko skoko tsena cena tsenu cenu tseny ceny stoit stoyat pochem rynok rynke
        rynka bazare segodnya pozhaluysta pojaluysta podskazhite podskajite skazhite
        skajite kakaya kakie kakoy v vo na i ili gorode kupit menya zovut
    """,
    "ky": """
        баасы баа баалары канча канчадан турат базарда базарында базарынын базардагы
        базары базарына базарынан базардан базарга базарлар базарларда базарларында
        базарындагы бугун сураныч эмне нарк наркы кандай билсем айтып бериниз берчи жана
        менен шаар шаары шаарында шаарындагы саламатсызбы салам рахмат бар атым менин
        kancha kanchadan baasy baasi baa turat bugun suranych bazarda bazarynda bazary
        jana menen shaarynda salam menin atym
    """,
}
# Words shared by several of the four languages say nothing about the language.
_NEUTRAL = "базар bazar bozor kg a sms смс"

#: Filler word -> the language it reveals ("" when it could be any).
FILLER: dict[str, str] = {**by_language(_FILLER), **dict.fromkeys(folded(_NEUTRAL), "")}

#: Short everyday words (articles, pronouns, modal verbs, conjunctions) that are also,
#: by chance, some crop's name in another language ("may" is Kyrgyz for oil, "un" for
#: flour, "mais" French for "but"), by the language they are everyday in. A name written
#: only in such words still counts when nothing else is named ("un osh"), but never
#: outranks another name in the message, unless typed with the accent the everyday word
#: lacks ("maïs") or joined to another crop by "and" in a language where it is not an
#: everyday word ("sut jana may", "kartoshka jana un").
EVERYDAY: dict[str, str] = by_language(
    {
        "en": "may can will shall might must i you he she it we they my your his her our their me",
        "fr": "un une mais ou et si sur sous avec",
        "ru": "и в на а но или да же не ни как где что кто",
        "ky": "жана же да де бул ал менен",
    }
)
COMMON = frozenset(EVERYDAY) | frozenset(FILLER)

#: What farmers write before their own name, and only before it ("je m'appelle Marie",
#: "меня зовут Алма", "менин атым Канат"): the word after is a person's, never a crop,
#: a market or a typo of one. Not "это", "I'm", "c'est", "je suis": a crop or a market
#: follows them as often ("это картофиль в Оше?").
INTRODUCTIONS = phrases(
    "my name is",
    "je m appelle",
    "меня зовут",
    "menya zovut",
    "менин атым",
    "menin atym",
    "атым",
    "atym",
)

#: Words that join two names ("potatoes and onions"), by language.
CONJUNCTIONS: dict[str, str] = by_language(
    {
        "en": "and or",
        "fr": "et ou",
        "ru": "и или",
        "ky": "жана менен же jana menen",
    }
)

#: Words naming a kind of food rather than one crop ("мясо баранина": meat, mutton).
#: Next to a crop of the same kind they describe it; they add no crop of their own.
GENERIC = folded("meat мясо myaso viande oil масло maslo huile май may")


def everyday_in(word: str, language: str) -> bool:
    """Whether ``word`` (folded) is an everyday word of ``language`` (or of any)."""
    return EVERYDAY.get(word) in (language, "") or FILLER.get(word) in (language, "")


def filler_language(word: str) -> str:
    """The language a filler word (folded) tells, or "" when it tells none."""
    return FILLER.get(word, "")
