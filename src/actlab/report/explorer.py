"""Data for the report's interactive explorer: f, f', f'' of every activation's scalar view
(:mod:`actlab.analysis.sampling`, the declarations' own math) precomputed on a grid of x for
every combination of its slider values. The page's ``explorer.js`` only draws and interpolates.

Sliders: a float parameter with a sampling range or plot values gets round ``values`` over that
span (the default and the plot values included; it starts at the default); a string parameter
with choices (GELU's ``approximate``) a list.
Integer parameters (``dim``, ``num_parameters``) have no slider. Combinations that the
declaration rejects (Hardtanh's min_val > max_val) are stored as missing. The curves are cut
(NaN) at the kinks so no vertical line joins a jump.
"""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

import numpy as np

from ..analysis import kinks
from ..analysis.sampling import sample
from ..spec import Activation, Normalizer, Param, VectorMap
from .charts import nice_ticks

POINTS = 201
STEPS = {1: 9, 2: 5}  # slider positions per parameter by the number of sliders (3+: 3)


def _round(v: float) -> float:
    return float(f"{v:.3g}")


def slider_values(p: Param, n: int) -> list[Any] | None:
    """The values a slider offers for ``p`` (None: no slider)."""
    if p.kind is str:
        if isinstance(p.sample, tuple) and p.sample and isinstance(p.sample[0], str):
            return list(dict.fromkeys([p.default, *p.sample]))
        return None
    if p.kind is not float:
        return None
    anchors = [float(v) for v in p.plot if isinstance(v, (int, float))]
    if p.sample and not isinstance(p.sample[0], str):
        anchors += [float(p.sample[0]), float(p.sample[1])]
    if isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
        anchors.append(float(p.default))
    if len(set(anchors)) < 2:
        return None
    lo, hi = min(anchors), max(anchors)
    keep = {_round(v) for v in [*p.plot, lo, hi, p.default] if isinstance(v, (int, float))}
    grid = {_round(t) for t, _ in nice_ticks(lo, hi, max(n - 1, 2))}
    return sorted(keep | {v for v in grid if lo <= v <= hi})


def sliders(decl: type[Activation]) -> dict[str, list[Any]]:
    """Parameter name -> slider values, for the parameters that get a slider."""
    cands = [k for k, p in decl.params.items() if slider_values(p, 3) is not None]
    n = STEPS.get(len(cands), 3)
    return {k: slider_values(decl.params[k], n) for k in cands}  # type: ignore[misc]


def _valid(decl: type[Activation], p: dict[str, Any]) -> bool:
    try:
        decl.validate(**p)
    except (ValueError, TypeError, AssertionError, RuntimeError):
        return False
    return True


def _curves(decl: type[Activation], x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    s = sample(decl, x, **p)
    out = np.stack([s.f, s.df, s.d2f]).astype(np.float64)
    for k in kinks.kinks(decl, p, float(x[0]), float(x[-1])):
        if x[0] < k < x[-1]:
            out[:, int(np.argmin(np.abs(x - k)))] = np.nan
    return out


def grid(decl: type[Activation]) -> dict[str, Any]:
    """One activation's explorer entry (JSON-ready; the curves base64 float32, setting-major)."""
    lo, hi = decl.x_range
    x = np.linspace(lo, hi, POINTS)
    sl = sliders(decl)
    base = dict(decl.plot_params[0])
    keys = list(sl)
    combos = list(itertools.product(*(sl[k] for k in keys))) or [()]
    data = np.full((len(combos), 3, POINTS), np.nan, dtype=np.float32)
    valid = []
    for i, combo in enumerate(combos):
        p = {**base, **dict(zip(keys, combo))}
        ok = _valid(decl, p)
        if ok:
            try:
                data[i] = _curves(decl, x, p)
            except (ValueError, TypeError, RuntimeError):
                ok = False
        valid.append(ok)
    defaults = {**base, **{k: v for k, v in decl.defaults().items() if v is not None}}  # torch's defaults
    return {
        "name": decl.name,
        "family": decl.family,
        "view": "y0 of (x, 0)" if issubclass(decl, (Normalizer, VectorMap)) else "",
        "x": [float(lo), float(hi), POINTS],
        "params": [{"name": k, "values": sl[k], "index": _nearest(sl[k], defaults.get(k))} for k in keys],
        "valid": valid,
        "data": base64.b64encode(data.tobytes()).decode("ascii"),
    }


def _nearest(values: list[Any], v: Any) -> int:
    if v in values:
        return values.index(v)
    if isinstance(v, (int, float)) and all(isinstance(u, (int, float)) for u in values):
        return int(np.argmin([abs(u - v) for u in values]))
    return 0


def entry(decl: type[Activation]) -> dict[str, Any]:
    """:func:`grid`, or ``{"name", "error"}`` when the activation cannot be sampled."""
    try:
        return grid(decl)
    except Exception as exc:  # noqa: BLE001  one broken activation must not sink the page
        return {"name": decl.name, "error": f"{type(exc).__name__}: {exc}"}


def payload(entries: list[dict[str, Any]]) -> str:
    """The explorer's data as JSON, safe inside ``<script type="application/json">``."""
    text = json.dumps({"activations": entries}, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
