"""Sample an activation and its first two derivatives on a grid, generically over its kind.

* elementwise / random (evaluation mode) / user-defined: the declaration's own ``f``, ``df``,
  ``d2f`` (hand-derived for built-ins; autograd for user classes, see :mod:`actlab.user`);
* parametric (tensor parameters such as PReLU's weight): the module ``actlab.get(name, **p)``
  differentiated twice through its autograd Function (hand-derived ``vjp`` / ``vjp2``);
* normalizer (softmax family, sparsemax, ...) and vector map (SoLU, Maxout, CReLU, ...): the
  two-input slice y = N(x, 0), i.e. y_0 (and y_1 where the output has a second entry) as functions
  of x, with the Jacobian row (dy_0/dx_0, dy_0/dx_1) and d^2 y_0/dx_0^2;
* parametric with a tensor shaped like the input (FReLU's funnel condition): the slice at a
  funnel of 0;
* gated (GLU family): f(a, b) = a * act(b) sliced at a = 1, with df/da, df/db and
  d^2f/db^2, d^2f/da db; :func:`gated_grid` gives the (a, b) heatmap.

Everything runs in float64 on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..kinds import Activation, Normalizer, Parametric, SplitGate, VectorMap

VECTOR_KINDS = (Normalizer, SplitGate, VectorMap)  # sampled as two-input slices
SLICE_A = 1.0  # the fixed first half a of the gated slice f(a = 1, b)


@dataclass
class Sample:
    """f, f', f'' of the scalar view on ``x``; ``extra`` holds the other curves of 2-input kinds."""

    x: np.ndarray
    f: np.ndarray
    df: np.ndarray
    d2f: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def full_params(decl: type[Activation], p: dict[str, Any]) -> dict[str, Any]:
    """Defaults overridden by ``p``; torch's required or ``None`` defaults (dim) filled in for plotting."""
    out = {**decl.defaults(), **p}
    if "dim" in out and out["dim"] is None:
        out["dim"] = -1
    return out


def module_kwargs(decl: type[Activation], p: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``actlab.get``: only the parameters the declaration lists."""
    return {k: v for k, v in full_params(decl, p).items() if k in decl.params}


def _np(t: Tensor) -> np.ndarray:
    return t.detach().to(torch.float64).cpu().numpy().reshape(-1)


def _module(decl: type[Activation], p: dict[str, Any]) -> torch.nn.Module:
    from ..modules import get

    m = get(decl.name, **module_kwargs(decl, p))
    return m.to(torch.float64).eval()


def _grad(y: Tensor, x: Tensor, create_graph: bool) -> Tensor:
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=create_graph, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def sample(decl: type[Activation], x: np.ndarray | Tensor, **p: Any) -> Sample:
    """The scalar view of ``decl`` with parameters ``p`` (see the module docstring) on ``x``."""
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
    xs = _np(xt)
    if issubclass(decl, (Normalizer, VectorMap)):
        return _normalizer(decl, xt, p)
    if issubclass(decl, SplitGate):
        return _gated(decl, xt, p)
    if issubclass(decl, Parametric):
        return _parametric(decl, xt, p)
    q = {k: v for k, v in full_params(decl, p).items() if k != "inplace"}
    with torch.no_grad() if not decl.user_defined else torch.enable_grad():
        f, df, d2f = decl.f(xt, **q), decl.df(xt, **q), decl.d2f(xt, **q)
    return Sample(xs, _np(f), _np(torch.broadcast_to(df, xt.shape)), _np(torch.broadcast_to(d2f, xt.shape)))


def _parametric(decl: type[Activation], xt: Tensor, p: dict[str, Any]) -> Sample:
    x = xt.clone().requires_grad_(True)
    if decl.like_input:  # its module computes the tensor (FReLU's funnel): the slice at 0
        from .. import functional

        y = getattr(functional, decl.function)(x, *(torch.zeros_like(x) for _ in decl.tensor_params))
    else:
        y = _module(decl, p)(x)
    df = _grad(y, x, create_graph=True)
    d2f = _grad(df, x, create_graph=False)
    return Sample(_np(xt), _np(y), _np(df), _np(d2f))


def _pair(decl: type[Activation], first: Tensor, second: Tensor) -> Tensor:
    """Rows (first, second) along the normalised / split dimension: (N, 2), or (N, 2, 1, 1)
    for declarations without ``dim`` (Softmax2d normalises over channels, dim -3)."""
    x = torch.stack([first, second], dim=-1)
    return x if "dim" in decl.params else x[..., None, None]


def _normalizer(decl: type[Activation], xt: Tensor, p: dict[str, Any]) -> Sample:
    m = _module(decl, p)
    x = _pair(decl, xt, torch.zeros_like(xt)).requires_grad_(True)
    y = m(x).reshape(len(xt), -1)  # vector maps may change the size (Maxout: 1 entry, CReLU: 4)
    jac = _grad(y[:, 0], x, create_graph=True).reshape(len(xt), 2)  # dy0/dx0, dy0/dx1
    hess = _grad(jac[:, 0], x, create_graph=False).reshape(len(xt), 2)  # d2y0/dx0^2, d2y0/dx0dx1
    extra = {"dy0_dx1": _np(jac[:, 1]), "d2y0_dx0dx1": _np(hess[:, 1])}
    if y.shape[1] > 1:
        extra["y1"] = _np(y[:, 1])
    return Sample(_np(xt), _np(y[:, 0]), _np(jac[:, 0]), _np(hess[:, 0]), extra=extra)


def _gated(decl: type[Activation], xt: Tensor, p: dict[str, Any]) -> Sample:
    m = _module(decl, p)
    x = _pair(decl, torch.full_like(xt, SLICE_A), xt).requires_grad_(True)
    y = m(x).reshape(-1)
    grad = _grad(y, x, create_graph=True).reshape(len(xt), 2)  # df/da, df/db
    hess = _grad(grad[:, 1], x, create_graph=False).reshape(len(xt), 2)  # d2f/dadb, d2f/db2
    return Sample(
        _np(xt), _np(y), _np(grad[:, 1]), _np(hess[:, 1]), extra={"df_da": _np(grad[:, 0]), "d2f_dadb": _np(hess[:, 0])}
    )


def gated_grid(decl: type[Activation], lim: tuple[float, float], n: int = 121, **p: Any) -> np.ndarray:
    """f(a, b) on an n x n grid over ``lim`` (rows: a, columns: b) for the heatmap."""
    v = torch.linspace(lim[0], lim[1], n, dtype=torch.float64)
    a, b = torch.meshgrid(v, v, indexing="ij")
    with torch.no_grad():
        y = _module(decl, p)(_pair(decl, a.reshape(-1), b.reshape(-1)))
    return _np(y).reshape(n, n)


def label(p: dict[str, Any]) -> str:
    """``alpha=0.5, beta=2`` (floats shortened)."""
    return ", ".join(f"{k}={_short(v)}" for k, v in p.items()) or "defaults"


def _short(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
