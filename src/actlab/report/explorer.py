"""Data for the report's interactive explorer: f, f', f'' of every activation's scalar view
(:mod:`actlab.analysis.sampling`, the declarations' own math) precomputed on a grid of x for
every combination of its slider values. The page's ``explorer.js`` only draws and interpolates.

Encoding (:func:`encode`, decoded by ``explorer.js`` and by :func:`decode`): per valid setting and
curve, its finite range ``lo, hi`` (float32), a bitmask of the grid points kept, and the kept
values as uint16 steps of (hi - lo) / 65534 (65535: NaN). A point is dropped when the straight
line between the kept points around it stays within ``TOLERANCE`` of the curve's span (the
plot's y range), so straight and gently curved stretches cost a few bytes: the drawn curve and
the read-out move by at most 2e-4 of the plot's height (0.04 px), far less than the read-out's
own linear interpolation between grid points. About a seventh of the bytes of float32 grids.

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
import struct
from typing import Any

import numpy as np

from ..analysis import kinks
from ..analysis.sampling import sample
from ..kinds import Activation, Normalizer, VectorMap
from .charts import nice_ticks

POINTS = 201
TOLERANCE = 2e-4  # of a curve's span: how far the kept polyline may stray (see the module docstring)
LEVELS = 65534  # uint16 steps between a curve's lo and hi; 65535 is NaN
NAN = 65535
STEPS = {1: 9, 2: 5}  # slider positions per parameter by the number of sliders (3+: 3)


def _round(v: float) -> float:
    return float(f"{v:.3g}")


def slider_values(decl: type[Activation], name: str, n: int) -> list[Any] | None:
    """The values a slider offers for parameter ``name`` (None: no slider): its plotted values,
    the sample range and the default, with a grid of ``n`` steps between."""
    p = decl.params[name]
    if p.type is str:
        if isinstance(p.sample, tuple) and p.sample and isinstance(p.sample[0], str):
            return list(dict.fromkeys([p.default, *p.sample]))
        return None
    if p.type is not float:
        return None
    plotted = [v for v in decl.plot_values(name) if isinstance(v, (int, float))]
    anchors = [float(v) for v in plotted]
    if p.sample and not isinstance(p.sample[0], str):
        anchors += [float(p.sample[0]), float(p.sample[1])]
    if isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
        anchors.append(float(p.default))
    if len(set(anchors)) < 2:
        return None
    lo, hi = min(anchors), max(anchors)
    keep = {_round(v) for v in [*plotted, lo, hi, p.default] if isinstance(v, (int, float))}
    grid = {_round(t) for t, _ in nice_ticks(lo, hi, max(n - 1, 2))}
    return sorted(keep | {v for v in grid if lo <= v <= hi})


def sliders(decl: type[Activation]) -> dict[str, list[Any]]:
    """Parameter name -> slider values, for the parameters that get a slider."""
    cands = [k for k in decl.params if slider_values(decl, k, 3) is not None]
    n = STEPS.get(len(cands), 3)
    return {k: slider_values(decl, k, n) for k in cands}  # type: ignore[misc]


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


def _keep(y: np.ndarray, tol: float) -> np.ndarray:
    """Grid points to keep so that linear interpolation between them is within ``tol`` of ``y``
    (non-finite points and their neighbours are always kept: the lines break there). Greedy, one
    pass: from each kept point the segment grows while its slope stays inside the interval that
    keeps every point it spans within ``tol``."""
    n = len(y)
    bad = ~np.isfinite(y)
    keep = bad.copy()
    keep[0] = keep[-1] = True
    keep[1:] |= bad[:-1]
    keep[:-1] |= bad[1:]
    v, forced, skip = y.tolist(), keep.tolist(), bad.tolist()
    i = 0
    while i < n - 1:
        if skip[i]:
            i += 1
            continue
        lo, hi, j = -np.inf, np.inf, i + 1
        while not forced[j] and not skip[j + 1]:
            lo = max(lo, (v[j] - tol - v[i]) / (j - i))
            hi = min(hi, (v[j] + tol - v[i]) / (j - i))
            if not lo <= (v[j + 1] - v[i]) / (j + 1 - i) <= hi:
                break
            j += 1
        keep[j] = True
        i = j
    return keep


def encode(curves: np.ndarray) -> bytes:
    """``curves`` (settings x 3 x points, NaN rows for invalid settings are skipped by the caller)
    as the compact binary of the module docstring."""
    out = bytearray()
    for y in curves.reshape(-1, curves.shape[-1]).astype(np.float64):
        y = np.where(np.isfinite(y), y, np.nan)
        fin = y[np.isfinite(y)]
        lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 0.0)
        lo32, hi32 = np.float32(lo), np.float32(hi)
        span = float(hi32) - float(lo32)
        keep = _keep(y, TOLERANCE * span)
        kept = y[keep]
        q = np.full(kept.shape, NAN, dtype="<u2")
        ok = np.isfinite(kept)
        if span > 0:
            q[ok] = np.clip(np.rint((kept[ok] - float(lo32)) / span * LEVELS), 0, LEVELS)
        else:
            q[ok] = 0
        out += struct.pack("<ff", lo32, hi32) + np.packbits(keep, bitorder="little").tobytes() + q.tobytes()
    return bytes(out)


def decode(entry: dict[str, Any]) -> np.ndarray:
    """The curves of an entry (settings x 3 x points; NaN for invalid settings) as the page
    reconstructs them (the same steps as ``explorer.js``)."""
    n = entry["x"][2]
    raw = base64.b64decode(entry["data"])
    out = np.full((len(entry["valid"]), 3, n), np.nan)
    pos, mask_len = 0, (n + 7) // 8
    for k, ok in enumerate(entry["valid"]):
        if not ok:
            continue
        for c in range(3):
            lo, hi = struct.unpack_from("<ff", raw, pos)
            keep = np.unpackbits(np.frombuffer(raw, np.uint8, mask_len, pos + 8), bitorder="little")[:n].astype(bool)
            idx = np.flatnonzero(keep)
            pos += 8 + mask_len
            q = np.frombuffer(raw, "<u2", len(idx), pos).astype(np.float64)
            pos += 2 * len(idx)
            vals = np.where(q == NAN, np.nan, lo + q * ((hi - lo) / LEVELS))
            row = np.interp(np.arange(n), idx, vals)
            out[k, c] = row
    return out


def grid(decl: type[Activation]) -> dict[str, Any]:
    """One activation's explorer entry (JSON-ready; the curves :func:`encode` d, base64)."""
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
        "data": base64.b64encode(encode(data[np.array(valid, dtype=bool)])).decode("ascii"),
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
