"""The words around a crop and a market in a farmer's question: question words, filler,
prepositions. They name nothing, so understanding looks past them; most also tell the
language the farmer writes in. Folded as word_forms.fold folds (no accents, ң ө ү as
н о у), Latin transliterations of Russian and Kyrgyz included.
"""

from __future__ import annotations

_BY_LANGUAGE = {
    "en": """
        what whats which is are the a an price prices cost costs how much many of for in at
        on today now current please pls plz tell me give i want to buy sell market markets
        bazaar per kilo kg does do there this week latest
    """,
    "fr": """
        quel quelle quels quelles est sont le la les l un une de du des d prix combien coute
        coutent au aux marche marches svp stp sil vous plait aujourdhui aujourd hui kilo
        kg par je veux acheter vendre donne moi actuel cette semaine
    """,
    "ru": """
        цена цены цену ценa сколько стоит стоят стоимость почем рынок рынке рынка на в во
        сегодня пожалуйста пжл пж кг за кило какая какие какой скажите подскажите
        купить продать хочу мне сейчас дайте неделе
        skolko tsena cena stoit pochem rynok rynke segodnya pozhaluysta
    """,
    "ky": """
        баасы баа баалары канча турат базарда базарында базарынын базардагы бугун
        сураныч эмне нарк наркы кандай билсем айтып бериниз берчи
        kancha baasy baasi baa turat bugun suranych bazarda bazarynda
    """,
}
# Words shared by several of the four languages say nothing about the language.
_NEUTRAL = """
    базар bazar bozor kg a
"""

#: Filler word -> the language it reveals ("" when it could be any).
FILLER: dict[str, str] = {}
for _language, _words in _BY_LANGUAGE.items():
    for _word in _words.split():
        FILLER[_word] = "" if FILLER.get(_word, _language) != _language else _language
for _word in _NEUTRAL.split():
    FILLER[_word] = ""
