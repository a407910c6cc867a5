"""torch.nn.functional-compatible functions, generated from the declarations.

Same names, signatures and defaults as ``torch.nn.functional`` (``relu``, ``relu_``,
``gelu(approximate=)``, ``softplus(beta, threshold)``, ``rrelu(training=)``, ``glu(dim)``,
``softmax(dim, _stacklevel, dtype)`` ...). Every call goes through the hand-derived autograd
Functions of :mod:`actlab.autograd`.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import Tensor

from . import activations as _activations  # noqa: F401  (registers the declarations)
from . import engine, fast
from .errors import ShapeError
from .registry import declarations, spec
from .spec import Activation

__all__: list[str] = []

_SIMPLE_KINDS = ("elementwise",)


def _make_elementwise(decl: type[Activation]) -> Any:
    """Generate ``def name(input, <params>, inplace=False)`` with torch's exact signature."""
    parts, names = ["input"], []
    for k, p in decl.params.items():
        parts.append(k if p.default is None else f"{k}={p.default!r}")
        names.append(k)
    if decl.inplace:
        parts.append("inplace=False")
    checked = any(p.check is not None for p in decl.params.values()) or "validate" in vars(decl)
    body = []
    if checked:
        body.append(f"    _decl.validate({', '.join(f'{n}={n}' for n in names)})")
    args = "(" + "".join(f"{n}, " for n in names) + ")"
    body.append(f"    return _apply(_decl, input, {args}, {'inplace' if decl.inplace else 'False'})")
    src = f"def {decl.function}({', '.join(parts)}):\n" + "\n".join(body) + "\n"
    ns: dict[str, Any] = {"_decl": decl, "_apply": engine.apply}
    exec(src, ns)  # noqa: S102  (generated from the declaration; no user input)
    fn = ns[decl.function]
    fn.__doc__ = decl.__doc__
    fn.__module__ = __name__
    fn.__qualname__ = decl.function
    return fn


def _inplace_variant(fn: Any, name: str) -> Any:
    def inner(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return fn(input, *args, inplace=True, **kwargs)

    inner.__name__ = inner.__qualname__ = name
    inner.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return inner


def _install(decl: type[Activation]) -> None:
    engine.functions(decl)  # build the Functions now: torch.compile cannot trace class creation
    if decl.kind in _SIMPLE_KINDS:
        fn = _make_elementwise(decl)
        globals()[decl.function] = fn
        __all__.append(decl.function)
        if decl.inplace and decl.torch_name is not None and hasattr(torch.nn.functional, decl.function + "_"):
            globals()[decl.function + "_"] = _inplace_variant(fn, decl.function + "_")
            __all__.append(decl.function + "_")


for _decl in declarations():
    _install(_decl)


# ---- normalisers: torch's legacy implicit dim and the dtype argument ----------------------
def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _normalize(name: str, input: Tensor, dim: int | None, stacklevel: int, dtype: torch.dtype | None) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor as input, got {type(input).__name__}")
    if dim is None:
        dim = _get_softmax_dim(name, input.dim(), stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    engine.check_input(input, name)
    decl = spec(name)
    return engine.functions(decl).default.apply(input, dim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None) -> Tensor:
    r"""Softmax along ``dim``: :math:`e^{x_i - m} / \sum_j e^{x_j - m}`, m the max."""
    return _normalize("softmax", input, dim, _stacklevel, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None) -> Tensor:
    r"""Softmin along ``dim``: softmax of -x."""
    return _normalize("softmin", input, dim, _stacklevel, dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: torch.dtype | None = None
) -> Tensor:
    r"""Log-softmax along ``dim`` by log-sum-exp: :math:`x_i - m - \log\sum_j e^{x_j - m}`."""
    return _normalize("log_softmax", input, dim, _stacklevel, dtype)


def softmax2d(input: Tensor) -> Tensor:
    """Softmax over channels (dim -3) of a 3-D (C, H, W) or 4-D (N, C, H, W) input."""
    engine.check_input(input, "softmax2d")
    if input.dim() not in (3, 4):
        raise ShapeError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
    return engine.functions(spec("Softmax2d")).default.apply(input, -3)


# ---- GLU, PReLU, RReLU ---------------------------------------------------------------------
def glu(input: Tensor, dim: int = -1) -> Tensor:
    r"""Gated linear unit: split ``input`` in halves a, b along ``dim``; :math:`a \otimes \sigma(b)`."""
    engine.check_input(input, "glu")
    return engine.functions(spec("GLU")).default.apply(input, dim)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    r"""PReLU: :math:`\max(0, x) + w \min(0, x)`, ``weight`` of 1 or C (= input.size(1)) slopes."""
    engine.check_input(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    if weight.dim() > 1:
        raise ShapeError(f"prelu: weight must be 0-D or 1-D, got {weight.dim()}-D")
    n = weight.numel()
    if n != 1:
        channels = input.size(1) if input.dim() >= 2 else 1
        if n != channels:
            raise ShapeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{n} and channel size = {channels}."
            )
        w = weight.reshape((1, n) + (1,) * (input.dim() - 2))
    else:
        w = weight.reshape(())
    return engine.functions(spec("PReLU")).default.apply(input, w)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    r"""Randomized leaky ReLU; training: slope ~ U(lower, upper) per element where x <= 0
    (torch's default generator); evaluation: slope (lower + upper) / 2."""
    decl = spec("RReLU")
    decl.validate(lower=lower, upper=upper)
    if not training:
        return engine.apply(decl, input, (lower, upper), inplace)
    engine.check_input(input, "rrelu")
    fns = engine.functions(decl)
    noise = fast.noise(decl, input.detach(), lower, upper)  # decl.noise unless actlab.fast is on
    if inplace:
        return fns.noise_inplace.apply(input, noise)
    return fns.noise.apply(input, noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place version of :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


__all__ += ["softmax", "softmin", "log_softmax", "softmax2d", "glu", "prelu", "rrelu", "rrelu_"]


def install(decl: type[Activation]) -> None:
    """Add the functional form of a newly registered declaration (user or extension)."""
    _install(decl)


from .functional_modern import *  # noqa: E402, F403  (swiglu, geglu, reglu, sparsemax, entmax15, star_relu, snake)
from .functional_modern import __all__ as _modern_all  # noqa: E402

__all__ += _modern_all
