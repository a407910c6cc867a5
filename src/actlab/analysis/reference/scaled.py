r"""128-bit ground truth of the scaled family (activations/scaled.py): GammaAct, gamma (the float64
value, exactly) times the wrapped activation's own reference, with that reference's zeros of f'."""

from __future__ import annotations

from typing import Any

from mpmath import mpf

from ...activations.scaled import resolve
from .core import REFERENCES, Reference


def _identity_f(x: mpf) -> mpf:
    return x


def _identity_df(x: mpf) -> mpf:
    return mpf(1)  # d x/dx = 1 at every input, NaN included (as autograd of x)


def _inner(act_type: str) -> tuple[Reference, dict[str, Any]]:
    decl, p = resolve(act_type)
    if decl.name == "_Identity":
        return Reference(_identity_f, _identity_df), {}
    return REFERENCES[decl.name], p


def _f(x: mpf, act_type: str, gamma: float) -> mpf:
    ref, p = _inner(act_type)
    return mpf(gamma) * ref.f(x, **p)


def _df(x: mpf, act_type: str, gamma: float) -> mpf:
    ref, p = _inner(act_type)
    return mpf(gamma) * ref.df(x, **p)


def _df_zeros(act_type: str = "relu", gamma: float = 1.0) -> tuple[float, ...]:
    ref, p = _inner(act_type)
    return ref.df_zeros(**p)


REFERENCES["GammaAct"] = Reference(_f, _df, _df_zeros)
