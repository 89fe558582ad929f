"""Misspelt English words corrected against the glossary's English side."""

from __future__ import annotations

import itertools
import random

import pytest

from fahras.retrieval.crosslingual import typos
from fahras.retrieval.crosslingual.expander import CrossLingualExpander, ExpansionConfig
from fahras.retrieval.crosslingual.glossary import Glossary, english_words, read_entries
from fahras.retrieval.crosslingual.typos import MAX_LOOKUPS, Vocabulary, correct_words, distance


def reference_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook full-table recurrence."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_distance_is_the_reference_up_to_its_limit():
    rng = random.Random(7)
    for _ in range(2000):
        a = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 7)))
        ref = reference_distance(a, b)
        assert distance(a, b, 2) == min(ref, 3), (a, b)
    assert distance("serch", "search") == 1 and distance("finacial", "financial") == 1
    assert distance("acse", "case") == 1  # a swap is one edit


def test_candidates_are_the_vocabulary_words_within_the_limit():
    """Every word one edit away is found (and, for words of 9+ letters, two); nothing farther."""
    rng = random.Random(3)
    vocab = sorted({"".join(rng.choice("abcde") for _ in range(rng.randint(3, 11)))
                    for _ in range(400)})
    v = Vocabulary(vocab)
    for _ in range(120):
        q = "".join(rng.choice("abcde") for _ in range(rng.randint(3, 11)))
        limit = typos.allowed(q)
        # a distance is at least the difference of the lengths: farther words need no table
        truth = {w: reference_distance(q, w) for w in vocab
                 if w != q and abs(len(w) - len(q)) <= 2}
        got = dict((w, d) for d, w in v.candidates(q, limit))
        assert all(truth[w] == d <= limit for w, d in got.items()), q
        assert {w for w, d in truth.items() if d <= 1} <= set(got), q
        assert {w for w, d in truth.items() if d == 2 and len(w) >= typos.LONG_WORD
                and limit == 2} <= set(got), q


@pytest.fixture(scope="module")
def vocab():
    from fahras.retrieval.crosslingual.glossary import DATA

    entries = read_entries(DATA / "glossary.tsv") + read_entries(DATA / "countries.tsv")
    return Vocabulary(w.lemma for e in entries for v in e.en for w in english_words(v))


@pytest.mark.parametrize("typed, corrected", [
    ("finacial", "financial"), ("unacompanied", "unaccompanied"), ("serch", "search"),
    ("pasport", "passport"), ("smugling", "smuggling"), ("infleuncer", "influencer"),
    ("xenofobia", "xenophobia"), ("rehabilitaton", None),  # not a glossary word: nothing
])
def test_misspellings_are_corrected(vocab, typed, corrected):
    assert vocab.correct(typed) == corrected


@pytest.mark.parametrize("word", ["prime", "policy", "county", "direction", "found",
                                  "conversion", "residents", "black", "olivia", "drives"])
def test_english_words_are_never_corrected(vocab, word):
    """One edit from a glossary word (crime, police, country...), but English words."""
    assert vocab.candidates(word, typos.allowed(word)) and vocab.correct(word) is None


def test_glossary_words_and_short_words_are_not_corrected_alone(vocab):
    assert vocab.correct("migration") is None    # a glossary word
    assert vocab.correct("migrnt") == "migrant"
    assert vocab.correct("migt") is None          # four letters: only inside a phrase


def _corrected(text, vocab, glossary):
    words = english_words(text)
    out, fixed = correct_words(glossary, vocab, words, set(), lambda w: w.lemma in {"at", "on"})
    return [out[i].lemma for i in sorted(fixed)]


def test_a_short_word_is_corrected_only_to_complete_a_phrase(vocab):
    from fahras.retrieval.crosslingual.glossary import load_glossary

    g = load_glossary()
    assert _corrected("whole of rute approach", vocab, g) == ["route"]
    assert _corrected("a rute", vocab, g) == []        # no phrase: "rute" stays
    assert _corrected("ball on", vocab, g) == []       # "call on": "on" is no content word


def test_corrections_per_query_are_bounded(vocab):
    from fahras.retrieval.crosslingual.glossary import load_glossary

    text = " ".join(["finacial"] * (MAX_LOOKUPS + 20))
    assert len(_corrected(text, vocab, load_glossary())) == MAX_LOOKUPS


def test_expansions_of_misspelt_queries(hash_searcher):
    exp = CrossLingualExpander.for_searcher(hash_searcher)
    got = {e["source"]: (e["kind"], e["weight"]) for e in exp.expand("serch and rescue at see")}
    assert got == {"serch and rescue": ("typo", 0.9)}
    spelled = {e["source"]: e["terms"] for e in exp.expand("search and rescue")}
    typo = {e["source"]: e["terms"] for e in exp.expand("serch and rescue")}
    assert typo["serch and rescue"] == spelled["search and rescue"]
    assert [e["kind"] for e in exp.expand("unacompanied minors")] == ["typo"]
    off = CrossLingualExpander.for_searcher(hash_searcher, ExpansionConfig(typos=False))
    assert [e["kind"] for e in off.expand("unacompanied minors")] == ["glossary"]  # "minors"


def test_a_corrected_phrase_keeps_the_words_as_typed(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("term\tfinancial flows\tالتدفقات المالية\n", encoding="utf-8")
    g = Glossary(read_entries(path))
    v = Vocabulary(w.lemma for e in g.entries for x in e.en for w in english_words(x))
    words = english_words("the finacial flows")
    out, fixed = correct_words(g, v, words, set(), lambda w: w.lemma == "the")
    (m,) = g.match("the finacial flows", out)
    assert m.source == "finacial flows" and fixed == {1}
