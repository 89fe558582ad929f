"""Fusion of lexical and dense results: two small pure functions and a score normalizer.

- :func:`rrf`: reciprocal rank fusion, ``sum_i w_i / (k + rank_i)``, with ``k = 60`` as in
  Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion outperforms Condorcet and individual
  rank learning methods" (SIGIR 2009) -- also pyserini's default (``rrf_k=60``).
- :func:`interpolate`: weighted sum of per-run scores after min-max normalization
  (pyserini's ``interpolation`` with ``alpha = 0.5`` by default); what Fahras falls back to with
  an embedding model the fitted fusion was not fitted for (weights by script, see
  :mod:`fahras.retrieval.query`);
- :func:`softmax_linear` and :class:`FittedFusion`: the default, a linear model over the
  evidence features of :mod:`fahras.retrieval.rank_features`, whose softmax over a query's
  candidates is each candidate's probability of being the passage sought (a conditional logit,
  McFadden 1974; fitted by ``tools/fit_fusion.py`` with cross-validation over the report's
  question sets and two other corpora, held-out figures in docs/evaluation.md).

Runs are mappings from a passage key to a score (higher is better); missing keys score as the
run's minimum.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

RRF_K = 60
ALPHA = 0.5


def ranks(run: Mapping[str, float]) -> dict[str, int]:
    """1-based ranks of a run's keys by descending score (ties keep the run's order)."""
    ordered = sorted(run.items(), key=lambda kv: -kv[1])
    return {key: i for i, (key, _) in enumerate(ordered, start=1)}


def rrf(runs: Sequence[Mapping[str, float]], k: int = RRF_K,
        weights: Sequence[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion of runs (each a mapping key -> score)."""
    weights = weights if weights is not None else [1.0] * len(runs)
    out: dict[str, float] = {}
    for run, w in zip(runs, weights):
        for key, r in ranks(run).items():
            out[key] = out.get(key, 0.0) + w / (k + r)
    return out


def minmax(run: Mapping[str, float]) -> dict[str, float]:
    """Scores scaled to [0, 1]; a run whose scores are all equal scales to all zeros."""
    if not run:
        return {}
    lo, hi = min(run.values()), max(run.values())
    if hi <= lo:
        return {key: 0.0 for key in run}
    return {key: (s - lo) / (hi - lo) for key, s in run.items()}


def interpolate(runs: Sequence[Mapping[str, float]], weights: Sequence[float]) -> dict[str, float]:
    """Weighted sum of min-max normalized scores; a key missing from a run scores 0 there."""
    out: dict[str, float] = {}
    keys = set().union(*runs) if runs else set()
    normed = [minmax(r) for r in runs]
    for key in keys:
        out[key] = sum(w * n.get(key, 0.0) for n, w in zip(normed, weights))
    return out


def softmax_linear(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``softmax(features @ weights)`` over the rows (one query's candidates)."""
    if not len(features):
        return np.zeros(0)
    z = features @ weights
    z = np.exp(z - z.max())
    return z / z.sum()


MODEL_FILE = Path(__file__).parent / "data" / "fusion_model.json"


@dataclass(frozen=True)
class FittedFusion:
    """Weights of the features named in ``features`` and the embedding model they hold for."""

    features: tuple[str, ...]
    weights: np.ndarray
    embedding: str | None

    @classmethod
    def from_json(cls, d: dict) -> "FittedFusion":
        return cls(tuple(d["features"]), np.asarray(d["weights"], dtype=np.float64),
                   d.get("embedding"))

    def to_json(self) -> dict:
        return {"features": list(self.features),
                "weights": [round(float(w), 6) for w in self.weights],
                "embedding": self.embedding}

    def holds_for(self, embedding: str | None, available: Sequence[str]) -> bool:
        """Whether these weights apply: fitted with this embedding model, on features all
        ``available``."""
        return embedding == self.embedding and set(self.features) <= set(available)


@lru_cache(maxsize=1)
def default_fusions() -> tuple[FittedFusion, ...]:
    """The bundled fitted fusions, best first: with late-interaction features (an index with
    token states) and without them; empty if the package has none. The file holds
    ``{"models": [...]}`` (or one model, as it did before token states)."""
    try:
        d = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        return tuple(FittedFusion.from_json(m) for m in (d["models"] if "models" in d else [d]))
    except (OSError, ValueError, KeyError, TypeError):
        return ()


def choose(models, embedding: str | None, available: Sequence[str]) -> FittedFusion | None:
    """The first of ``models`` fitted for this embedding model on features all available."""
    return next((m for m in models if m.holds_for(embedding, available)), None)
