"""Kinks of an activation's scalar view: where f, f' or f'' is not continuous.

* built-in elementwise, random, parametric and gated declarations: the declared ``decl.kinks(**p)``;
* normalizers: where the support of y = N(x, 0) changes on the plotted slice (an entry becomes
  exactly 0: sparsemax and 1.5-entmax; none for softmax), located by bisection;
* user-defined activations (no declaration to trust): found numerically, as an isolated jump of
  f or f' on a fine grid (much larger than the steps next to it and than the neighbouring f''
  allows), located by bisection.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..kinds import Activation, Normalizer
from .sampling import full_params, sample

GRID_POINTS = 4001  # per x_range for the numerical search
BISECT_STEPS = 48
SUBDIVIDE = 63  # points per round of _bisect (64 sub-intervals: 8 rounds for 48 halvings)
SNAP = 1e-7  # a located kink within this of a round value (6 decimals) is that value


def kink_args(decl: type[Activation]) -> tuple[str, ...]:
    """Parameter names ``decl.kinks`` accepts (it may take **kwargs: then all of them)."""
    sig = inspect.signature(decl.kinks)
    if any(v.kind is inspect.Parameter.VAR_KEYWORD for v in sig.parameters.values()):
        return tuple(decl.params)
    return tuple(sig.parameters)


def declared(decl: type[Activation], p: dict[str, Any]) -> tuple[float, ...]:
    """``decl.kinks`` at the parameters ``p`` (defaults for the rest)."""
    q = {k: v for k, v in full_params(decl, p).items() if k in kink_args(decl)}
    return tuple(float(k) for k in decl.kinks(**q))


def _snap(x: float) -> float:
    r = round(x, 6)
    return float(r if abs(r - x) <= SNAP * max(1.0, abs(x)) else x)


def _bisect(side, lo: float, hi: float) -> float:
    """The point in [lo, hi] where ``side(x)`` (an array of x -> False left of it, True right)
    flips. Each round evaluates SUBDIVIDE points at once (one call, not one per point: a call
    costs the same for 1 or 63 points) and keeps the sub-interval where it flips, for as many
    rounds as narrow the bracket as much as BISECT_STEPS halvings."""
    for _ in range(-(-BISECT_STEPS // int(np.log2(SUBDIVIDE + 1)))):
        t = np.linspace(lo, hi, SUBDIVIDE + 2)[1:-1]
        right = np.asarray(side(t), dtype=bool)
        first = int(np.argmax(right)) if right.any() else len(t)
        lo, hi = (t[first - 1] if first > 0 else lo), (t[first] if first < len(t) else hi)
    return _snap(0.5 * (lo + hi))


def support_changes(decl: type[Activation], p: dict[str, Any], lo: float, hi: float) -> tuple[float, ...]:
    """Where an entry of y = N(x, 0) becomes exactly 0 or leaves 0, for x in [lo, hi]."""

    def support(x: np.ndarray) -> np.ndarray:
        s = sample(decl, x, **p)
        return (s.f > 0).astype(int) * 2 + (s.extra["y1"] > 0).astype(int)

    x = np.linspace(lo, hi, GRID_POINTS)
    sup = support(x)
    out = []
    for i in np.flatnonzero(sup[1:] != sup[:-1]):
        left = sup[i]
        out.append(_bisect(lambda t, left=left: support(t) != left, x[i], x[i + 1]))
    return tuple(out)


def jumps(x: np.ndarray, g: np.ndarray, dg: np.ndarray | None) -> np.ndarray:
    """Indices i where g steps between x[i] and x[i+1] far more than next to it, and (with dg,
    the derivative of g) more than the slope two points away on either side allows; the slope
    at the step itself is not used, since a finite-difference derivative spikes there."""
    d = np.abs(np.diff(g))
    nb = np.maximum(np.concatenate([[0.0], d[:-1]]), np.concatenate([d[1:], [0.0]]))
    big = (d > 1e-6 * (1.0 + np.abs(g[:-1]))) & (d > 20.0 * nb) & np.isfinite(d)
    if dg is not None:
        h = np.diff(x)
        pad = np.concatenate([[dg[0]] * 2, dg, [dg[-1]] * 2])
        slope = np.maximum(np.abs(pad[:-4][: len(d)]), np.abs(pad[4:][: len(d)]))
        big &= d > 4.0 * slope * h + 1e-12
    return np.flatnonzero(big)


def numerical(decl: type[Activation], p: dict[str, Any], lo: float, hi: float) -> tuple[float, ...]:
    """Jumps of f or f' found on a grid over [lo, hi], each located by bisection."""
    x = np.linspace(lo, hi, GRID_POINTS)
    s = sample(decl, x, **p)
    found: list[float] = []
    for key, g, dg in (("f", s.f, s.df), ("df", s.df, s.d2f)):
        for i in jumps(x, g, dg):
            ref, half = g[i], 0.5 * abs(g[i + 1] - g[i])

            def right(t: np.ndarray, key: str = key, ref: float = ref, half: float = half) -> np.ndarray:
                return np.abs(getattr(sample(decl, t, **p), key) - ref) > half

            k = _bisect(right, x[i], x[i + 1])
            if not any(abs(k - f) <= 1e-6 * max(1.0, abs(k)) for f in found):
                found.append(k)
    return tuple(sorted(found))


def kinks(
    decl: type[Activation], p: dict[str, Any], lo: float | None = None, hi: float | None = None
) -> tuple[float, ...]:
    """Kinks of the scalar view at parameters ``p`` in [lo, hi] (default: ``decl.x_range``)."""
    lo = decl.x_range[0] if lo is None else lo
    hi = decl.x_range[1] if hi is None else hi
    if issubclass(decl, Normalizer):
        found = _searched(support_changes, decl, p, lo, hi)
    elif decl.user_defined:
        found = _searched(numerical, decl, p, lo, hi)
    else:
        found = declared(decl, p)
    return tuple(k for k in found if lo <= k <= hi)


_FOUND: dict[Any, tuple[float, ...]] = {}  # searches already run (the plot, properties and explorer ask again)


def _searched(search, decl: type[Activation], p: dict[str, Any], lo: float, hi: float) -> tuple[float, ...]:
    try:
        key = (search, decl, tuple(sorted(p.items())), float(lo), float(hi))
        hash(key)
    except TypeError:  # a tensor or list parameter: not cached
        return search(decl, p, lo, hi)
    if key not in _FOUND:
        if len(_FOUND) > 1024:
            _FOUND.clear()
        _FOUND[key] = search(decl, p, lo, hi)
    return _FOUND[key]
