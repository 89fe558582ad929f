"""The two fits of the answer model (tools/calibrate_answers.py): a sign-constrained weighted
logistic regression (the refusal model) and a conditional logistic regression over each
question's candidates (the chooser), both on standardized features, by L-BFGS (scipy)."""

from __future__ import annotations

import numpy as np

from fahras.retrieval.answer.features import SIGNS
from fahras.retrieval.answer.model import Linear

L2 = 1e-3          # the chooser's penalty on its (standardized) coefficients
L2_REFUSAL = 1e-2  # the refusal model's


def _standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def fit_linear(X: np.ndarray, y: np.ndarray, w: np.ndarray, names: tuple[str, ...],
               l2: float = L2_REFUSAL) -> Linear:
    """A weighted logistic regression on standardized features whose coefficients keep the
    sign of their evidence (:data:`fahras.retrieval.answer.features.SIGNS`): what says the
    answer is missing may lower P(answerable), never raise it -- only the sizes are fitted."""
    from scipy.optimize import minimize

    mean, scale = _standardize(X)
    Z = (X - mean) / scale
    W = w / w.sum()
    yf = y.astype(float)

    def loss(b):
        z = Z @ b[:-1] + b[-1]
        p = 1.0 / (1.0 + np.exp(-z))
        value = -(W * (yf * np.log(p + 1e-12) + (1 - yf) * np.log(1 - p + 1e-12))).sum()
        r = W * (p - yf)
        grad = np.concatenate([Z.T @ r + 2 * l2 * b[:-1], [r.sum()]])
        return value + l2 * b[:-1] @ b[:-1], grad

    bounds = [(0, None) if SIGNS.get(f) == 1 else (None, 0) if SIGNS.get(f) == -1
              else (None, None) for f in names] + [(None, None)]
    b = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B", bounds=bounds).x
    return Linear(names, mean, scale, b[:-1], float(b[-1]))


def fit_conditional_logit(Xs: list[np.ndarray], Ys: list[np.ndarray], W: np.ndarray,
                          names: tuple[str, ...], l2: float = L2) -> Linear:
    """A conditional logistic regression (a softmax over each question's candidates): the
    coefficients that make a right candidate the likeliest of its question's, maximizing the
    weighted mean of log P(a right candidate); ``l2`` penalizes the standardized coefficients."""
    from scipy.optimize import minimize

    mean, scale = _standardize(np.vstack(Xs))
    Xa = np.vstack([(X - mean) / scale for X in Xs])
    ya = np.concatenate(Ys).astype(float)
    seg = np.concatenate([np.full(len(X), i) for i, X in enumerate(Xs)])
    W = W / W.sum()
    n = len(Xs)

    def loss(b):
        z = Xa @ b
        top = np.full(n, -np.inf)
        np.maximum.at(top, seg, z)
        e = np.exp(z - top[seg])
        den, num = np.zeros(n), np.zeros(n)
        np.add.at(den, seg, e)
        np.add.at(num, seg, e * ya)
        value = -(W * (np.log(num) - np.log(den))).sum() + l2 * b @ b
        p, q = e / den[seg], e * ya / num[seg]
        grad = -((q - p) * W[seg]) @ Xa + 2 * l2 * b
        return value, grad

    b = minimize(loss, np.zeros(Xa.shape[1]), jac=True, method="L-BFGS-B").x
    return Linear(names, mean, scale, b, 0.0)
