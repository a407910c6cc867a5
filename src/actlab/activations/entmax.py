r"""alpha-entmax for any alpha > 0 (alpha != 1) by bisection, with a learnable alpha: a
:class:`~actlab.spec.ParametricNormalizer`.

With :math:`\beta = \alpha - 1` and x shifted by its maximum (x <= 0), the map is

.. math:: y_i = [1 + \beta(x_i - \rho)]_+^{1/\beta},\quad \textstyle\sum_i y_i = 1,

the entmax package's :math:`[(\alpha - 1)x - \tau]_+^{1/(\alpha-1)}` with :math:`\tau = \beta(\max x + \rho) - 1`
(Peters et al. 2019). Written this way :math:`y_i = \exp(\operatorname{log1p}(\beta(x_i - \rho))/\beta)` tends to
softmax as alpha -> 1 without cancellation. The root :math:`\rho \in [0, (1 - d^{-\beta})/\beta]` is bracketed
(the top entry is 1 at the left end, every entry at most 1/d at the right end), bisected ``n_iter``
times and polished by two Newton steps on the support (kept inside the bracket), so float64
reaches full precision: alpha = 1.5 agrees with the sort-based Entmax15 and alpha = 2 with Sparsemax
to a few units of float64's epsilon.

Derivatives (support S = {y > 0}, :math:`s = y^{2-\alpha}` on S, 0 off it, :math:`U = \sum s`):

* :math:`J_x^\top g = J_x g = s \odot (g - c_g)`, :math:`c_g = \langle s, g\rangle / U`;
* :math:`\partial y_i/\partial\alpha = v_i = \frac{1}{\beta}\bigl[\frac{y_i - s_i/U}{\beta} - y_i\ell_i + \frac{s_i}{U}H\bigr]`,
  :math:`\ell = \log y`, :math:`H = \sum y\ell` (Correia et al. 2019). The bracket cancels as alpha -> 1;
  ``alpha_direction`` evaluates it as :math:`\frac{y_i}{S}\bigl[-\ell_i^2\psi_i + \langle\ell^2\psi\rangle + \ell_i(\langle\ell\varphi\rangle - \varphi_i H)\bigr]`
  with :math:`t = -\beta\ell`, :math:`\varphi = \operatorname{expm1}(t)/t`, :math:`\psi = (\operatorname{expm1}(t) - t)/t^2`,
  :math:`S = 1 - \beta\langle\ell\varphi\rangle`, :math:`\langle\cdot\rangle = \sum y\,\cdot` (exact, no cancellation);
* second order: with y held fixed (the operator chains y's own dependence), the partials of
  :math:`\langle gg_x, J^\top g\rangle + gg_\alpha\langle g, v\rangle` in y and alpha through
  :math:`\partial s/\partial y = (1-\beta)s/y`, :math:`\partial s/\partial\alpha = -s\ell` (``vjp2``, ``vjp_jvp``). These
  closed forms lose relative accuracy like :math:`\epsilon/(\alpha - 1)^2` as alpha -> 1 (alpha = 1 itself is
  softmax: rejected with a clear error). For alpha > 1.5 the second derivative in x is unbounded where
  an entry enters the support (:math:`d^2 y/dx^2 \sim y^{1 - 2\beta}`): a property of the map.

Off the support every derivative is 0 (the convention of Sparsemax and Entmax15). alpha is a number
or a tensor with size 1 along ``dim`` (one alpha per row, as the entmax package); its gradient is
summed to its shape.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ..errors import ParameterError
from ..registry import register
from ..spec import Param, ParametricNormalizer, integer
from .sparse import DIM, shifted

PSI_CUT = 0.5  # below |t|, psi(t) = (expm1(t) - t)/t^2 by its series (the closed form cancels)
_PSI_SERIES = tuple(1.0 / math.factorial(n + 2) for n in range(18))


def _alpha_ok(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0 and v != 1


def check_alpha(alpha: Tensor) -> None:
    """ParameterError unless every alpha is finite, > 0 and != 1 (skipped inside torch.func
    transforms, where the values are not inspectable)."""
    if torch._C._functorch.is_functorch_wrapped_tensor(alpha) or alpha.device.type == "meta":
        return
    bad = ~torch.isfinite(alpha) | (alpha <= 0) | (alpha == 1)
    if bool(bad.any()):
        raise ParameterError(
            f"EntmaxBisect: alpha must be finite, > 0 and != 1 (alpha = 1 is softmax), got {alpha[bad].flatten()[0].item()!r}"
        )


def _phi(t: Tensor) -> Tensor:
    r""":math:`\operatorname{expm1}(t)/t` (1 at t = 0)."""
    zero = t == 0
    return torch.where(zero, 1.0, torch.expm1(t) / torch.where(zero, 1.0, t))


def _psi(t: Tensor) -> Tensor:
    r""":math:`(\operatorname{expm1}(t) - t)/t^2` (1/2 at 0), by its series below ``PSI_CUT``."""
    small = t.abs() < PSI_CUT
    u = torch.where(small, t, 0.0)
    acc = torch.full_like(u, _PSI_SERIES[-1])
    for c in reversed(_PSI_SERIES[:-1]):
        acc = acc * u + c
    w = torch.where(small, 1.0, t)
    return torch.where(small, acc, (torch.expm1(w) - w) / (w * w))


def _power(z: Tensor, rho: Tensor, beta: Tensor) -> Tensor:
    r""":math:`[1 + \beta(z - \rho)]_+^{1/\beta}` as :math:`\exp(\operatorname{log1p}(\beta(z - \rho))/\beta)`; NaN stays NaN."""
    u = beta * (z - rho)
    inside = u > -1.0
    p = torch.exp(torch.log1p(torch.where(inside, u, 0.0)) / beta)
    return torch.where(inside, p, torch.where(torch.isnan(u), u, 0.0))


def _slope(p: Tensor, beta: Tensor) -> Tensor:
    r""":math:`p^{1-\beta}` on the support (p > 0), 0 off it: :math:`-\partial p/\partial\rho`, and s of the Jacobian."""
    on = p > 0.0
    return torch.where(on, torch.pow(torch.where(on, p, 1.0), 1.0 - beta), 0.0)


def _solve(z: Tensor, beta: Tensor, dim: int, n_iter: int) -> Tensor:
    """rho with sum [1 + beta (z - rho)]_+^(1/beta) = 1 for z <= 0 (max 0): bisection, then Newton."""
    d = z.size(dim)
    width = -torch.expm1(-beta * math.log(d)) / beta * torch.ones_like(z.narrow(dim, 0, 1))
    lo = torch.zeros_like(width)
    for _ in range(n_iter):
        width = width / 2.0
        mid = lo + width
        excess = _power(z, mid, beta).sum(dim, keepdim=True) - 1.0
        lo = torch.where(excess >= 0.0, mid, lo)
    hi = lo + width
    rho = lo + width / 2.0
    for _ in range(2):  # Newton on the support: d(sum p)/d rho = -sum p^(1 - beta)
        p = _power(z, rho, beta)
        slope = _slope(p, beta).sum(dim, keepdim=True)
        rho = torch.clamp(rho + (p.sum(dim, keepdim=True) - 1.0) / slope, min=lo, max=hi)
    return rho


def _entmax_bisect(x: Tensor, alpha: Tensor, dim: int, n_iter: int, ensure_sum_one: bool) -> Tensor:
    if x.numel() == 0:
        return x.clone()
    if x.dim() == 0:
        return torch.ones_like(x)
    beta = alpha - 1.0
    z = shifted(x, dim)
    p = _power(z, _solve(z, beta, dim, n_iter), beta)
    return p / p.sum(dim, keepdim=True) if ensure_sum_one else p


def entmax_bisect_threshold(x: Tensor, alpha: Tensor | float = 1.5, dim: int = -1, n_iter: int = 50) -> Tensor:
    r"""The entmax package's threshold :math:`\tau` of :math:`y = [(\alpha - 1)x - \tau]_+^{1/(\alpha-1)}` along
    ``dim`` (kept, size 1): :math:`\tau = (\alpha - 1)(\max x + \rho)`` - 1."""
    alpha = torch.as_tensor(alpha, dtype=x.dtype, device=x.device)
    check_alpha(alpha)
    beta = alpha - 1.0
    mx = torch.amax(x, dim, keepdim=True)
    return beta * (mx + _solve(x - mx, beta, dim, n_iter)) - 1.0


def _parts(y: Tensor, beta: Tensor, dim: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Support mask, log y (0 off it), s = y^(1 - beta) (0 off it) and U = sum s."""
    on = y > 0.0
    ell = torch.log(torch.where(on, y, 1.0))
    s = torch.where(on, torch.exp((1.0 - beta) * ell), 0.0)
    return on, ell, s, s.sum(dim, keepdim=True)


def alpha_direction(y: Tensor, beta: Tensor, dim: int) -> Tensor:
    r""":math:`v = \partial y/\partial\alpha` in the cancellation-free form of the module docstring."""
    on, ell, _, _ = _parts(y, beta, dim)
    t = -beta * ell
    phi, psi = _phi(t), _psi(t)
    yl = torch.where(on, y * ell, 0.0)
    p_ = (yl * phi).sum(dim, keepdim=True)
    q_ = (yl * ell * psi).sum(dim, keepdim=True)
    h_ = yl.sum(dim, keepdim=True)
    total = 1.0 - beta * p_
    return torch.where(on, y / total * (q_ - ell * ell * psi + ell * (p_ - phi * h_)), 0.0)


def _row(t: Tensor, dim: int) -> Tensor:
    return t.sum(dim, keepdim=True)


class _Second:
    """The partials of <gg_x, J^T g> + gg_a <g, v> (and of the vjp outputs) in y and alpha, y held
    fixed: the shared pieces of ``vjp2`` and ``vjp_jvp``."""

    def __init__(self, g: Tensor, y: Tensor, beta: Tensor, dim: int):
        self.dim, self.beta = dim, beta
        self.on, self.ell, self.s, self.u = _parts(y, beta, dim)
        self.g, self.y = g, y
        self.cg = _row(self.s * g, dim) / self.u
        self.h = _row(torch.where(self.on, y * self.ell, 0.0), dim)
        self.k = -1.0 / (beta * beta) + self.h / beta  # d<g, v>/d c_g
        self.ds_dy = torch.where(self.on, (1.0 - beta) * self.s / torch.where(self.on, y, 1.0), 0.0)

    def direct_y(self) -> Tensor:
        """d<g, v>/dy with s held: g/beta^2 - (g - c_g)(log y + 1)/beta on the support."""
        b = self.beta
        return torch.where(self.on, self.g / (b * b) - (self.g - self.cg) * (self.ell + 1.0) / b, 0.0)

    def direct_beta(self) -> Tensor:
        """d<g, v>/d alpha with y and s held."""
        b, dim = self.beta, self.dim
        gy = _row(self.g * self.y, dim)
        gl = _row(torch.where(self.on, self.g * self.y * self.ell, 0.0), dim)
        return -2.0 / (b * b * b) * (gy - self.cg) + (gl - self.cg * self.h) / (b * b)


@register
class EntmaxBisect(ParametricNormalizer):
    r"""alpha-entmax along ``dim`` for any alpha > 0 (alpha != 1) by bisection; alpha learnable.

    .. math:: y = [1 + (\alpha - 1)(x - \rho)]_+^{1/(\alpha-1)},\ \textstyle\sum_i y_i = 1,\quad
              J_x^\top g = s \odot (g - \langle s, g\rangle/\textstyle\sum s),\ s = y^{2-\alpha},\quad
              \partial y/\partial\alpha = \frac{1}{\alpha-1}\left[\frac{y - s/\sum s}{\alpha - 1} - y\log y + \frac{s}{\sum s}\sum y\log y\right],\quad
              \text{second derivatives: } \partial s/\partial y = (2 - \alpha)s/y,\ \partial s/\partial\alpha = -s\log y
    """

    function, family = "entmax_bisect", "normalizer"
    tensor_params = ("alpha",)
    initial = {"alpha": "alpha"}
    params = {
        "alpha": Param(
            1.5,
            "alpha > 0, != 1 (-> 1: softmax, 1.5: Entmax15, 2: Sparsemax); learnable (the functional form also takes a tensor with size 1 along dim: one alpha per row)",
            _alpha_ok,
            "> 0 and != 1",
            sample=(1.1, 2.5),
            plot=(1.25, 1.5, 2.0),
        ),
        "dim": DIM,
        "n_iter": Param(
            50, "bisection steps (two Newton steps follow)", lambda v: integer(v) and v >= 1, "an int >= 1"
        ),
        "ensure_sum_one": Param(True, "divide by the sum at the end", None, "a bool", type=bool),
    }
    formula = r"\alpha\text{-entmax}(x) = \left[1 + (\alpha - 1)(x - \rho)\right]_+^{1/(\alpha - 1)},\ \textstyle\sum_i y_i = 1"
    reference = (
        "Peters, Niculae & Martins, Sparse sequence-to-sequence models (ACL 2019); "
        "Correia, Niculae & Martins, Adaptively sparse transformers (EMNLP 2019): the gradient in alpha"
    )
    plot_params = ({"alpha": 1.25}, {"alpha": 1.5}, {"alpha": 2.0})
    kink_convention = "off the support (y = 0) every derivative is 0, as Sparsemax's and Entmax15's"

    def forward(x: Tensor, alpha: Tensor, dim: int, n_iter: int = 50, ensure_sum_one: bool = True) -> Tensor:
        check_alpha(alpha)
        return _entmax_bisect(x, alpha, dim, n_iter, ensure_sum_one)

    def vjp(g: Tensor, y: Tensor, alpha: Tensor, dim: int, **_: Any) -> tuple[Tensor, Tensor]:
        beta = alpha - 1.0
        _, _, s, total = _parts(y, beta, dim)
        gx = s * (g - _row(s * g, dim) / total)
        ga = _row(g * alpha_direction(y, beta, dim), dim)
        return gx, ga.sum_to_size(alpha.shape)

    def jvp(ts: tuple[Tensor, Tensor], y: Tensor, alpha: Tensor, dim: int, **_: Any) -> Tensor:
        tx, ta = ts
        beta = alpha - 1.0
        _, _, s, total = _parts(y, beta, dim)
        return s * (tx - _row(s * tx, dim) / total) + alpha_direction(y, beta, dim) * ta

    def vjp2(ggs: tuple[Tensor, Tensor], g: Tensor, y: Tensor, alpha: Tensor, dim: int, **_: Any):
        ggx, gga = ggs
        beta = alpha - 1.0
        d = _Second(g, y, beta, dim)
        cgg = _row(d.s * ggx, dim) / d.u
        grad_g = d.s * (ggx - cgg) + gga * alpha_direction(y, beta, dim)
        by_s = (ggx - cgg) * (g - d.cg) + gga * d.k * (g - d.cg) / d.u  # d/ds of the whole
        grad_y = torch.where(d.on, by_s * d.ds_dy + gga * d.direct_y(), 0.0)
        grad_a = -_row(by_s * d.s * d.ell, dim) + gga * d.direct_beta()
        return grad_g, grad_y, grad_a.sum_to_size(alpha.shape)

    def vjp_jvp(tg: Tensor, ts: tuple[Tensor, Tensor], g: Tensor, y: Tensor, alpha: Tensor, dim: int, **_: Any):
        ty, ta = ts
        beta = alpha - 1.0
        d = _Second(g, y, beta, dim)
        ds = d.ds_dy * ty - d.s * d.ell * ta
        dcg = (_row(ds * (g - d.cg), dim) + _row(d.s * tg, dim)) / d.u
        gx = ds * (g - d.cg) + d.s * (tg - dcg)
        v = alpha_direction(y, beta, dim)
        ga = _row(tg * v + d.direct_y() * ty + d.k * (g - d.cg) / d.u * ds, dim) + d.direct_beta() * ta
        return gx, ga.sum_to_size(alpha.shape)
