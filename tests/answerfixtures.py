"""A small answer model written by hand, so that tests of the answer layer's mechanics do not
depend on the numbers the fitting tool last wrote (tools/calibrate_answers.py).

The chooser prefers the sentence with most of the question's words; P(answerable) =
sigmoid(8 lex_ctx - 6 absent - 4): refused below 0.2, a likely answer below 0.8.
"""

from __future__ import annotations

import numpy as np
import pytest

from fahras.retrieval.answer import model as M


def linear(weights: dict, intercept: float = 0.0) -> M.Linear:
    names = tuple(weights)
    return M.Linear(names, np.zeros(len(names)), np.ones(len(names)),
                    np.array(list(weights.values()), float), intercept)


VARIANT = M.Variant(linear({"lex_sent": 4.0, "fused_rel": 1.0, "pairs": 1.0}),
                    linear({"lex_ctx": 8.0, "absent": -6.0}, -4.0), 0.2, 0.8)
MODEL = M.AnswerModel("hash", {"late": VARIANT, "dense": VARIANT, "lexical": VARIANT}, {})


@pytest.fixture
def small_model(monkeypatch):
    """The default model is :data:`MODEL` for the test."""
    monkeypatch.setattr(M, "default_model", lambda: MODEL)
    return MODEL
