"""English questions, Arabic text: expanding a Latin-script query into Arabic search terms.

An English query reaches the Arabic passages through the multilingual embeddings (the dense
side) and through what this module adds to the lexical side:

- **glossary** (:mod:`fahras.retrieval.crosslingual.glossary`): the query's words and phrases,
  longest first, looked up in the general English-Arabic glossary and the corpus's own
  (``corpus``: stored in its index) -- "focal points" -> «جهات الوصل», "Frontex" -> «فرونتكس»
  (and the report's «فرونكس»), "Thailand" -> «تايلند»;
- **typos** (:mod:`fahras.retrieval.crosslingual.typos`): a misspelt word corrected against the
  glossary's English words -- "finacial" -> financial;
- **names** (:mod:`fahras.retrieval.crosslingual.names`): capitalized words the glossary does
  not know, matched phonetically against the corpus's own Arabic words -- "Kakosimou" ->
  «كاكوسيمو», "Torrevillas" -> «تورفيلاس»;
- **arabizi** (:mod:`fahras.retrieval.crosslingual.arabizi`): a query of Arabic typed in Latin
  letters and digits, its words matched to the corpus's words -- "ba7r" -> «البحر»;
- **numbers**: a resolution number ``a/b`` is also searched as ``b/a``, the order in which the
  Arabic reports write it ("resolution 9/1" is «القرار 1/9»).

Each expansion is a dict ``{"source", "arabic", "terms", "weight", "kind"}``: the English words
as typed, the Arabic forms found in the corpus, their analyzed terms (what BM25 searches), a
weight, and ``glossary``/``typo``/``name``/``arabizi``/``number``. :meth:`Searcher.lexical_query`
merges them into the weighted BM25 query; they are shown to the user as "matched on: source ->
arabic".

The lexical side of a Latin query is fused with its dense side with a smaller weight than the
dense side (:data:`fahras.retrieval.query.WEIGHTS_LATIN`), so an expansion can reorder passages
the embeddings found close, but a wrong expansion cannot bury a passage the dense side found
clearly best (see ``tests/test_crosslingual.py`` and docs/crosslingual.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from fahras.text.arabic import STOP_WORDS, analyze, tokenize
from fahras.retrieval.crosslingual.arabizi import content_words, is_arabizi
from fahras.retrieval.crosslingual.glossary import (
    Glossary,
    clitic_terms,
    english_words,
    lemma,
    load_glossary,
    with_corpus,
)
from fahras.retrieval.crosslingual.names import NameMatcher
from fahras.retrieval.crosslingual.typos import Vocabulary, correct_words, dictionary_words

# Weights of expansion terms on the lexical side (the user's own Arabic words weigh 1).
GLOSSARY_WEIGHT = 1.0
STEM_MATCH = 0.8          # a glossary entry reached through a Snowball stem, not a lemma
TYPO_MATCH = 0.9          # a glossary entry reached through a corrected misspelling
NAME_WEIGHT = 1.0         # a perfect transliteration; half that at the threshold
NUMBER_WEIGHT = 1.0
LEXICON_WEIGHT = 0.5      # a word translation of the extra translator (none in the product)
# A name candidate is a capitalized word that is neither a function word nor a word of the
# glossary's English side; in a query typed all in lower case, any such word, more strictly.
NAME_THRESHOLD = 0.2        # normalized transliteration distance (0 = perfect)
NAME_THRESHOLD_LOWER = 0.1
NAME_MAX_SHARE = 0.1        # an Arabic word in more passages than this is not taken for a name
# Name candidates looked up per query, in the order typed: a question names a few people or
# bodies; a pasted page of capitalized words must not cost a phonetic match of each of them.
MAX_NAME_LOOKUPS = 16
ARABIZI_THRESHOLD = 0.25    # transliteration distance of an Arabizi word (vowels are typed)
ARABIZI_WEIGHT = 1.0        # a perfect transliteration; half that at the threshold
# Common English words that are not in arabic.STOP_WORDS but start sentences or sound like
# Arabic words ("More" ~ «مورا»): never name candidates.
COMMON_WORDS = frozenset("""
more most many much other another others same such very only just also even still again ever
never always often here there now then today yesterday tomorrow please tell show give list find
explain describe say said says mention mentioned according whether without within upon
between among during before after above below under over into onto out off up down both either
neither each every few several whole part side word words one two three four five six seven
eight nine ten first last next new old good well best better like want need know think mean
""".split())

PIECES = ("glossary", "corpus", "typos", "names", "arabizi", "numbers")
_SLASH_NUMBER = re.compile(r"(?<![\w/])(\d{1,3})\s*/\s*(\d{1,3})(?![\w/])")


@dataclass(frozen=True)
class ExpansionConfig:
    glossary: bool = True
    corpus: bool = True       # the corpus's own glossary (stored in its index) beside the general one
    typos: bool = True        # misspelt English words corrected against the glossary's words
    arabizi: bool = True      # Arabic typed in Latin letters matched to the corpus's words
    names: bool = True
    numbers: bool = True

    @classmethod
    def only(cls, *pieces: str) -> "ExpansionConfig":
        unknown = set(pieces) - set(PIECES)
        if unknown:
            raise ValueError(f"unknown expansion piece(s) {sorted(unknown)}; pieces are {PIECES}")
        return cls(**{p: p in pieces for p in PIECES})


class _PassageTexts:
    """A searcher's passage texts, read only when iterated (a Milvus searcher reads them from
    its collection, so not before a name needs them)."""

    def __init__(self, searcher):
        self._searcher = searcher

    def __iter__(self):
        return (p.text for p in self._searcher.passages)

    def __len__(self) -> int:
        return len(self._searcher.passages)


class CrossLingualExpander:
    """``expander(analysis) -> [expansion, ...]`` for :attr:`Searcher.expander`.

    ``doc_freq`` (term -> number of passages) keeps only terms the index has; ``texts`` are
    the passages' texts, whose words are the vocabulary for name matching.
    """

    def __init__(self, doc_freq, texts, glossary: Glossary | None = None,
                 config: ExpansionConfig = ExpansionConfig(), encode=None,
                 corpus_glossaries=()):
        """``glossary``: the one to use (default: the general glossary, with the entries of
        ``corpus_glossaries`` -- a corpus's own glossary files as its index stores them --
        unless ``config.corpus`` is off)."""
        self.doc_freq = doc_freq
        self._texts = texts if hasattr(texts, "__len__") else list(texts)  # re-iterable
        self._glossary = glossary
        self._corpus_glossaries = corpus_glossaries
        self.config = config
        self.encode = encode  # the model's query encoder, for a translator that needs it
        # An extra English -> Arabic word translator for the words nothing else reached: an
        # object with ``translate(words) -> {word: [(arabic, score), ...]}``. None in the
        # product; tools/induced_lexicon.py is the one measured (docs/crosslingual.md).
        self.translator = None

    @property
    def texts(self):
        """The passages' texts (re-iterable)."""
        return self._texts

    @cached_property
    def glossary(self) -> Glossary:
        """The general glossary and the corpus's own (unless one was given), loaded on the
        first English query."""
        if self._glossary is not None:
            return self._glossary
        return with_corpus(self._corpus_glossaries) if self.config.corpus else load_glossary()

    @classmethod
    def for_searcher(cls, searcher, config: ExpansionConfig = ExpansionConfig(),
                     glossary: Glossary | None = None) -> "CrossLingualExpander":
        return cls(searcher.lexical.doc_freq, _PassageTexts(searcher), glossary,
                   config, encode=lambda texts: searcher.embedder.encode_queries(texts),
                   corpus_glossaries=getattr(searcher, "glossaries", None) or ())

    @cached_property
    def names(self) -> NameMatcher:
        """The corpus's Arabic words, built on the first query that needs them."""
        tokens = {t.form for text in self._texts for t in tokenize(text)}
        limit = max(3, NAME_MAX_SHARE * max(1, len(self._texts)))

        def rare(token: str) -> bool:
            return all(self.doc_freq(t) <= limit for t in analyze(token))

        return NameMatcher(sorted(tokens), keep=rare)

    @cached_property
    def arabizi_words(self) -> NameMatcher:
        """All the corpus's Arabic words (common ones too: Arabizi is any Arabic, not only
        names), built on the first Arabizi query."""
        tokens = {t.form for text in self._texts for t in tokenize(text)}
        return NameMatcher(sorted(tokens), threshold=ARABIZI_THRESHOLD, min_core=3)

    def _english(self, word: str) -> bool:
        return word in self.spelling or lemma(word) in self.spelling or word in dictionary_words()

    @cached_property
    def english_vocabulary(self) -> frozenset[str]:
        """Lemmas of the words of the glossary's English side (they are not names)."""
        return frozenset(w.lemma for e in self.glossary.entries if e.kind != "country"
                         for v in e.en for w in english_words(v))

    @cached_property
    def spelling(self) -> Vocabulary:
        """The lemmas of the glossary's English side, for correcting misspelt words."""
        return Vocabulary.of(frozenset(w.lemma for e in self.glossary.entries for v in e.en
                                       for w in english_words(v)))

    @property
    def english_vocabulary_words(self) -> list[str]:
        return sorted({w.text.lower() for e in self.glossary.entries for v in e.en
                       for w in english_words(v)})

    def warm_up(self) -> None:
        """Load the glossary and the name vocabulary now rather than on the first query."""
        _ = (self.glossary, self.names)

    def __call__(self, analysis) -> list[dict]:
        if not analysis.latin:
            return []
        return self.expand(analysis.text)

    def expand(self, text: str) -> list[dict]:
        out: list[dict] = []
        covered: set[int] = set()
        arabizi = self.config.arabizi and is_arabizi(text, self._english)
        if self.config.glossary:
            words = english_words(text)
            matches = self.glossary.match(text, words)
            fixed: set[int] = set()
            if self.config.typos and not arabizi:
                covered = {k for m in matches for k in range(m.start, m.end)}
                corrected, fixed = correct_words(self.glossary, self.spelling, words, covered,
                                                 self._function_word)
                if fixed:
                    matches = self.glossary.match(text, corrected)
            spans = [(words[i].start, words[i].end) for i in fixed]
            covered = set()
            for m in matches:
                covered.update(range(m.start, m.end))
                typo = any(m.start <= a and b <= m.end for a, b in spans)
                w = (GLOSSARY_WEIGHT * m.entry.weight * (1.0 if m.exact else STEM_MATCH)
                     * (TYPO_MATCH if typo else 1.0))
                exp = self._expansion(m.source, m.entry.ar, w, "typo" if typo else "glossary")
                if exp:
                    out.append(exp)
        if arabizi:
            out.extend(self._arabizi(text, covered))
        elif self.config.names:
            lower_case_query = not any(c.isupper() for c in text)
            looked_up: set[str] = set()
            for word in english_words(text):
                if covered.intersection(range(word.start, word.end)):
                    continue
                candidate = self._name_candidate(word, lower_case_query)
                if candidate is None:
                    continue
                if candidate[0] not in looked_up and len(looked_up) >= MAX_NAME_LOOKUPS:
                    break
                looked_up.add(candidate[0])
                out.extend(self._name(word, *candidate))
        if self.translator is not None:
            out.extend(self._translated(text, covered | {k for e in out if e["kind"] == "name"
                                                       for k in _span(text, e["source"])}))
        if self.config.numbers:
            for m in _SLASH_NUMBER.finditer(text):
                a, b = m.group(1), m.group(2)
                if a != b:
                    exp = self._expansion(m.group(0), (f"{b}/{a}",), NUMBER_WEIGHT, "number")
                    if exp:
                        out.append(exp)
        return _merge(out)

    def _arabizi(self, text: str, covered: set[int]) -> list[dict]:
        """Expansions of an Arabizi query's words that no glossary entry covered."""
        out = []
        for word, a, b in content_words(text):
            if covered.intersection(range(a, b)):
                continue
            matches = self.arabizi_words.match(word, ARABIZI_THRESHOLD, arabizi=True)
            if not matches:
                continue
            weight = ARABIZI_WEIGHT * (1.0 - 0.5 * matches[0].distance / ARABIZI_THRESHOLD)
            exp = self._expansion(text[a:b], tuple(m.arabic for m in matches), weight, "arabizi")
            if exp:
                out.append(exp)
        return out

    @staticmethod
    def _function_word(word) -> bool:
        """Words never corrected: function and common words, acronyms."""
        low = word.text.lower()
        return word.upper or low in STOP_WORDS or word.lemma in STOP_WORDS or low in COMMON_WORDS

    def _expansion(self, source: str, forms, weight: float, kind: str) -> dict | None:
        """An expansion with the forms the index has -- every word of the form, with or
        without a proclitic -- and their terms; None if it has none of them."""
        present = []
        terms: list[str] = []
        for form in forms:
            words = [[t for t in _terms(w) if self.doc_freq(t) > 0] for w in _words(form)]
            if not words or not all(words):
                continue
            present.append(form)
            terms.extend(t for w in words for t in w if t not in terms)
        if not terms:
            return None
        return {"source": source, "arabic": present, "terms": terms,
                "weight": round(weight, 4), "kind": kind}

    def _name_candidate(self, word, lower_case_query: bool = False
                        ) -> tuple[str, float] | None:
        """``(text, threshold)`` if a word the glossary did not cover may be a name, else
        None."""
        text = re.sub(r"['\u2019]s?$", "", word.text)  # Berger's -> Berger
        if len(text) < 3 or not text.isalpha() or not _latin(text):
            return None
        low = text.lower()
        if low in STOP_WORDS or word.lemma in STOP_WORDS or low in COMMON_WORDS:
            return None
        if word.lemma in self.english_vocabulary:
            return None
        if text[0].isupper():
            return text, NAME_THRESHOLD
        if lower_case_query and len(text) >= 5:
            return text, NAME_THRESHOLD_LOWER
        return None

    def _name(self, word, text: str, threshold: float) -> list[dict]:
        """A name expansion for a name candidate that transliterates a corpus word closely."""
        matches = self.names.match(text, threshold)
        if not matches:
            return []
        best = matches[0].distance
        weight = NAME_WEIGHT * (1.0 - 0.5 * best / threshold)
        exp = self._expansion(word.text, tuple(m.arabic for m in matches), weight, "name")
        return [exp] if exp else []


    def _translated(self, text: str, covered: set[int]) -> list[dict]:
        words = [w for w in english_words(text) if not covered.intersection(range(w.start, w.end))
                 and w.text.isalpha() and len(w.text) > 3 and w.lemma not in STOP_WORDS
                 and w.text.lower() not in COMMON_WORDS]
        found = self.translator.translate([w.text.lower() for w in words])
        out = []
        for w in words:
            for arabic, _score in found.get(w.text.lower(), []):
                exp = self._expansion(w.text, (arabic,), LEXICON_WEIGHT, "lexicon")
                if exp:
                    out.append(exp)
        return out


def _span(text: str, source: str) -> range:
    i = text.find(source)
    return range(i, i + len(source)) if i >= 0 else range(0)


def _latin(text: str) -> bool:
    return all(c.isascii() or "\u00c0" <= c <= "\u024f" for c in text)


def _words(form: str) -> list[str]:
    """The content words of an Arabic form (a slashed number is one word)."""
    if "/" in form and form.replace("/", "").isdigit():
        return [form]
    return [t.form for t in tokenize(form) if clitic_terms(t.form)]


def _terms(form: str) -> tuple[str, ...]:
    if "/" in form and form.replace("/", "").isdigit():
        return tuple(analyze(form))
    return clitic_terms(form)


def _merge(expansions: list[dict]) -> list[dict]:
    """One expansion per source text and kind (two glossary entries for the same words)."""
    out: dict[tuple[str, str], dict] = {}
    for e in expansions:
        key = (e["source"], e["kind"])
        if key not in out:
            out[key] = e
            continue
        o = out[key]
        o["arabic"] += [a for a in e["arabic"] if a not in o["arabic"]]
        o["terms"] += [t for t in e["terms"] if t not in o["terms"]]
        o["weight"] = max(o["weight"], e["weight"])
    return list(out.values())


def install(searcher, config: ExpansionConfig = ExpansionConfig()) -> None:
    """Set a searcher's expander (what :meth:`Searcher.__init__` does by default)."""
    searcher.expander = CrossLingualExpander.for_searcher(searcher, config)

