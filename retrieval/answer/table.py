"""What ``ask`` reads about the sentences and passages of an index, computed once each.

A searcher's :class:`Table` reads a sentence (its words, offers, word pairs) or a passage (its
words; with the passage before it in the same document and section, its *context*: a short
paragraph often continues the one before) the first time an ``ask`` needs it and keeps it, so
one ``ask`` costs at most the few passages it looks at, and a server that has answered a
question about a passage answers the next one about it from memory. ``warm_up`` reads all of
a small index at once.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

from fahras.retrieval.answer.offers import counted, sentence_offers, values
from fahras.retrieval.answer.words import Bag, word_pairs
from fahras.text.arabic import normalize, tokenize
from fahras.retrieval.query import ordinal_numbers

# warm_up reads every sentence of an index with at most this many.
EAGER_ROWS = 20_000


@dataclass(frozen=True)
class Sentence:
    row: int
    passage: int
    start: int
    end: int
    index: int              # its place in its passage (0: the first sentence)
    bag: Bag
    offers: frozenset[str]
    pairs: frozenset
    n_tokens: int
    values: frozenset[str]   # its numbers and month names
    counted: Bag             # the words right after a count
    @property
    def length(self) -> float:
        return math.log1p(self.n_tokens)


@dataclass(frozen=True)
class Context:
    """A passage with the one before it in its section: its words, ordinals, normalized text."""

    bag: Bag
    ordinals: frozenset[int]
    normalized: str


class Table:
    """What ``ask`` has read about one searcher's sentences and passages (any engine: the
    sentences come from the :class:`~fahras.retrieval.backends.protocol.Backend` methods)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._sentences: dict[int, Sentence] = {}
        self._rows_of: dict[int, list[int]] = {}
        self._bags: dict[int, Bag] = {}
        self._contexts: dict[int, Context] = {}

    def span(self, row: int) -> tuple[int, int, int]:
        """(passage, start, end) of a sentence row."""
        return self.searcher.sentence_span(row)

    def rows_of(self, passage: int) -> list[int]:
        """The sentence rows of a passage, in reading order."""
        out = self._rows_of.get(passage)
        if out is None:
            out = self._rows_of[passage] = self.searcher.sentence_rows_of(passage)
        return out

    def sentence(self, row: int) -> Sentence:
        s = self._sentences.get(row)
        if s is None:
            pi, a, b = self.span(row)
            text = self.searcher.passages[pi].text[a:b]
            tokens = tokenize(text)
            forms = [t.form for t in tokens]
            index = self.rows_of(pi).index(row)  # noqa: the passage's few rows
            after = set(counted(forms))
            s = self._sentences[row] = Sentence(
                row, pi, a, b, index, Bag(tokens), sentence_offers(text), word_pairs(text),
                len(tokens), values(forms), Bag(t for t in tokens if t.form in after))
        return s

    def bag(self, passage: int) -> Bag:
        bag = self._bags.get(passage)
        if bag is None:
            bag = self._bags[passage] = Bag.of(self.searcher.passages[passage].text)
        return bag

    def previous(self, passage: int) -> int | None:
        """The passage before it in the same document and section, if any."""
        ps = self.searcher.passages
        prev = passage - 1
        before = ps[prev] if prev >= 0 else None  # None too where an engine has a hole
        if before is not None and (before.doc, before.section) == (ps[passage].doc,
                                                                   ps[passage].section):
            return prev
        return None

    def context(self, passage: int) -> Context:
        ctx = self._contexts.get(passage)
        if ctx is None:
            ids = [i for i in (self.previous(passage), passage) if i is not None]
            norm = "\n".join(normalize(self.searcher.passages[i].text) for i in ids)
            ctx = self._contexts[passage] = Context(
                Bag.union([self.bag(i) for i in ids]), frozenset(ordinal_numbers(norm)), norm)
        return ctx

    def warm_up(self) -> None:
        n = self.searcher.n_sentences
        if n <= EAGER_ROWS:
            for r in range(n):
                self.context(self.sentence(r).passage)


_TABLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def sentence_table(searcher) -> Table:
    """The searcher's table (one per searcher)."""
    table = _TABLES.get(searcher)
    if table is None:
        table = _TABLES[searcher] = Table(searcher)
    return table
