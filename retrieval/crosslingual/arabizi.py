"""Arabizi: Arabic typed in Latin letters, with digits for the letters Latin lacks.

"shu el tawsiye 3an esti5dam el adawat el ra2amiye" is «شو التوصية عن استخدام الأدوات
الرقمية». Such a query is neither English nor Arabic script: the glossary does not know its
words and the embeddings barely do. :func:`is_arabizi` recognizes it from two signs, either of
which is enough when the query's content words are mostly not English:

- a digit written as a letter inside a word (2 hamza, 3 ع, 5 خ, 6 ط, 7 ح, 8 ق, 9 ص): "3an",
  "esti5dam", "ra2amiye" (not "2nd", "G7", "COVID-19", "5G": ordinals, capitals, a digit run);
- the function words of spoken and written Arabic typed in Latin letters ("el", "fi", "shu",
  "3ala", "mesh"...): two of them or more.

Its content words are then matched to the corpus's Arabic words by the transliteration
matcher (:mod:`fahras.retrieval.crosslingual.names`, whose letter rules read the digits), as
expansions of kind ``arabizi``.
"""

from __future__ import annotations

import re

# Function words of Arabic as typed in Latin letters (MSA and the main spoken varieties):
# article, prepositions, conjunctions, question words, pronouns, negation, demonstratives.
FUNCTION_WORDS = frozenset("""
el al il l wel wal wil bel bil fel fil lel lil
fi fe fii b bi be min men mn mena 3an 3n an 3ala 3la ala 3al ma3 m3a la li le ila ela ilal lal
wa w ou aw aww walla willa wala bas bass kaman kamen 7atta hatta
shu sho shou shoo shno shnu esh eish ish wesh wsh eh eih eeh aish
keef kif kaif kayf izay ezay ezzay ezai leh lesh leish laish laysh lieh
wein wen wain fein fen fain feen mata emta imta imata amta kam kamm adesh addesh
hal hel ya ma mesh mish msh mosh mush mafi mafish mafeesh mshi lam lan laysa
ana ena enta inta enti inti howa huwa hwa hiya hia hya hum hom homma homa ne7na ni7na e7na
hay hayda haida hadha hatha hada hadi hadol hadool hek heik hik keda kda kida
illi elli eli yalli lli alli allazi alladhi allati elly illy
3shan 3ashan 3alashan 3lashan la2an li2an la2anno lianna liann ba3d b3d abl 2abl qabl
3ind 3and 3end 3nd 3omr tab3an
""".split())
_DIGITS = frozenset("2356789")
_ORDINAL = re.compile(r"\d+(st|nd|rd|th|e|er|eme|ème)", re.I)
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f0-9']+")
MIN_WORD = 3
MAX_WORDS = 16  # content words matched per query


def words_of(text: str) -> list[tuple[str, int, int]]:
    """Latin-script words of a text with their spans; digits and apostrophes inside a word
    are part of it ("3ala", "3'arb")."""
    return [(m.group().strip("'"), m.start(), m.start() + len(m.group().strip("'")))
            for m in _WORD.finditer(text) if m.group().strip("'")]


def has_letter_digit(word: str) -> bool:
    """A digit used as a letter: next to a letter, in a word that is not an ordinal, not in
    capitals (an acronym: G7, CO2) and not a run of digits with a letter (5G, 2024a)."""
    word = word.replace("'", "")  # 3'arb: the apostrophe belongs to the digit
    if not any(c in _DIGITS for c in word) or not any(c.isalpha() for c in word):
        return False
    if word.isupper() or _ORDINAL.fullmatch(word):
        return False
    digits = sum(c.isdigit() for c in word)
    letters = sum(c.isalpha() for c in word)
    if letters < 2 or digits > letters:
        return False
    return any(c in _DIGITS and ((k > 0 and word[k - 1].isalpha())
                                 or (k + 1 < len(word) and word[k + 1].isalpha()))
               for k, c in enumerate(word))


def is_arabizi(text: str, english) -> bool:
    """Whether a Latin-script query is Arabizi. ``english(word) -> bool``: the word is an
    English word (a dictionary's or the glossary's)."""
    words = [w.lower() for w, _, _ in words_of(text)]
    if not words:
        return False
    digit = [w for w in words if has_letter_digit(w)]
    function = [w for w in words if w in FUNCTION_WORDS]
    if not digit and len(function) < 2:
        return False
    content = [w for w in words if w not in FUNCTION_WORDS and not has_letter_digit(w)
               and not w.isdigit()]
    known = sum(1 for w in content if english(w))
    # Mostly English words around a stray digit word ("What did 3M say about ...") is English.
    return known <= 0.5 * (len(content) + len(digit))


def content_words(text: str) -> list[tuple[str, int, int]]:
    """The words of an Arabizi query to look up: not function words, at least 3 characters."""
    out = []
    for w, a, b in words_of(text):
        low = w.lower()
        if low in FUNCTION_WORDS or low.isdigit() or len(low) < MIN_WORD:
            continue
        out.append((low, a, b))
    return out[:MAX_WORDS]
