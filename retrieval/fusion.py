"""Fusion of lexical and dense results: two small pure functions and a score normalizer.

- :func:`rrf`: reciprocal rank fusion, ``sum_i w_i / (k + rank_i)``, with ``k = 60`` as in
  Cormack, Clarke and Buettcher, "Reciprocal Rank Fusion outperforms Condorcet and individual
  rank learning methods" (SIGIR 2009) -- also pyserini's default (``rrf_k=60``).
- :func:`interpolate`: weighted sum of per-run scores after min-max normalization
  (pyserini's ``interpolation`` with ``alpha = 0.5`` by default; here the weights depend on the
  query, see :mod:`fahras.retrieval.query`).

Runs are mappings from a passage key to a score (higher is better); missing keys score as the
run's minimum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
