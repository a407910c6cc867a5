"""Figures of f, f' and f'' for any registered activation (matplotlib, Agg backend).

One figure per activation: three panels (f, f', f'') on the declaration's ``x_range``, one
colour per panel (f blue, f' orange, f'' green) and one line style per parameter setting of
``decl.plot_params``; declared kinks are drawn as dotted verticals, the lines are broken there
and the value the implementation takes at the kink (its convention) is a dot. Normalizers show
y = N(x, 0): both outputs, the Jacobian row and d^2 y_0/dx_0^2; gated units show the heatmap of
f(a, b) and the derivatives along b at a = 1. See :mod:`actlab.analysis.sampling`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..kinds import Activation, Normalizer, SplitGate, VectorMap  # noqa: E402
from . import kinks  # noqa: E402
from .sampling import SLICE_A, full_params, gated_grid, label, sample  # noqa: E402

COLORS = {"f": "#1f77b4", "df": "#ff7f0e", "d2f": "#2ca02c"}
STYLES = ("-", "--", ":", "-.")
POINTS = 801
FORMATS = ("png", "svg")
SIZE = (12.5, 3.6)  # inches
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "figure.dpi": 100,
    "axes.titley": 1.0,  # a fixed title position: placing it above the ticks costs a quarter of a draw
}


def kinks_in_range(decl: type[Activation], p: dict[str, Any]) -> tuple[float, ...]:
    """Kinks on the plotted range (:func:`actlab.analysis.kinks.kinks`)."""
    return kinks.kinks(decl, p)


def _grid(lo: float, hi: float, kinks: tuple[float, ...]) -> np.ndarray:
    """A grid on [lo, hi] with NaN breaks at the kinks (no vertical line drawn across a jump)."""
    x = np.linspace(lo, hi, POINTS)
    h = (hi - lo) * 1e-6
    cuts = sorted(k for k in kinks if lo < k < hi)
    parts, start = [], lo - 1.0
    for k in [*cuts, hi + 1.0]:
        seg = x[(x > start + h) & (x < k - h)] if start >= lo else x[x < k - h]
        ends = [k - h] if k <= hi else []
        begin = [start + h] if start >= lo else []
        parts.append(np.concatenate([begin, seg, ends]))
        start = k
    if len(cuts) == 0:
        return x
    out = [parts[0]]
    for part in parts[1:]:
        out += [np.array([np.nan]), part]
    return np.concatenate(out)


def _eval(decl: type[Activation], x: np.ndarray, p: dict[str, Any]):
    ok = ~np.isnan(x)
    s = sample(decl, x[ok], **p)
    out = {}
    for key in ("f", "df", "d2f"):
        v = np.full(x.shape, np.nan)
        v[ok] = getattr(s, key)
        out[key] = v
    for key, arr in s.extra.items():
        v = np.full(x.shape, np.nan)
        v[ok] = arr
        out[key] = v
    return out


def setting_label(decl: type[Activation], p: dict[str, Any]) -> str | None:
    """The legend label of one plot setting: the parameters any setting changes, with their
    values here (defaults where this setting leaves them); None when no setting changes any."""
    keys = list(dict.fromkeys(k for q in decl.plot_params for k in q))
    if not keys:
        return None
    full = full_params(decl, p)
    return label({k: full[k] for k in keys if k in full})


def _mark_kinks(axes, kinks: tuple[float, ...]) -> None:
    for k in kinks:
        for ax in axes:
            ax.axvline(k, color="0.4", ls=":", lw=0.9)


def _title(decl: type[Activation]) -> str:
    labels = [setting_label(decl, p) for p in decl.plot_params]
    if not any(labels):
        return decl.name
    if len(labels) == 1:
        return f"{decl.name} ({labels[0]})"
    return f"{decl.name}: " + "; ".join(str(lab) for lab in labels)


def _finish(ax, name: str, lo: float, hi: float) -> None:
    ax.set_title(name)
    ax.set_xlim(lo, hi)
    ax.axhline(0, color="0.75", lw=0.6, zorder=0)
    ax.axvline(0, color="0.75", lw=0.6, zorder=0)
    ax.grid(alpha=0.25)


def _elementwise(decl: type[Activation], fig: Figure) -> None:
    lo, hi = decl.x_range
    axes = fig.subplots(1, 3)
    names = ("f(x)", "f'(x)", "f''(x)")
    ylims = [[np.inf, -np.inf] for _ in axes]
    for i, p in enumerate(decl.plot_params):
        kinks = kinks_in_range(decl, p)
        x = _grid(lo, hi, kinks)
        v = _eval(decl, x, p)
        at = sample(decl, np.array(kinks), **p) if kinks else None
        for j, (ax, key) in enumerate(zip(axes, ("f", "df", "d2f"))):
            ax.plot(x, v[key], STYLES[i % len(STYLES)], color=COLORS[key], lw=1.8, label=setting_label(decl, p))
            fin = v[key][np.isfinite(v[key])]
            if fin.size:
                a, b = np.percentile(fin, [0.5, 99.5])
                ylims[j] = [min(ylims[j][0], a), max(ylims[j][1], b)]
            if at is not None:
                ax.plot(at.x, getattr(at, key), "o", ms=5, color=COLORS[key], mec="white", mew=0.6, zorder=3)
        _mark_kinks(axes, kinks)
    for ax, name, (a, b) in zip(axes, names, ylims):
        _finish(ax, name, lo, hi)
        pad = 0.08 * (b - a) if b - a > 1e-9 * (1 + abs(a)) else 0.5  # a flat line: unit span, no 1e-5 offsets
        ax.set_ylim(a - pad, b + pad)
        ax.set_xlabel("x")
    if any(decl.plot_params):
        axes[0].legend(loc="best", frameon=False)
    if any(kinks_in_range(decl, p) for p in decl.plot_params):
        (mark,) = axes[2].plot([], [], ls=":", marker="o", ms=4, color="0.4", label="kink (dot: value taken)")
        axes[2].legend(handles=[mark], loc="best", frameon=False)


def _normalizer(decl: type[Activation], fig: Figure) -> None:
    lo, hi = decl.x_range
    axes = fig.subplots(1, 3)
    p = decl.plot_params[0]
    x = np.linspace(lo, hi, POINTS)
    v = _eval(decl, x, p)
    c = COLORS
    axes[0].plot(x, v["f"], color=c["f"], lw=1.8, label="$y_0$")
    if "y1" in v:  # a vector map may give one output for the pair (Maxout)
        axes[0].plot(x, v["y1"], "--", color=c["f"], lw=1.8, label="$y_1$")
    axes[1].plot(x, v["df"], color=c["df"], lw=1.8, label=r"$\partial y_0/\partial x_0$")
    axes[1].plot(x, v["dy0_dx1"], "--", color=c["df"], lw=1.8, label=r"$\partial y_0/\partial x_1$")
    axes[2].plot(x, v["d2f"], color=c["d2f"], lw=1.8, label=r"$\partial^2 y_0/\partial x_0^2$")
    axes[2].plot(x, v["d2y0_dx0dx1"], "--", color=c["d2f"], lw=1.8, label=r"$\partial^2 y_0/\partial x_0 \partial x_1$")
    kinks = kinks_in_range(decl, p)
    _mark_kinks(axes, kinks)
    if kinks:
        axes[2].plot([], [], ls=":", color="0.4", label="support changes")
    for ax, name in zip(axes, ("y = N(x, 0)", "Jacobian row of $y_0$", "second derivatives of $y_0$")):
        _finish(ax, name, lo, hi)
        ax.set_xlabel("$x_0$ (with $x_1 = 0$)")
        ax.legend(loc="best", frameon=False)


def _gated(decl: type[Activation], fig: Figure) -> None:
    lo, hi = decl.x_range
    axes = fig.subplots(1, 3)
    grid = gated_grid(decl, (lo, hi), **decl.plot_params[0])
    m = float(np.nanmax(np.abs(grid))) or 1.0
    im = axes[0].imshow(grid, origin="lower", extent=(lo, hi, lo, hi), cmap="RdBu_r", vmin=-m, vmax=m, aspect="auto")
    axes[0].contour(
        np.linspace(lo, hi, grid.shape[1]), np.linspace(lo, hi, grid.shape[0]), grid, 9, colors="k", linewidths=0.4
    )
    axes[0].axhline(SLICE_A, color=COLORS["f"], lw=1.2, ls="--")
    fig.colorbar(im, ax=axes[0], fraction=0.046, pad=0.03)
    axes[0].set_title("f(a, b)  (dashed: a = 1)")
    axes[0].set_xlabel("b (gate)")
    axes[0].set_ylabel("a")
    x = np.linspace(lo, hi, POINTS)
    for i, p in enumerate(decl.plot_params):
        v = _eval(decl, x, p)
        ls = STYLES[i % len(STYLES)]
        suffix = f" ({setting_label(decl, p)})" if setting_label(decl, p) else ""
        axes[1].plot(x, v["df"], ls, color=COLORS["df"], lw=1.8, label=r"$\partial f/\partial b$" + suffix)
        axes[1].plot(x, v["df_da"], ls, color=COLORS["f"], lw=1.4, alpha=0.8, label=r"$\partial f/\partial a$" + suffix)
        axes[2].plot(x, v["d2f"], ls, color=COLORS["d2f"], lw=1.8, label=r"$\partial^2 f/\partial b^2$" + suffix)
        axes[2].plot(
            x,
            v["d2f_dadb"],
            ls,
            color=COLORS["df"],
            lw=1.4,
            alpha=0.8,
            label=r"$\partial^2 f/\partial a\partial b$" + suffix,
        )
    _mark_kinks(axes[1:], kinks_in_range(decl, decl.plot_params[0]))
    for ax, name in zip(axes[1:], ("first derivatives at a = 1", "second derivatives at a = 1")):
        _finish(ax, name, lo, hi)
        ax.set_xlabel("b")
        ax.legend(loc="best", frameon=False)


def figure(decl: type[Activation], size: tuple[float, float] = SIZE) -> Figure:
    """The f / f' / f'' figure of ``decl`` (not saved; close it with ``plt.close(fig)``), ``size``
    in inches."""
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=size)  # fixed margins: constrained layout costs 0.8 s a figure
        pair = issubclass(decl, (Normalizer, VectorMap))
        draw = _normalizer if pair else _gated if issubclass(decl, SplitGate) else _elementwise
        draw(decl, fig)
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.14, top=0.84, wspace=0.24)
        fig.suptitle(_title(decl), fontsize=12, fontweight="bold")
    return fig


def file_stem(name: str, p: dict[str, Any] | None = None) -> str:
    """A file name for ``name`` at parameters ``p``: ``ELU``, ``ELU_alpha=0.5`` (path-safe)."""
    text = name if not p else f"{name}_{label(p).replace(', ', '_')}"
    return "".join(c if c.isalnum() or c in "._=+-" else "_" for c in text)


def save(
    decl: type[Activation],
    out: str | Path,
    fmt: str = "png",
    dpi: int = 80,
    stem: str | None = None,
    colors: int | None = None,
    size: tuple[float, float] = SIZE,
) -> Path:
    """Write ``<out>/<stem>.<fmt>`` (stem: the declaration's name) and return its path; with
    ``colors`` a PNG is reduced to a palette of that many colours and compressed at zlib's
    highest level (a fifth of the bytes). ``size``: the figure's size in inches."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if dpi < 1:
        raise ValueError(f"dpi must be >= 1, got {dpi}")
    out = Path(out)
    path = out / f"{stem or file_stem(decl.name)}.{fmt}"
    fig = figure(decl, size)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if colors and fmt == "png":  # render once, quantise the pixels (no PNG written twice)
            from PIL import Image

            fig.set_dpi(dpi)
            fig.canvas.draw()
            pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
            quantized = Image.fromarray(pixels).quantize(colors, method=Image.Quantize.FASTOCTREE)
            quantized.save(path, format="PNG", optimize=True)
        else:
            fig.savefig(path, format=fmt, dpi=dpi)
    finally:
        plt.close(fig)
    return path


def gallery(decls: list[type[Activation]], path: str | Path, dpi: int = 90) -> Path:
    """One image: a row of f, f', f'' (defaults) per elementwise declaration, for the README."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(decls), 3, figsize=(11, 2.3 * len(decls)), layout="constrained", squeeze=False)
        for row, decl in zip(axes, decls):
            lo, hi = decl.x_range
            p = decl.plot_params[0]
            kinks = kinks_in_range(decl, p)
            v = _eval(decl, x := _grid(lo, hi, kinks), p)
            for ax, key, name in zip(row, ("f", "df", "d2f"), ("f", "f'", "f''")):
                ax.plot(x, v[key], color=COLORS[key], lw=1.8)
                _finish(ax, f"{decl.name}  {name}", lo, hi)
            _mark_kinks(row, kinks)
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
    return path
