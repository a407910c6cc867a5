"""Figures of f, f', f'' (actlab.analysis.plots): every registered activation, kinks, derivatives."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import actlab
from actlab.analysis import plots
from actlab.analysis.sampling import sample


@pytest.mark.parametrize("name", actlab.names())
def test_every_activation_plots(name: str) -> None:
    decl = actlab.declaration(name)
    fig = plots.figure(decl)
    try:
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert len(axes) >= 3
        drawn = [ln for ax in axes for ln in ax.lines if len(ln.get_xdata()) > 10]
        assert drawn, "no curve drawn"
        for ln in drawn:
            y = np.asarray(ln.get_ydata(), dtype=float)
            assert np.isfinite(y[~np.isnan(y)]).all() and (~np.isnan(y)).sum() > 100
    finally:
        plt.close(fig)


def _curve(fig, panel: int, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    ln = [ln for ln in fig.axes[panel].lines if len(ln.get_xdata()) > 10][index]
    return np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)


def test_elementwise_panels_are_the_hand_derived_derivatives() -> None:
    decl = actlab.declaration("ELU")
    fig = plots.figure(decl)
    try:
        assert len([ln for ln in fig.axes[1].lines if len(ln.get_xdata()) > 10]) == len(decl.plot_params)
        for panel, fn in ((0, decl.f), (1, decl.df), (2, decl.d2f)):
            x, y = _curve(fig, panel)  # first setting: alpha = 0.5
            ok = ~np.isnan(x)
            want = fn(torch.tensor(x[ok], dtype=torch.float64), alpha=0.5).numpy()
            np.testing.assert_allclose(y[ok], want, rtol=1e-12, atol=1e-12)
            kink_lines = [ln for ln in fig.axes[panel].lines if list(ln.get_xdata()) == [0, 0]]
            assert kink_lines, "the kink at 0 is not marked"
        assert "alpha=0.5" in fig.get_suptitle() and "alpha=2" in fig.get_suptitle()
    finally:
        plt.close(fig)


def test_softmax_shows_jacobian_of_the_pair() -> None:
    s = sample(actlab.declaration("Softmax"), np.linspace(-4, 4, 9))
    y = 1 / (1 + np.exp(-s.x))
    np.testing.assert_allclose(s.f, y, rtol=1e-12)
    np.testing.assert_allclose(s.df, y * (1 - y), rtol=1e-10)
    np.testing.assert_allclose(s.extra["dy0_dx1"], -y * (1 - y), rtol=1e-10)
    np.testing.assert_allclose(s.d2f, y * (1 - y) * (1 - 2 * y), atol=1e-12)


def test_glu_slice_and_parametric_prelu() -> None:
    g = sample(actlab.declaration("GLU"), np.linspace(-4, 4, 9))
    sig = 1 / (1 + np.exp(-g.x))
    np.testing.assert_allclose(g.f, sig, rtol=1e-12)  # a = 1
    np.testing.assert_allclose(g.df, sig * (1 - sig), rtol=1e-10)
    np.testing.assert_allclose(g.extra["df_da"], sig, rtol=1e-12)
    p = sample(actlab.declaration("PReLU"), np.array([-2.0, -0.5, 0.5, 2.0]), init=0.1)
    np.testing.assert_allclose(p.df, [0.1, 0.1, 1.0, 1.0], rtol=1e-7)
    np.testing.assert_allclose(p.f, [-0.2, -0.05, 0.5, 2.0], rtol=1e-7)


def test_save_png_and_svg(tmp_path) -> None:
    decl = actlab.declaration("Hardswish")
    png = plots.save(decl, tmp_path, "png")
    svg = plots.save(decl, tmp_path, "svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()[:2000]
    with pytest.raises(ValueError, match="format"):
        plots.save(decl, tmp_path, "jpg")


def test_gallery(tmp_path) -> None:
    path = plots.gallery([actlab.declaration("ReLU"), actlab.declaration("GELU")], tmp_path / "g.png")
    assert path.stat().st_size > 10_000
