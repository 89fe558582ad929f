"""The English-Arabic glossary: data files, English-side lemmatization, longest-match lookup.

The glossary is data: the general one (``retrieval/crosslingual/data/glossary.tsv``, written by
hand: UN bodies, instruments, terms of art, meeting vocabulary, months, nationality adjectives,
in lemma-like UN Arabic; ``data/countries.tsv`` generated from pycountry by
``tools/countries.py``), and a corpus's own glossary files, which
``fahras index`` stores in the index (:mod:`fahras.index.glossaries`; :func:`with_corpus`).
Each entry has English variants, Arabic forms, a kind and a weight multiplier. See
docs/crosslingual.md.

English text is matched on light lemmas: case and accents folded (:func:`arabic.normalize`),
possessive removed, a plural made singular, British and American spellings made one
(``labour``/``labor``, ``centred``/``centered``, ``organisation``/``organization``). Articles
are skipped. A query is matched longest phrase first; where no lemma matches, a Snowball stem
match (``opened`` -> ``opening``) counts as a weaker match. An all-capitals variant (``WHO``,
``OAS``, ``US``) matches only the same capitals, so "who" never means the World Health Organization.

Arabic forms are analyzed with :func:`arabic.analyze`, so «الإنتربول» and «والإنترپول» give the
same term, and reach their written variants (:func:`word_variants`: proclitics, the article
dropped in a construct phrase, a feminine noun's attached pronouns); :meth:`Glossary.lookup_ar`
goes the other way, from Arabic text to entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fahras.caches import short_key_cache
from fahras.text.arabic import STOP_WORDS, Token, normalize, terms_of_token, tokenize
from fahras.text.clitics import ARTICLE, LETTERS, attach

DATA = Path(__file__).parent / "data"
DEFAULT_FILES = (DATA / "glossary.tsv", DATA / "countries.tsv")
ARTICLES = frozenset({"the", "a", "an"})
MAX_WORD = 40  # longer tokens are not words: not lemmatized

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*['\u2019]?")
# Document symbols (CTOC/COP/WG.7/2024/2) and numbers with slashes are not words to translate.
_SYMBOL = re.compile(r"\S*[/\\]\S*")
_IRREGULAR = {
    "women": "woman", "men": "man", "children": "child", "crises": "crisis", "analyses": "analysis",
    "phenomena": "phenomenon", "criteria": "criterion", "bases": "basis", "data": "data",
    "media": "media", "feet": "foot", "lives": "life", "wives": "wife",
}


@short_key_cache(maxsize=20_000)
def lemma(word: str) -> str:
    """Light English lemma of one word: folded, possessive and plural removed, spelling unified."""
    if len(word) > MAX_WORD:
        return word.lower()
    w = normalize(word).replace("\u2019", "'").strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if not w.isascii() or not w.isalpha():
        return w
    # British -> one spelling (applied to both sides, so only consistency matters).
    if len(w) >= 6:
        w = re.sub(r"is(e|ed|es|ing|ation|ations)$", r"iz\1", w)
        w = re.sub(r"our(s|ed|ing)?$", lambda m: "or" + (m.group(1) or ""), w)
        w = re.sub(r"tre(s|d)?$", lambda m: "ter" + {"s": "s", "d": "ed"}.get(m.group(1) or "", ""), w)
        w = re.sub(r"ence$", "ense", w) if w.endswith(("defence", "licence", "offence")) else w
        w = w.replace("programme", "program")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and re.search(r"(ss|x|z|ch|sh)es$", w):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@short_key_cache(maxsize=20_000)
def stem(word: str) -> str:
    """Snowball English stem of a lemma (the weaker fallback match)."""
    return _english_stemmer().stemWord(word) if word.isascii() and word.isalpha() else word


@lru_cache(maxsize=1)
def _english_stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Word:
    text: str      # as typed
    start: int     # character span in the query
    end: int
    lemma: str
    upper: bool    # typed in capitals (an acronym)


def english_words(text: str) -> list[Word]:
    """Words of an English text with their spans; document symbols are left out."""
    masked = _SYMBOL.sub(lambda m: " " * len(m.group()) if any(c.isdigit() for c in m.group())
                         else m.group(), text)
    out = []
    for m in _WORD.finditer(masked):
        core = m.group().rstrip("'\u2019")
        out.append(Word(core, m.start(), m.start() + len(core), lemma(core),
                        core.isupper() and len(core) > 1))
    return out


@dataclass(frozen=True)
class Entry:
    kind: str
    en: tuple[str, ...]
    ar: tuple[str, ...]
    weight: float = 1.0
    note: str = ""

    @property
    def terms(self) -> tuple[str, ...]:
        """Analyzed Arabic terms of all forms, in order, without repeats."""
        return _terms(self.ar)


@lru_cache(maxsize=1)
def _stop_forms() -> frozenset[str]:
    # arabic.STOP_WORDS holds a few unnormalized spellings («على», «لدى»): fold them here.
    return frozenset(normalize(w) for w in STOP_WORDS)


def arabic_terms(text: str) -> list[str]:
    """:func:`arabic.analyze` terms of an Arabic form, without its function words."""
    stop = _stop_forms()
    return [t for tok in tokenize(text) if tok.form not in stop for t in terms_of_token(tok)]


# The one-letter proclitics (fahras.text.clitics) that the Arabic stemmer leaves on a word
# without the article: «والجو» and «الجو», «لهجرة» and «هجرة» are different terms in the index.
# Not «ك» («as, like»): its variants added 25 expansion terms on the 381 questions of the shared
# dev sets (and their «و» variants) and moved no figure of `fahras eval`.
_VARIANT_LETTERS = tuple(c for c in LETTERS if c != "ك")
# Attached pronouns after a feminine noun's ت (its ة, normalized ه): the stemmer reads «حمايتهم»
# and «حماية» as different terms (it strips most other pronoun endings itself).
PRONOUNS = ("ه", "ها", "هم", "هما", "هن", "نا", "كم")


def word_variants(word: str) -> list[str]:
    """The written forms of one normalized Arabic word that mean the same in a passage: with a
    proclitic («والتهريب», «للهجرة»), without the article as in a construct phrase («حماية
    الأطفال» for «الحماية»), and a feminine noun with an attached pronoun («حمايتهم»). So a
    glossary lists the lemma-like form only."""
    if not word.isalpha() or len(word) < 3:
        return [word]
    out = [word, *(attach(c, word) for c in _VARIANT_LETTERS)]
    if word.startswith(ARTICLE) and len(word) >= 5:
        bare = word[len(ARTICLE):]
        out += [bare, *(c + bare for c in _VARIANT_LETTERS)]
    else:
        bare = word
    if bare.endswith("ه") and len(bare) >= 4:
        out += [bare[:-1] + "ت" + s for s in PRONOUNS]
        out += ["و" + bare[:-1] + "ت" + s for s in PRONOUNS]
    return list(dict.fromkeys(out))


@short_key_cache(maxsize=50_000)
def clitic_terms(form: str) -> tuple[str, ...]:
    """Index terms of an Arabic form and of its words' variants (:func:`word_variants`), word
    by word: the terms a passage may carry for the same words («لمعاودة الإيذاء» for
    «معاودة الإيذاء»)."""
    stop = _stop_forms()
    out: list[str] = []
    for tok in tokenize(form):
        if tok.form in stop:
            continue
        variants = word_variants(tok.form)
        own = [t for v in variants[:1] + [v for v in variants if v == tok.form[2:]]
               for t in _terms_of(v)]
        for v in variants:
            for t in _terms_of(v):
                if t not in out and (v == tok.form or _same_stem(t, own)):
                    out.append(t)
    return tuple(out)


def _terms_of(word: str) -> list[str]:
    return terms_of_token(Token(word, 0, len(word)))


def _same_stem(term: str, own: list[str]) -> bool:
    """Whether a variant's term still carries the word's stem: the stemmer sometimes cuts a
    variant elsewhere («بشراكة» -> «بشر», «ومحاكمة» -> «ومح»), and such a term would match
    other words."""
    return any(s in term or (term in s and len(term) >= len(s) - 1) for s in own)


@lru_cache(maxsize=8192)  # the glossary's entries
def _terms(forms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for f in forms for t in arabic_terms(f)))


@dataclass(frozen=True)
class Match:
    entry: Entry
    source: str    # the query's words as typed
    start: int
    end: int
    n_words: int
    exact: bool    # lemma match (False: stem fallback)


def _key(words: list[Word], use_stem: bool) -> tuple[str, ...]:
    return tuple(stem(w.lemma) if use_stem else w.lemma for w in words if w.lemma not in ARTICLES)


class Glossary:
    """Entries indexed by their English keys (lemmas and stems) and their Arabic terms."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_lemma: dict[tuple[str, ...], list[tuple[Entry, bool]]] = {}
        self._by_stem: dict[tuple[str, ...], list[tuple[Entry, bool]]] = {}
        self._by_ar: dict[tuple[str, ...], list[Entry]] = {}
        self.max_len = 1
        for e in entries:
            for variant in e.en:
                words = english_words(variant)
                caps = len(words) == 1 and words[0].upper and variant.isupper()
                k = _key(words, False)
                if not k:
                    continue
                self.max_len = max(self.max_len, len(k))
                _add(self._by_lemma, k, (e, caps))
                if not caps:
                    _add(self._by_stem, _key(words, True), (e, caps))
            for form in e.ar:
                _add(self._by_ar, tuple(arabic_terms(form)), e)
        self._longest: dict[str, int] = {}  # first lemma or stem of a key -> longest key
        for k in (*self._by_lemma, *self._by_stem):
            self._longest[k[0]] = max(self._longest.get(k[0], 0), len(k))

    def __len__(self) -> int:
        return len(self.entries)

    # -- English -> Arabic ----------------------------------------------------------------
    def lookup_en(self, phrase: str) -> list[Entry]:
        """Entries whose English variant is ``phrase`` (after lemmatization; no stem fallback)."""
        words = english_words(phrase)
        return [e for e, caps in self._by_lemma.get(_key(words, False), [])
                if not caps or (len(words) == 1 and words[0].upper)]

    def match(self, text: str, words: list[Word] | None = None) -> list[Match]:
        """Non-overlapping matches in an English text: longest phrases first, lemma matches
        before stem matches, then left to right. ``words``: the text's words, when they are
        not :func:`english_words` of it (a misspelt word given its corrected lemma)."""
        words = english_words(text) if words is None else words
        cands: list[tuple[int, int, int, Match]] = []
        for i in range(len(words)):
            first = words[i].lemma
            if first in ARTICLES:
                continue
            longest = max(self._longest.get(first, 0), self._longest.get(stem(first), 0))
            # No entry starts with this word, or none is longer than ``longest`` words (a span
            # may hold two articles more than its key).
            for j in range(min(len(words), i + longest + 2), i, -1):
                span = words[i:j]
                if span[-1].lemma in ARTICLES:
                    continue
                for use_stem in (False, True):
                    table = self._by_stem if use_stem else self._by_lemma
                    hits = table.get(_key(span, use_stem), [])
                    hits = [e for e, caps in hits if not caps or (len(span) == 1 and span[0].upper)]
                    if hits:
                        n = len(_key(span, False))
                        for e in _unique(hits):
                            m = Match(e, text[span[0].start:span[-1].end], span[0].start,
                                      span[-1].end, n, not use_stem)
                            cands.append((i, j, n, m))
                        break
        cands.sort(key=lambda c: (-c[2], not c[3].exact, c[0]))
        taken: set[int] = set()
        chosen: list[tuple[int, Match]] = []
        for i, j, _n, m in cands:
            if taken.intersection(range(i, j)):
                if any(c[1].start == m.start and c[1].end == m.end and c[1].exact == m.exact
                       for c in chosen):
                    chosen.append((i, m))  # another entry with the same words
                continue
            taken.update(range(i, j))
            chosen.append((i, m))
        return [m for _, m in sorted(chosen, key=lambda c: (c[0], -c[1].n_words))]

    def covered(self, text: str) -> set[int]:
        """Character offsets of ``text`` covered by glossary matches."""
        return {k for m in self.match(text) for k in range(m.start, m.end)}

    # -- Arabic -> English ----------------------------------------------------------------
    def lookup_ar(self, text: str) -> list[Entry]:
        """Entries with an Arabic form that analyzes to the same terms as ``text``."""
        return list(self._by_ar.get(tuple(arabic_terms(text)), []))


def _add(table: dict, key, value) -> None:
    bucket = table.setdefault(key, [])
    if value not in bucket:
        bucket.append(value)


def _unique(entries):
    return list(dict.fromkeys(entries))


def entries_from_rows(rows) -> list[Entry]:
    """Entries of glossary rows (``kind, en, ar, weight, note``, as
    :func:`fahras.index.glossaries.read_rows` gives and an index stores them)."""
    out = []
    for kind, en, ar, weight, note in rows:
        en_v = tuple(v.strip() for v in en.split("|") if v.strip())
        ar_v = tuple(v.strip() for v in ar.split("|") if v.strip())
        if kind and en_v and ar_v:
            out.append(Entry(kind, en_v, ar_v, float(weight) if weight else 1.0, note))
    return out


def read_entries(path: str | Path) -> list[Entry]:
    """Entries of one glossary file (tab-separated; ``#`` lines are comments); a file not in
    the format is refused with its name and line (:class:`fahras.errors.CorpusError`)."""
    from fahras.index.glossaries import read_rows

    return entries_from_rows(read_rows(path))


@lru_cache(maxsize=4)
def load_glossary(paths: tuple[str | Path, ...] = DEFAULT_FILES) -> Glossary:
    """The glossary of the given files (default: the general glossary and country names)."""
    entries: list[Entry] = []
    for p in paths:
        entries.extend(read_entries(p))
    return Glossary(entries)


def corpus_entries(glossaries) -> list[Entry]:
    """The entries of a corpus's own glossaries as an index stores them
    (:attr:`fahras.index.store.IndexData.glossaries`), each distinct row once."""
    rows = dict.fromkeys(tuple(r) for g in glossaries or () for r in g.get("rows", ()))
    return entries_from_rows(list(rows))


def with_corpus(glossaries) -> Glossary:
    """The general glossary and a corpus's own entries together."""
    extra = corpus_entries(glossaries)
    general = load_glossary()
    return Glossary(general.entries + extra) if extra else general
