"""The induced lexicon keeps only confident translations: a margin and mutual nearest neighbours."""

import numpy as np

from induced_lexicon import InducedLexicon

DIM = 8


def _unit(*parts):
    v = np.zeros(DIM, dtype=np.float32)
    for i, w in parts:
        v[i] = w
    return v / np.linalg.norm(v)


VECTORS = {
    "بحر": _unit((0, 1.0)), "ماء": _unit((1, 1.0)), "جبل": _unit((2, 1.0)),
    "نهر": _unit((3, 1.0), (4, 1.0)), "وادي": _unit((3, 1.0), (4, 0.95)),
    "sea": _unit((0, 1.0), (5, 0.3)), "water": _unit((1, 1.0), (5, 0.3)),
    "mountain": _unit((2, 1.0), (6, 0.2)), "hill": _unit((2, 1.0), (6, 0.1)),
    "river": _unit((3, 1.0), (4, 0.97), (7, 0.2)), "stone": _unit((7, 1.0)),
}


def encode(texts):
    return np.stack([VECTORS[t] for t in texts])


def lexicon(**kw):
    return InducedLexicon(encode, ["بحر ماء جبل نهر وادي"], ["water", "hill", "stone"], k=2, **kw)


def test_a_clear_translation_is_kept():
    assert [a for a, _ in lexicon().translate(["sea"])["sea"]] == ["بحر"]


def test_two_close_candidates_give_none():
    # «نهر» and «وادي» are almost the same distance from "river": below the margin.
    assert "river" not in lexicon(margin=0.06).translate(["river"])
    assert lexicon(margin=0.0).translate(["river"])["river"][0][0] in ("نهر", "وادي")


def test_a_translation_must_be_mutual():
    # «جبل» is nearest to "mountain", but «جبل»'s own nearest English word is "hill".
    assert "mountain" not in lexicon(margin=0.0).translate(["mountain"])


def test_words_the_index_lacks_are_never_candidates():
    lex = InducedLexicon(encode, ["بحر ماء جبل"], ["water"], k=1, margin=0.0,
                         known=lambda w: w != "بحر")
    assert "بحر" not in lex.words
    assert lex.translate(["sea"]).get("sea", [("", 0)])[0][0] != "بحر"


class _Translator:
    """A translator that knows one word, and records what it was asked."""

    def __init__(self, arabic):
        self.arabic, self.asked = arabic, []

    def translate(self, words):
        self.asked.append(list(words))
        return {"smugglers": [(self.arabic, 0.9)]} if "smugglers" in words else {}


def test_the_expander_uses_a_translator_only_when_one_is_plugged_in(hash_searcher):
    from fahras.retrieval.crosslingual.expander import CrossLingualExpander, ExpansionConfig

    exp = CrossLingualExpander.for_searcher(hash_searcher, ExpansionConfig.only())
    assert exp.translator is None and exp.expand("convicted smugglers") == []
    exp.translator = _Translator("المهاجرين")  # a word of the report
    got = exp.expand("convicted smugglers")
    assert [(e["kind"], e["source"]) for e in got] == [("lexicon", "smugglers")]
    assert exp.translator.asked == [["convicted", "smugglers"]]
