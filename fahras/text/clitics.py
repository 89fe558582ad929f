"""Arabic proclitics: the one segmentation of the letters that may lead a word.

A normalized Arabic word (:func:`fahras.text.arabic.normalize`) may start with, in this order
and at most one of each:

- a conjunction: و «and», ف «so, then» (:data:`CONJUNCTIONS`);
- a preposition: ب «with, by», ل «for, to», ك «like, as» (:data:`PREPOSITIONS`);
- the article ال (:data:`ARTICLE`), which after ل is written لل: «للهجرة» is ل + الهجرة.

:func:`readings` lists every way of reading a word's first letters so: «والتهريب» is the word
itself, و + «التهريب», or و + ال + «تهريب». A leading letter may just as well belong to the word
(«وظيفة», «بلد», «كتاب»), so a reading is a possibility, never a verdict: each caller keeps the
readings it can use and weighs them (stemming, a sentence's content words, names, countries,
structural references); :func:`without_letter` is the one cheap reading, for a lookup in a
list of words. :func:`attach` is the other direction: a word with a clitic written in
front («ل» + «الهجرة» -> «للهجرة»), and :data:`PREFIX_PATTERN` / :data:`ARTICLE_PATTERN` are the
same inventory as regular-expression fragments.
"""

from __future__ import annotations

from dataclasses import dataclass

CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ل", "ك")
ARTICLE = "ال"
LETTERS = CONJUNCTIONS + PREPOSITIONS  # the one-letter clitics
# ل before the article is written لل (the article's alef is dropped).
_L_ARTICLE = "لل"

#: Any proclitic prefix, possibly empty (a regular-expression fragment, no groups that capture).
PREFIX_PATTERN = "(?:[وف]?(?:[بك]?ال|لل|[بلك])?)"
#: A proclitic prefix that ends with the article: «ال», «وال», «بال», «لل», «وبال», ...
ARTICLE_PATTERN = "(?:[وف]?(?:[بك]?ال|لل))"


@dataclass(frozen=True)
class Reading:
    """One reading of a word's first letters: its one-letter clitics, whether the article
    follows them, and the rest (``core``, without the article)."""

    conj: str
    prep: str
    article: bool
    core: str

    @property
    def letters(self) -> str:
        """The one-letter clitics (conjunction and preposition), as written."""
        return self.conj + self.prep

    @property
    def prefix(self) -> str:
        """Everything before the core, as written («وال», «لل», «ب», or nothing)."""
        if not self.article:
            return self.letters
        return self.conj + (_L_ARTICLE if self.prep == "ل" else self.prep + ARTICLE)

    @property
    def word(self) -> str:
        """The word without its one-letter clitics, the article kept (written in full):
        «والمغرب» -> «المغرب», «للمغرب» -> «المغرب», «ومصر» -> «مصر»."""
        return (ARTICLE if self.article else "") + self.core


def _prefixes() -> tuple[tuple[str, str, bool, str], ...]:
    out = []
    for conj in ("", *CONJUNCTIONS):
        for prep in ("", *PREPOSITIONS):
            for article in (False, True):
                r = Reading(conj, prep, article, "")
                out.append((conj, prep, article, r.prefix))
    out.sort(key=lambda x: (len(x[3]), x[3]))
    return tuple(out)


_PREFIXES = _prefixes()


def readings(form: str, min_core: int = 1) -> tuple[Reading, ...]:
    """Every reading of ``form``'s first letters as proclitics whose core keeps at least
    ``min_core`` letters, shortest prefix first; the first is always the word itself (no
    clitic)."""
    out = [Reading("", "", False, form)]
    for conj, prep, article, prefix in _PREFIXES:
        if prefix and form.startswith(prefix) and len(form) - len(prefix) >= min_core:
            out.append(Reading(conj, prep, article, form[len(prefix):]))
    return tuple(out)


def attach(clitic: str, word: str) -> str:
    """``word`` with a one-letter clitic written in front: «ل» + «الهجرة» is «للهجرة»."""
    if clitic == "ل" and word.startswith(ARTICLE):
        return _L_ARTICLE + word[len(ARTICLE):]
    return clitic + word


def without_letter(form: str, min_core: int = 3) -> str:
    """``form`` without its first letter when that is a one-letter clitic and ``min_core``
    characters remain, else ``form`` («ومصر» -> «مصر», «و2023» -> «2023», «بلد» -> «بلد»): the
    one cheap reading, for looking a token up in a list of words."""
    return form[1:] if form[:1] in LETTERS and len(form) - 1 >= min_core else form


def bare_words(form: str, min_length: int = 3) -> list[str]:
    """The word and the word without its leading one-letter clitics, the article kept
    (:attr:`Reading.word`), each of at least ``min_length`` letters, once each, in the order
    of :func:`readings`: «وللمغرب» -> «وللمغرب», «المغرب»; «ومصر» -> «ومصر», «مصر»."""
    out = [form]
    for r in readings(form):
        if r.letters and len(r.word) >= min_length and r.word not in out:
            out.append(r.word)
    return out
