r"""128-bit references of the normalizer family's rows (softmax, log-softmax; activations/normalizer.py),
per entry of a row."""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

from .core import PRECISION


# ---- normalisers (per entry of a row) ---------------------------------------------------------
def softmax_row(row: list[float]) -> list[mpf]:
    xs = [mpf(v) for v in row]
    m = max(xs)
    e = [mp.exp(v - m) for v in xs]
    s = mpmath.fsum(e)
    return [v / s for v in e]


def log_softmax_row(row: list[float]) -> list[mpf]:
    xs = [mpf(v) for v in row]
    m = max(xs)
    lse = mp.log(mpmath.fsum(mp.exp(v - m) for v in xs))
    return [(v - m) - lse for v in xs]


def normalizer_rows(name: str, rows: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
    """Forward and vector-Jacobian product with g = e_0 (the gradient of output entry 0),
    per entry, for Softmax, Softmin and LogSoftmax."""
    fwd, der = [], []
    with mp.workprec(PRECISION):
        for row in rows:
            if name == "LogSoftmax":
                y = log_softmax_row(row)
                p = [mp.exp(v) for v in y]
                d = [(1 if j == 0 else 0) - p[j] for j in range(len(row))]
            else:
                sign = -1 if name == "Softmin" else 1
                y = softmax_row([sign * v for v in row])
                d = [sign * y[j] * ((1 if j == 0 else 0) - y[0]) for j in range(len(row))]
            fwd.append([float(v) for v in y])
            der.append([float(v) for v in d])
    return fwd, der
