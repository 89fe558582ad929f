"""An English-Arabic word lexicon induced from the embedding model (an experiment, not in the product).

Each distinct Arabic word of the corpus is embedded with the search model; an English word is
translated to the Arabic word nearest to it by CSLS (cross-domain similarity local scaling,
Conneau et al., "Word Translation Without Parallel Data", ICLR 2018):
``csls(x, y) = 2 cos(x, y) - r_ar(x) - r_en(y)``, where ``r_ar(x)`` is the mean cosine of ``x``
to its ``k`` nearest Arabic words and ``r_en(y)`` the mean cosine of ``y`` to its ``k``
nearest English reference words (the glossary's English words). CSLS discounts "hub" words
that are close to everything. Single-word e5 embeddings are dominated by spelling, so only
confident translations are kept: the best Arabic word must lead the second by ``margin``, and
be a mutual nearest neighbour (its own best English word, among the reference words and the
query's words, is the word translated); Arabic function words and words the index lacks are
never candidates.

Measured in docs/crosslingual.md (XQuAD English and the report's English questions): it lifts
lexical-only hit@1 on XQuAD but not the hybrid ranking on either set, and it costs an embedding
per corpus word and per reference word. It is therefore not part of the product: it lives
with the tools, and ``tools/ablation.py`` (configurations ``lexicon`` and ``all+lexicon``)
plugs it into a searcher's expander as its extra word translator
(:attr:`CrossLingualExpander.translator`, with :func:`for_expander`).
"""

from __future__ import annotations

import numpy as np

from fahras.text.arabic import STOP_WORDS, tokenize

K = 10
MARGIN = 0.06


class InducedLexicon:
    def __init__(self, encode, arabic_texts, english_reference, k: int = K,
                 margin: float = MARGIN, known=None):
        """``encode(list of str) -> unit vectors`` (the model's query encoder); ``known(word)``:
        the index has the Arabic word (default: every word is a candidate)."""
        self.encode = encode
        self.k = k
        self.margin = margin
        self.words = sorted({t.form for text in arabic_texts for t in tokenize(text)
                             if t.form.isalpha() and len(t.form) > 2 and t.form not in STOP_WORDS
                             and (known is None or known(t.form))})
        self.vectors = np.asarray(encode(self.words), dtype=np.float32)
        ref = sorted({w for w in english_reference if w.isalpha() and w not in STOP_WORDS})
        self._ref = np.asarray(encode(ref), dtype=np.float32)
        sim = self.vectors @ self._ref.T                    # Arabic x reference English
        self._r_en = _hub(sim, k)                           # each Arabic word's hubness
        self._ref_r_ar = _hub(sim.T, k)                     # each reference word's hubness
        self._sim_ref = sim

    def translate(self, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        """The confident translation of each English word that has one."""
        if not words or not len(self.words):
            return {}
        q = np.asarray(self.encode(words), dtype=np.float32)
        cos = q @ self.vectors.T
        r_ar = _hub(cos, self.k)
        csls = 2 * cos - r_ar[:, None] - self._r_en[None, :]
        out = {}
        for i, w in enumerate(words):
            order = np.argsort(-csls[i])[:2]
            best = order[0]
            if len(order) > 1 and csls[i, best] - csls[i, order[1]] < self.margin:
                continue
            back_ref = 2 * self._sim_ref[best] - self._ref_r_ar - self._r_en[best]
            back_q = 2 * cos[:, best] - r_ar - self._r_en[best]
            rivals = np.delete(back_q, i)
            if back_q[i] < max(back_ref.max(initial=-9.0), rivals.max(initial=-9.0)):
                continue  # not a mutual nearest neighbour
            out[w] = [(self.words[best], float(csls[i, best]))]
        return out


def _hub(sim: np.ndarray, k: int) -> np.ndarray:
    kk = min(k, sim.shape[1]) if sim.ndim == 2 and sim.shape[1] else 0
    if not kk:
        return np.zeros(sim.shape[0], dtype=np.float32)
    return np.sort(sim, axis=1)[:, -kk:].mean(axis=1)


def for_expander(expander) -> InducedLexicon:
    """The induced lexicon of an expander's corpus: its passages' words, its glossary's English
    words as the reference, the words its index has as the candidates."""
    from fahras.text.arabic import analyze

    if expander.encode is None:
        raise ValueError("the induced lexicon needs the model's encoder")
    return InducedLexicon(expander.encode, expander.texts, expander.english_vocabulary_words,
                          known=lambda w: any(expander.doc_freq(t) for t in analyze(w)))
