"""torch.nn.functional-compatible functions, one per declaration.

The names of ``torch.nn.functional`` are listed below with its signatures and defaults (``relu``,
``relu_``, ``gelu(approximate=)``, ``softplus(beta, threshold)``, ``rrelu(training=)``,
``glu(dim)``, ``prelu(input, weight)``, ``softmax(dim, _stacklevel, dtype)`` ...). Every other
registered declaration (actlab's extras: ``swish``, ``quick_gelu``, ``swiglu``, ``sparsemax``,
``star_relu``, ... and any declaration added later) is resolved by name through the module's
``__getattr__``: its functional form is the generic callable of its kind
(:func:`actlab.forms.form_for`), so a new activation needs no edit here.

Every call applies the declaration's operator (:mod:`actlab.ops`): the hand-derived derivatives
under autograd, forward AD, torch.func, torch.compile and torch.export alike.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, fx

from . import ops
from .activations.normalizer import (
    entmax15_threshold_and_support,
    entmax_bisect_threshold,
    sparsemax_threshold_and_support,
)
from .errors import ShapeError
from .forms import (
    AlongDimForm,
    ElementwiseForm,
    InplaceForm,
    ParametricForm,
    check_tensor,
    form_for,
)
from .kinds import Activation
from .losses import entmax15_loss, entmax_bisect_loss, sparsemax_loss
from .registry import declaration as D
from .registry import declarations

# ---- elementwise: generic functions with torch's signatures --------------------------------------
sigmoid = ElementwiseForm(D("Sigmoid"))
tanh = ElementwiseForm(D("Tanh"))
softsign = ElementwiseForm(D("Softsign"))
hardsigmoid = ElementwiseForm(D("Hardsigmoid"))
hardtanh = ElementwiseForm(D("Hardtanh"))
hardtanh_ = InplaceForm(hardtanh)
logsigmoid = ElementwiseForm(D("LogSigmoid"))
threshold = ElementwiseForm(D("Threshold"))
threshold_ = InplaceForm(threshold)
relu = ElementwiseForm(D("ReLU"))
relu_ = InplaceForm(relu)
relu6 = ElementwiseForm(D("ReLU6"))
leaky_relu = ElementwiseForm(D("LeakyReLU"))
leaky_relu_ = InplaceForm(leaky_relu)
elu = ElementwiseForm(D("ELU"))
elu_ = InplaceForm(elu)
celu = ElementwiseForm(D("CELU"))
celu_ = InplaceForm(celu)
selu = ElementwiseForm(D("SELU"))
selu_ = InplaceForm(selu)
softplus = ElementwiseForm(D("Softplus"))
silu = ElementwiseForm(D("SiLU"))
gelu = ElementwiseForm(D("GELU"))
mish = ElementwiseForm(D("Mish"))
hardswish = ElementwiseForm(D("Hardswish"))
hardshrink = ElementwiseForm(D("Hardshrink"))
softshrink = ElementwiseForm(D("Softshrink"))
tanhshrink = ElementwiseForm(D("Tanhshrink"))


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
_RRELU = ElementwiseForm(D("RReLU"))


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


_SOFTMAX, _SOFTMIN, _LOG_SOFTMAX, _SOFTMAX2D = D("Softmax"), D("Softmin"), D("LogSoftmax"), D("Softmax2d")


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
    return ops.operator(decl)(input, dim)


@traceable
def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None) -> Tensor:
    r"""Softmax along ``dim``: :math:`e^{x_i - m} / \sum_j e^{x_j - m}`, m the max."""
    return _normalize(_SOFTMAX, input, dim, _stacklevel, dtype)


@traceable
def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None) -> Tensor:
    r"""Softmin along ``dim``: softmax of -x."""
    return _normalize(_SOFTMIN, input, dim, _stacklevel, dtype)


@traceable
def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None
) -> Tensor:
    r"""Log-softmax along ``dim`` by log-sum-exp: :math:`x_i - m - \log\sum_j e^{x_j - m}`."""
    return _normalize(_LOG_SOFTMAX, input, dim, _stacklevel, dtype)


@traceable
def softmax2d(input: Tensor) -> Tensor:
    """Softmax over channels (dim -3) of a 3-D (C, H, W) or 4-D (N, C, H, W) input."""
    check_tensor("softmax2d", input)
    if input.dim() not in (3, 4):
        raise ShapeError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
    return ops.operator(_SOFTMAX2D)(input, -3)


# ---- GLU and PReLU: the generic callables of their kinds ---------------------------------------
glu = AlongDimForm(D("GLU"))
prelu = ParametricForm(D("PReLU"), strict=True)

# ---- the sparse maps' thresholds and Fenchel-Young losses (not activations: no declaration) ----
# imported from actlab.activations.normalizer and actlab.losses (which uses the forms, not this module)
_LOSSES = tuple(f.__name__ for f in (sparsemax_loss, entmax15_loss, entmax_bisect_loss))


def __getattr__(name: str) -> Any:
    """The functional form of any other registered declaration, by its function name (built once)."""
    fn = _EXTRAS.get(name)
    if fn is None:
        decl = next((d for d in declarations() if d.function == name and not d.user_defined), None)
        if decl is None:
            raise AttributeError(f"module 'actlab.functional' has no attribute {name!r}")
        fn = _EXTRAS[name] = form_for(decl)
    return fn


def __dir__() -> list[str]:
    return sorted({*globals(), *(d.function for d in declarations() if not d.user_defined)})


_EXTRAS: dict[str, Any] = {}
_TORCH_NAMES = [
    "celu", "celu_", "elu", "elu_", "gelu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh",
    "hardtanh_", "leaky_relu", "leaky_relu_", "log_softmax", "logsigmoid", "mish", "prelu", "relu", "relu6",
    "relu_", "rrelu", "rrelu_", "selu", "selu_", "sigmoid", "silu", "softmax", "softmax2d", "softmin",
    "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold", "threshold_",
]  # fmt: skip
__all__ = sorted({*_TORCH_NAMES, *(d.function for d in declarations() if not d.user_defined)})
__all__ += [  # the sparse maps' helpers and losses, after the declarations' names
    "entmax15_threshold_and_support", "entmax_bisect_threshold", "sparsemax_threshold_and_support", *_LOSSES,
]  # fmt: skip
