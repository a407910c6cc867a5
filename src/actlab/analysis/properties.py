r"""Properties of an activation, computed (never typed in) from its scalar view
(:mod:`actlab.analysis.sampling`): f, f' and f'' on a wide grid, far-out points for the limits
at +-inf, one-sided values at the declared kinks, and quadrature for the moments under N(0, 1).

* range: inf and sup of f over the grid and the limits; a bracket is closed when the bound is
  reached on the grid within \|x\| <= 10 (further out float64 rounds limits to values), open when
  it is only a limit;
* monotonic: f' and the grid differences of f have one sign;
* smoothness: ``discontinuous``, ``C0``, ``C1`` or ``C2+`` — the first of f, f', f'' that jumps at
  a kink (:mod:`actlab.analysis.kinks`: declared, support changes of normalizers, found
  numerically for user-defined classes) or anywhere on the grid (an isolated step much larger
  than its neighbours); a user's class is C2+ only when its f'' has no step on the grid either;
* zero-centred: \|E f(z)\| <= 0.1 sd f(z) for z ~ N(0, 1);
* saturating: f' -> 0 at -inf ("left"), +inf ("right"), both, or neither;
* Lipschitz constant: max \|f'\| (infinite when f jumps);
* mean and variance of f(z), z ~ N(0, 1): Gauss-Hermite (``hermite_e``, weight e^{-z^2/2}) when
  f is smooth; with kinks or jumps, Gauss-Legendre on the pieces between them (weighted by the
  normal density, truncated at +-40 where the density is below 1e-300), which is exact to
  rounding where a single Gauss-Hermite rule converges only like n^{-1}.

For normalizers the scalar view is y_0 of (x, 0); for gated units f(a = 1, b); their moments
are not reported (a slice of a vector map has no natural input distribution).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.polynomial import hermite_e, legendre

from ..kinds import Activation, Normalizer, SplitGate, VectorMap
from .kinks import jumps
from .kinks import kinks as kinks_of
from .sampling import VECTOR_KINDS, full_params, sample

GRID = (-30.0, 30.0, 24_001)
FAR = tuple(10.0**k for k in range(1, 9))  # 10 .. 1e8 for the limits at +-inf
HERMITE_NODES = 160
LEGENDRE_NODES = 200
TRUNCATE = 40.0
KINK_STEP = 1e-7
ATTAIN_RADIUS = 10.0  # tanh(10) < 1 and sigmoid(-10) > 0 in float64


@dataclass
class Properties:
    name: str
    params: dict[str, Any]
    view: str  # what function of one variable the numbers describe
    range_lo: float
    range_hi: float
    lo_closed: bool
    hi_closed: bool
    monotonic: str  # "increasing" | "decreasing" | "no"
    bounded_below: bool
    bounded_above: bool
    smoothness: str  # "discontinuous" | "C0" | "C1" | "C2+"
    zero_centred: bool | None
    f0: float
    df0: float
    lipschitz: float
    saturating: str  # "both" | "left" | "right" | "no"
    mean: float | None
    variance: float | None

    def range_str(self) -> str:
        left, right = "[" if self.lo_closed else "(", "]" if self.hi_closed else ")"
        return f"{left}{fmt(self.range_lo)}, {fmt(self.range_hi)}{right}"

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


ZERO = 1e-12  # |v| below this is float noise and printed as 0


def fmt(v: float | None, digits: int = 4) -> str:
    """A number for people: n/a, ±∞, 0 for |v| < 1e-12 (float noise), else ``digits`` significant."""
    if v is None:
        return "n/a"
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if abs(v) < ZERO:
        return "0"
    return f"{v:.{digits}g}"


def _jump(left: float, right: float) -> bool:
    return abs(right - left) > 1e-4 * (1.0 + abs(left) + abs(right))


def _grid_jumps(x: np.ndarray, g: np.ndarray, dg: np.ndarray | None = None) -> np.ndarray:
    """Points where g takes an isolated step: a difference much larger than its neighbours' and
    than the step the derivative allows (dg, when known)."""
    d = np.abs(np.diff(g))
    nb = np.maximum(np.concatenate([[0.0], d[:-1]]), np.concatenate([d[1:], [0.0]]))
    big = (d > 1e-3 * (1.0 + np.abs(g[:-1]))) & (d > 20.0 * nb)
    if dg is not None:
        h = np.diff(x)
        slope = np.maximum(np.abs(dg[:-1]), np.abs(dg[1:]))
        big &= d > 4.0 * slope * h + 1e-12
    return (x[:-1] + x[1:])[big] / 2


def _limit(values: list[float]) -> float:
    """The limit of f at x = 10, 100, ..., 1e8 (in order): the last value if the sequence settles,
    else +-inf in the direction it grows."""
    v = np.asarray(values)
    if not np.all(np.isfinite(v)):
        return float(v[~np.isnan(v)][-1]) if np.any(~np.isnan(v)) else math.nan
    if abs(v[-1] - v[-2]) <= 1e-6 * (1.0 + abs(v[-1])):
        shrinking = abs(v[-1]) < 1e-6 and abs(v[-1]) < abs(v[-2])
        return 0.0 if shrinking else float(v[-1])  # e.g. squareplus ~ b / (4|x|) -> 0
    return math.inf if v[-1] > v[-2] else -math.inf


def gaussian_moments(fn, cuts: tuple[float, ...] = ()) -> tuple[float, float]:
    """E f(z) and Var f(z) for z ~ N(0, 1); ``fn`` maps a float64 array to one."""
    inner = sorted({c for c in cuts if -TRUNCATE < c < TRUNCATE})
    if not inner:
        z, w = hermite_e.hermegauss(HERMITE_NODES)
        w = w / math.sqrt(2.0 * math.pi)
    else:
        t, wt = legendre.leggauss(LEGENDRE_NODES)
        edges = [-TRUNCATE, *inner, TRUNCATE]
        zs, ws = [], []
        for a, b in zip(edges[:-1], edges[1:]):
            z_ = (b - a) / 2 * t + (a + b) / 2
            zs.append(z_)
            ws.append(wt * (b - a) / 2 * np.exp(-z_ * z_ / 2) / math.sqrt(2.0 * math.pi))
        z, w = np.concatenate(zs), np.concatenate(ws)
    y = fn(z)
    mean = float(np.sum(w * y))
    return mean, float(np.sum(w * (y - mean) ** 2))


def compute(decl: type[Activation], **p: Any) -> Properties:
    """The properties of ``decl`` with parameters ``p`` (defaults for the rest)."""
    q = full_params(decl, p)
    x = np.linspace(*GRID[:2], int(GRID[2]))
    s = sample(decl, x, **p)
    far = np.array(FAR)
    left, right = sample(decl, -far, **p), sample(decl, far, **p)
    lim_lo, lim_hi = _limit(list(left.f)), _limit(list(right.f))

    kinks = kinks_of(decl, p, *GRID[:2])
    level = 3  # 0: f jumps, 1: f' jumps, 2: f'' jumps, 3: none found
    for k in kinks:
        h = KINK_STEP * max(1.0, abs(k))
        sk = sample(decl, np.array([k - h, k + h]), **p)
        for i, g in enumerate((sk.f, sk.df, sk.d2f)):
            if _jump(g[0], g[1]):
                level = min(level, i)
    f_jumps = _grid_jumps(x, s.f, s.df)
    for i, (g, dg) in enumerate(((s.f, s.df), (s.df, s.d2f), (s.d2f, None))):
        if len(_grid_jumps(x, g, dg)):
            level = min(level, i)
    if decl.user_defined and level == 3 and len(jumps(x, s.d2f, None)):
        level = 2  # C2+ only when f'' (autograd or differences) is continuous on the grid too
    smooth = ("discontinuous", "C0", "C1", "C2+")[level]

    lo = float(np.nanmin([s.f.min(), lim_lo, left.f.min(), right.f.min()]))
    hi = float(np.nanmax([s.f.max(), lim_hi, left.f.max(), right.f.max()]))
    near = s.f[np.abs(x) <= ATTAIN_RADIUS]  # a bound reached only where float64 rounds is a limit
    lo_closed = bool(np.isfinite(lo) and near.min() <= lo)
    hi_closed = bool(np.isfinite(hi) and near.max() >= hi)

    tol = 1e-12
    dfs = np.concatenate([s.df, left.df, right.df])
    steps = np.diff(s.f)
    if np.all(dfs >= -tol) and np.all(steps >= -1e-9):
        mono = "increasing"
    elif np.all(dfs <= tol) and np.all(steps <= 1e-9):
        mono = "decreasing"
    else:
        mono = "no"

    sat_l, sat_r = abs(left.df[-1]) < 1e-6, abs(right.df[-1]) < 1e-6
    saturating = {(True, True): "both", (True, False): "left", (False, True): "right"}.get((sat_l, sat_r), "no")
    # f' grows without bound only if |f'| keeps increasing over the last far points (not when it
    # oscillates, as Snake's 1 + sin(2ax) does)
    growing = any(
        all(abs(b) > abs(a) * (1 + 1e-6) + 1e-12 for a, b in zip(side.df[-4:-1], side.df[-3:]))
        for side in (left, right)
    )
    lipschitz = math.inf if level == 0 or growing else float(np.max(np.abs(dfs)))

    at0 = sample(decl, np.array([0.0]), **p)
    mean = var = None
    centred = None
    if not issubclass(decl, VECTOR_KINDS):
        cuts = kinks + tuple(float(c) for c in f_jumps)
        mean, var = gaussian_moments(lambda z: sample(decl, z, **p).f, cuts)
        centred = bool(abs(mean) <= 0.1 * math.sqrt(max(var, 0.0)))

    view = "f(x)"
    if issubclass(decl, (Normalizer, VectorMap)):
        view = "y_0 of (x, 0)"
    elif issubclass(decl, SplitGate):
        view = "f(a = 1, b = x)"
    return Properties(
        name=decl.name,
        params={k: v for k, v in q.items() if k in decl.params},
        view=view,
        range_lo=lo,
        range_hi=hi,
        lo_closed=lo_closed,
        hi_closed=hi_closed,
        monotonic=mono,
        bounded_below=bool(np.isfinite(lo)),
        bounded_above=bool(np.isfinite(hi)),
        smoothness=smooth,
        zero_centred=centred,
        f0=float(at0.f[0]),
        df0=float(at0.df[0]),
        lipschitz=lipschitz,
        saturating=saturating,
        mean=mean,
        variance=var,
    )


def for_plot_params(decl: type[Activation]) -> Properties:
    """The properties at the declaration's first plot setting (its defaults where that is empty)."""
    return compute(decl, **decl.plot_params[0])
