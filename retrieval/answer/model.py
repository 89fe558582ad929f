"""The fitted answer model: plain numbers in ``retrieval/data/answer_model.json``.

Two logistic regressions, written by ``python tools/calibrate_answers.py --write``:

- ``chooser``: P(a candidate sentence holds the answer) from the sentence features
  (:data:`fahras.retrieval.answer.features.SENTENCE_FEATURES`); the best candidate is the answer;
- ``refusal``: P(the question is answerable) from the question features
  (:data:`fahras.retrieval.answer.features.QUESTION_FEATURES`), with two limits: below
  ``refuse_below`` the answer is "not in the documents", below ``sure_above`` it is a likely
  answer.

Each is stored as feature names, the means and scales that standardize them, coefficients and
an intercept: a prediction is one dot product (no scikit-learn at run time). The model holds three
*variants*: ``late``, fitted with the embedding model named in ``embedding`` on every feature,
late interaction included (an index with token states); ``dense``, the same without the late
features (:data:`fahras.retrieval.answer.features.LATE`); and ``lexical``,
fitted without the features that come from the embeddings
(:data:`fahras.retrieval.answer.features.DENSE`) -- the one used with another embedding model,
whose cosines the numbers would misread, or with no query vector (lexical-only search).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "answer_model.json"


@dataclass(frozen=True)
class Linear:
    """A standardized logistic regression over named features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_json(cls, d: dict) -> "Linear":
        return cls(tuple(d["features"]), np.asarray(d["mean"], float),
                   np.asarray(d["scale"], float), np.asarray(d["coef"], float),
                   float(d["intercept"]))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": _round(self.mean),
                "scale": _round(self.scale), "coef": _round(self.coef),
                "intercept": round(float(self.intercept), 6)}

    def columns(self, names: tuple[str, ...]) -> np.ndarray:
        """Where this model's features are among ``names`` (the order features are computed)."""
        return np.array([names.index(f) for f in self.features], dtype=int)

    def contributions(self, X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        """Each feature's share of the logit, for each row of ``X`` (columns named ``names``)."""
        X = np.atleast_2d(X)[:, self.columns(names)]
        return (X - self.mean) / self.scale * self.coef

    def logit(self, X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        return self.contributions(X, names).sum(axis=1) + self.intercept


def _round(a) -> list[float]:
    return [round(float(v), 6) for v in np.asarray(a).ravel()]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


@dataclass(frozen=True)
class Variant:
    chooser: Linear
    refusal: Linear
    refuse_below: float
    sure_above: float

    @classmethod
    def from_json(cls, d: dict) -> "Variant":
        return cls(Linear.from_json(d["chooser"]), Linear.from_json(d["refusal"]),
                   float(d["refuse_below"]), float(d["sure_above"]))

    def to_json(self) -> dict:
        return {"chooser": self.chooser.to_json(), "refusal": self.refusal.to_json(),
                "refuse_below": round(self.refuse_below, 6),
                "sure_above": round(self.sure_above, 6)}


@dataclass(frozen=True)
class AnswerModel:
    embedding: str
    variants: dict[str, Variant]
    meta: dict

    @classmethod
    def from_json(cls, d: dict) -> "AnswerModel":
        meta = {k: v for k, v in d.items() if k not in ("embedding", "variants")}
        return cls(str(d["embedding"]), {k: Variant.from_json(v) for k, v in d["variants"].items()},
                   meta)

    def to_json(self) -> dict:
        return {"embedding": self.embedding,
                "variants": {k: v.to_json() for k, v in self.variants.items()}, **self.meta}

    def variant(self, embedding: str | None, dense: bool, late: bool = False) -> Variant:
        """For the embedding model it was fitted with, the ``late`` variant when the question
        has token states to compare (:mod:`fahras.retrieval.late`), else ``dense``; with
        another model or no query vector, ``lexical``."""
        if dense and embedding == self.embedding:
            if late and "late" in self.variants:
                return self.variants["late"]
            if "dense" in self.variants:
                return self.variants["dense"]
        return self.variants["lexical"]


@lru_cache(maxsize=1)
def default_model() -> AnswerModel:
    return AnswerModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def as_model(model) -> AnswerModel:
    if model is None:
        return default_model()
    return model if isinstance(model, AnswerModel) else AnswerModel.from_json(model)
