"""torch.nn.functional-compatible functions, one per declaration.

Same names, signatures and defaults as ``torch.nn.functional`` (``relu``, ``relu_``,
``gelu(approximate=)``, ``softplus(beta, threshold)``, ``rrelu(training=)``, ``glu(dim)``,
``softmax(dim, _stacklevel, dtype)`` ...), plus actlab's extras. Every call applies the
declaration's operator (:mod:`actlab.ops`): the hand-derived derivatives under autograd, forward
AD, torch.func, torch.compile and torch.export alike.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, fx

from . import activations as A
from . import ops
from .errors import DtypeError, ShapeError
from .functions import ElementwiseFunction, InplaceFunction, check_tensor
from .spec import Activation

# ---- elementwise: generic functions with torch's signatures --------------------------------------
sigmoid = ElementwiseFunction(A.sigmoidal.Sigmoid)
tanh = ElementwiseFunction(A.sigmoidal.Tanh)
softsign = ElementwiseFunction(A.sigmoidal.Softsign)
hardsigmoid = ElementwiseFunction(A.sigmoidal.Hardsigmoid)
hardtanh = ElementwiseFunction(A.sigmoidal.Hardtanh)
hardtanh_ = InplaceFunction(hardtanh)
logsigmoid = ElementwiseFunction(A.sigmoidal.LogSigmoid)
threshold = ElementwiseFunction(A.rectifiers.Threshold)
threshold_ = InplaceFunction(threshold)
relu = ElementwiseFunction(A.rectifiers.ReLU)
relu_ = InplaceFunction(relu)
relu6 = ElementwiseFunction(A.rectifiers.ReLU6)
leaky_relu = ElementwiseFunction(A.rectifiers.LeakyReLU)
leaky_relu_ = InplaceFunction(leaky_relu)
elu = ElementwiseFunction(A.exponential.ELU)
elu_ = InplaceFunction(elu)
celu = ElementwiseFunction(A.exponential.CELU)
celu_ = InplaceFunction(celu)
selu = ElementwiseFunction(A.exponential.SELU)
selu_ = InplaceFunction(selu)
softplus = ElementwiseFunction(A.exponential.Softplus)
silu = ElementwiseFunction(A.gated.SiLU)
swish = ElementwiseFunction(A.gated.Swish)
gelu = ElementwiseFunction(A.gated.GELU)
mish = ElementwiseFunction(A.gated.Mish)
hardswish = ElementwiseFunction(A.gated.Hardswish)
smooth_hardswish = ElementwiseFunction(A.gated.SmoothHardswish)
hardshrink = ElementwiseFunction(A.shrinkage.Hardshrink)
softshrink = ElementwiseFunction(A.shrinkage.Softshrink)
tanhshrink = ElementwiseFunction(A.shrinkage.Tanhshrink)
quick_gelu = ElementwiseFunction(A.modern.QuickGELU)
squared_relu = ElementwiseFunction(A.modern.SquaredReLU)
hard_mish = ElementwiseFunction(A.modern.HardMish)
squareplus = ElementwiseFunction(A.modern.Squareplus)
serf = ElementwiseFunction(A.modern.SERF)


def traceable(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``torch.fx.symbolic_trace`` records a call to ``fn`` itself (a leaf: its shape checks and
    channel reshapes need real tensors) when any argument is a Proxy."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Tensor:
        for a in (*args, *kwargs.values()):
            if isinstance(a, fx.Proxy):
                return a.tracer.create_proxy("call_function", wrapper, args, kwargs)
        return fn(*args, **kwargs)

    return wrapper


# ---- RReLU: elementwise in evaluation, random slopes in training ---------------------------------
_RRELU = ElementwiseFunction(A.rectifiers.RReLU)


@traceable
def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    r"""Randomized leaky ReLU; training: slope ~ U(lower, upper) per element where x <= 0
    (torch's default generator, torch's very slopes); evaluation: slope (lower + upper) / 2."""
    params = _RRELU.check([lower, upper])
    operator = _RRELU.operator
    if not training:
        return _RRELU(input, *params, inplace=inplace)
    check_tensor("rrelu", input)
    if not input.is_floating_point():
        return operator.integer(input, params, inplace)
    return operator.train(input, params, inplace)


@traceable
def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place version of :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


# ---- normalisers: torch's legacy implicit dim and the dtype argument ----------------------------
def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _dim(name: str, dim: Any) -> int:
    if isinstance(dim, (tuple, list)) or not isinstance(dim, int) or isinstance(dim, bool):
        if hasattr(dim, "__index__") and not isinstance(dim, bool):
            return dim.__index__()
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return dim


def _normalize(
    decl: type[Activation], input: Tensor, dim: int | None, stacklevel: int, dtype: torch.dtype | None
) -> Tensor:
    name = decl.function
    check_tensor(name, input)
    if dim is None:
        dim = _get_softmax_dim(name, input.dim(), stacklevel + 1)
    dim = _dim(name, dim)
    if dtype is not None:
        input = input.to(dtype)
    return ops.operator(decl)(input, (dim,))


@traceable
def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None) -> Tensor:
    r"""Softmax along ``dim``: :math:`e^{x_i - m} / \sum_j e^{x_j - m}`, m the max."""
    return _normalize(A.normalizers.Softmax, input, dim, _stacklevel, dtype)


@traceable
def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None) -> Tensor:
    r"""Softmin along ``dim``: softmax of -x."""
    return _normalize(A.normalizers.Softmin, input, dim, _stacklevel, dtype)


@traceable
def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None
) -> Tensor:
    r"""Log-softmax along ``dim`` by log-sum-exp: :math:`x_i - m - \log\sum_j e^{x_j - m}`."""
    return _normalize(A.normalizers.LogSoftmax, input, dim, _stacklevel, dtype)


@traceable
def softmax2d(input: Tensor) -> Tensor:
    """Softmax over channels (dim -3) of a 3-D (C, H, W) or 4-D (N, C, H, W) input."""
    check_tensor("softmax2d", input)
    if input.dim() not in (3, 4):
        raise ShapeError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
    return ops.operator(A.normalizers.Softmax2d)(input, (-3,))


@traceable
def sparsemax(input: Tensor, dim: int = -1) -> Tensor:
    r"""Sparsemax along ``dim``: :math:`[x - \tau]_+` summing to 1 (exact zeros)."""
    return _along(A.sparse.Sparsemax, input, dim)


@traceable
def entmax15(input: Tensor, dim: int = -1) -> Tensor:
    r"""1.5-entmax along ``dim``: :math:`[x/2 - \tau]_+^2` summing to 1 (exact, sort-based)."""
    return _along(A.sparse.Entmax15, input, dim)


# ---- GLU and its variants: x = [a, b] halves along dim, a * gate(b) -------------------------------
def _along(decl: type[Activation], input: Tensor, dim: Any, *params: Any) -> Tensor:
    """Apply a split-gate or sparse declaration along ``dim`` (validated first)."""
    name = decl.function
    dim = _dim(name, dim)
    decl.validate(**dict(zip(decl.params, (dim, *params))))
    check_tensor(name, input)
    return ops.operator(decl)(input, (dim, *params))


@traceable
def glu(input: Tensor, dim: int = -1) -> Tensor:
    r"""Gated linear unit: split ``input`` in halves a, b along ``dim``; :math:`a \otimes \sigma(b)`."""
    return _along(A.gated.GLU, input, dim)


@traceable
def swiglu(input: Tensor, dim: int = -1) -> Tensor:
    r"""SwiGLU: split ``input`` in halves a, b along ``dim``; :math:`a \otimes b\,\sigma(b)`."""
    return _along(A.glu_variants.SwiGLU, input, dim)


@traceable
def geglu(input: Tensor, dim: int = -1, approximate: str = "none") -> Tensor:
    r"""GeGLU: split ``input`` in halves a, b along ``dim``; :math:`a \otimes \mathrm{GELU}(b)`
    (``approximate="tanh"``: the tanh form of GELU)."""
    return _along(A.glu_variants.GeGLU, input, dim, approximate)


@traceable
def reglu(input: Tensor, dim: int = -1) -> Tensor:
    r"""ReGLU: split ``input`` in halves a, b along ``dim``; :math:`a \otimes \max(0, b)`."""
    return _along(A.glu_variants.ReGLU, input, dim)


# ---- learnable tensors: one value, or one per channel (dim 1) ------------------------------------
def channel_weight(name: str, input: Tensor, weight: Any, what: str) -> Tensor:
    """``weight`` (1 value, or one per channel = input.size(1)) shaped to broadcast against ``input``."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(weight).__name__}")
    if weight.dim() > 1:
        raise ShapeError(f"{name}: {what} must be 0-D or 1-D, got {weight.dim()}-D")
    n = weight.numel()
    if n == 1:
        return weight.reshape(())
    channels = input.size(1) if input.dim() >= 2 else 1
    if n != channels:
        raise ShapeError(
            f"{name}: Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels} (expected 1 or the channel count, input.size(1))."
        )
    return weight.reshape((1, n) + (1,) * (input.dim() - 2))


def _same_dtype(name: str, input: Tensor, *tensors: Tensor) -> tuple[Tensor, ...]:
    """Under autocast the tensors take the autocast dtype (as torch's prelu); otherwise their
    dtypes must be the input's (torch does no type promotion here)."""
    device = input.device.type
    if torch.is_autocast_enabled(device) and input.is_floating_point():
        dt = torch.get_autocast_dtype(device)
        return tuple(t.to(dt) for t in (input, *tensors))
    for t in tensors:
        if t.dtype != input.dtype:
            raise DtypeError(f"{name}: Type promoting not supported. Got {input.dtype} and {t.dtype}")
    return (input, *tensors)


def _parametric(decl: type[Activation], input: Tensor, *weights: Tensor) -> Tensor:
    return ops.operator(decl)(input, *weights)


@traceable
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    r"""PReLU: :math:`\max(0, x) + w \min(0, x)`, ``weight`` of 1 or C (= input.size(1)) slopes."""
    check_tensor("prelu", input)
    input, weight = _same_dtype("prelu", input, weight)
    return _parametric(A.rectifiers.PReLU, input, channel_weight("prelu", input, weight, "weight"))


@traceable
def star_relu(input: Tensor, scale: Tensor, bias: Tensor) -> Tensor:
    r"""StarReLU: :math:`s \max(0, x)^2 + b` with tensors ``scale`` s and ``bias`` b."""
    check_tensor("star_relu", input)
    s = channel_weight("star_relu", input, scale, "scale")
    b = channel_weight("star_relu", input, bias, "bias")
    return _parametric(A.modern.StarReLU, input, s, b)


@traceable
def snake(input: Tensor, alpha: Tensor) -> Tensor:
    r"""Snake: :math:`x + \sin^2(a x)/a` with frequencies ``alpha`` (a -> 0 gives x)."""
    check_tensor("snake", input)
    return _parametric(A.modern.Snake, input, channel_weight("snake", input, alpha, "alpha"))


__all__ = [
    "celu", "celu_", "elu", "elu_", "entmax15", "geglu", "gelu", "glu", "hard_mish", "hardshrink",
    "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "log_softmax",
    "logsigmoid", "mish", "prelu", "quick_gelu", "reglu", "relu", "relu6", "relu_", "rrelu", "rrelu_",
    "selu", "selu_", "serf", "sigmoid", "silu", "smooth_hardswish", "snake", "softmax", "softmax2d",
    "softmin", "softplus", "softshrink", "softsign", "sparsemax", "squared_relu", "squareplus",
    "star_relu", "swiglu", "swish", "tanh", "tanhshrink", "threshold", "threshold_",
]  # fmt: skip
