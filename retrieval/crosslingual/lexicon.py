"""An English-Arabic word lexicon induced from the embedding model (an experiment, off by default).

Each distinct Arabic word of the corpus is embedded with the search model; an English word is
translated to the Arabic words nearest to it by CSLS (cross-domain similarity local scaling,
Conneau et al., "Word Translation Without Parallel Data", ICLR 2018):
``csls(x, y) = 2 cos(x, y) - r_ar(x) - r_en(y)``, where ``r_ar(x)`` is the mean cosine of ``x``
to its ``k`` nearest Arabic words and ``r_en(y)`` the mean cosine of ``y`` to its ``k``
nearest English reference words (the glossary's English words). CSLS discounts "hub" words
that are close to everything. A translation is kept if its CSLS is at least ``min_csls``.

Measured in docs/crosslingual.md (``python -m fahras.retrieval.ablation ... --configs
all,all+lexicon``): right for common words the glossary already has (children, sea, rescue,
Vienna), wrong with high confidence elsewhere ("position" -> «وضع», "compounds" -> «مكونات»),
and it costs one embedding per corpus word at start-up. It is therefore not used by default.
"""

from __future__ import annotations

import numpy as np

from fahras.retrieval.arabic import STOP_WORDS, tokenize

K = 10
MIN_CSLS = 0.03


class InducedLexicon:
    def __init__(self, encode, arabic_texts, english_reference, k: int = K,
                 min_csls: float = MIN_CSLS):
        """``encode(list of str) -> unit vectors`` (the model's query encoder)."""
        self.encode = encode
        self.k = k
        self.min_csls = min_csls
        self.words = sorted({t.form for text in arabic_texts for t in tokenize(text)
                             if t.form.isalpha() and len(t.form) > 2})
        self.vectors = np.asarray(encode(self.words), dtype=np.float32)
        ref = sorted({w for w in english_reference if w.isalpha() and w not in STOP_WORDS})
        ref_vectors = np.asarray(encode(ref), dtype=np.float32)
        sim = self.vectors @ ref_vectors.T
        kk = min(k, sim.shape[1])
        self._r_ar = np.sort(sim, axis=1)[:, -kk:].mean(axis=1)

    def translate(self, words: list[str], top: int = 1) -> dict[str, list[tuple[str, float]]]:
        """Arabic words for each English word whose CSLS reaches ``min_csls``, best first."""
        if not words:
            return {}
        q = np.asarray(self.encode(words), dtype=np.float32)
        cos = q @ self.vectors.T
        kk = min(self.k, cos.shape[1])
        r_en = np.sort(cos, axis=1)[:, -kk:].mean(axis=1, keepdims=True)
        csls = 2 * cos - r_en - self._r_ar[None, :]
        out = {}
        for i, w in enumerate(words):
            best = np.argsort(-csls[i])[:top]
            hits = [(self.words[j], float(csls[i, j])) for j in best if csls[i, j] >= self.min_csls]
            if hits:
                out[w] = hits
        return out
