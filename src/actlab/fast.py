"""The fused fast path: one generated kernel for ``f`` and one for ``g * f'``, per activation.

The kernels are compiled by TorchInductor from the *same* declaration functions the eager path
runs (``decl.f``, ``decl.df`` / ``decl.df_y``), so the accurate forms survive: inductor fuses
the whole composition — every ``where`` branch, every temporary — into a single read/write
pass (C++ with vector intrinsics on CPU, Triton on CUDA). Double backward stays on the eager
hand-derived ``f''`` (it is rarely hot).

Off by default, so no user ever waits for a compiler unasked::

    actlab.fast.enable()                # process-wide (or ACTLAB_FAST=1 in the environment)
    with actlab.fast.enabled():         # scoped
        y = actlab.functional.gelu(x)
    actlab.fast.warmup(["GELU"], torch.float32)   # compile ahead (also: ``actlab bench``)

While a kernel compiles (first use of an activation/parameters/dtype/device, seconds on a
small machine; later processes hit inductor's on-disk cache) calls run eager: compilation
happens in a background thread unless ``enable(background=False)``. Kernels take any
contiguous size (``dynamic=True``: no recompiles per shape; inputs are viewed as 1-D);
non-contiguous inputs, autocast, and machines without a C++ compiler (or Triton for CUDA)
simply stay eager. Set ``ACTLAB_FAST=sync`` for synchronous compilation.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import Tensor

from .spec import Activation

_READY: dict[tuple, Callable[[Tensor, ...], Tensor]] = {}  # key -> compiled kernel
_PENDING: set[tuple] = set()  # keys compiling in the background
_FAILED: set[tuple] = set()  # keys whose compilation failed (stay eager)
_LOCK = threading.Lock()
_COMPILE_LOCK = threading.Lock()  # one compilation at a time (dynamo is not re-entrant)


def _env_mode() -> str | None:
    v = os.environ.get("ACTLAB_FAST", "").strip().lower()
    if v in ("", "0", "false", "off", "no"):
        return None
    return "sync" if v == "sync" else "background"


_MODE: str | None = _env_mode()  # None (off) | "background" | "sync"


def enable(background: bool = True) -> None:
    """Turn the fast path on for this process (kernels compile on first use)."""
    global _MODE
    _MODE = "background" if background else "sync"


def disable() -> None:
    """Back to the eager declarations (compiled kernels are kept for a later ``enable``)."""
    global _MODE
    _MODE = None


def is_enabled() -> bool:
    return _MODE is not None


@contextlib.contextmanager
def enabled(on: bool = True, background: bool = False) -> Iterator[None]:
    """Scoped switch: ``with actlab.fast.enabled(): ...`` (synchronous compilation by default,
    so everything inside runs fused; ``enabled(False)`` forces the eager path)."""
    global _MODE
    old = _MODE
    _MODE = ("background" if background else "sync") if on else None
    try:
        yield
    finally:
        _MODE = old


def available(device: str | torch.device = "cpu") -> bool:
    """Whether kernels can be generated for ``device`` (a C++ compiler on CPU, Triton on CUDA)."""
    dev = torch.device(device).type
    if dev == "cpu":
        return any(shutil.which(c) for c in ("g++", "c++", "clang++"))
    if dev == "cuda":
        try:
            import triton  # noqa: F401
        except ImportError:
            return False
        return torch.cuda.is_available()
    return False


_FLAT = ("f", "vjp", "vjp_y")  # elementwise roles: kernels see 1-D views


def _fresh(fn: Callable, name: str) -> Callable:
    """A copy of ``fn`` with its own code object: dynamo caches per code object, so each
    (activation, parameters, role) gets its own cache instead of sharing one small budget."""
    code = fn.__code__.replace(co_name=name)
    return types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)


def _kernel_source(decl: type[Activation], role: str, p: dict[str, Any]) -> Callable:
    if role == "f":
        f = decl.f

        def kernel(x: Tensor) -> Tensor:
            return f(x, **p)

    elif role == "forward":  # normalisers: y of decl.forward (they all save y alone)
        fw = decl.forward

        def kernel(x: Tensor) -> Tensor:  # type: ignore[misc]
            return fw(x, **p)[0]

    elif role == "backward":
        vj = decl.vjp

        def kernel(g: Tensor, y: Tensor) -> Tensor:  # type: ignore[misc]
            return vj(g, y, **p)[0]

    else:
        df = decl.df_y if role == "vjp_y" else decl.df

        def kernel(g: Tensor, s: Tensor) -> Tensor:  # type: ignore[misc]
            return g * df(s, **p)

    return _fresh(kernel, f"actlab_{decl.name}_{role}")


def _key(decl: type[Activation], role: str, p: dict[str, Any], t: Tensor) -> tuple:
    return (decl, role, tuple(sorted(p.items())), t.dtype, t.device.type)


# Inductor's vectorised C++ writes expm1(x) as exp(x) - 1, which cancels for small |x| (every
# bit of ELU/CELU/SELU near 0): restore ATen's accurate Vectorized::expm1 (Sleef, 1 ulp). The
# distinct chunk size keeps these kernels apart from other programs' in inductor's disk cache.
_OPTIONS = {"cpp.min_chunk_size": 509}
_SIZE_HINT = 65_539  # compile for "large": inductor decides OpenMP parallelism from the size hint


def _patch_inductor() -> None:
    from torch._inductor.codegen.cpp import CppVecOverrides

    CppVecOverrides.expm1 = staticmethod(lambda x: f"{x}.expm1()")


def _compile(key: tuple, decl: type[Activation], role: str, p: dict[str, Any], example: tuple[Tensor, ...]) -> None:
    try:
        with _COMPILE_LOCK:
            _patch_inductor()
            fn = torch.compile(_kernel_source(decl, role, p), dynamic=True, fullgraph=True, options=_OPTIONS)
            if role in _FLAT:
                small = tuple(torch.linspace(-3.0, 3.0, _SIZE_HINT, dtype=e.dtype, device=e.device) for e in example)
            else:  # reductions: the real shape is the size hint that picks the loop structure
                small = tuple(e.detach().clone() for e in example)
            with torch.no_grad():
                fn(*small)  # compile now
        with _LOCK:
            _READY[key] = fn
    except Exception as exc:  # no compiler, an op inductor cannot lower, ...: stay eager
        with _LOCK:
            _FAILED.add(key)
        warnings.warn(f"actlab.fast: {decl.name} {role} stays eager ({type(exc).__name__}: {exc})", stacklevel=3)
    finally:
        with _LOCK:
            _PENDING.discard(key)


def kernel(decl: type[Activation], role: str, p: dict[str, Any], example: tuple[Tensor, ...]) -> Callable | None:
    """The compiled kernel for ``role`` in {"f", "vjp", "vjp_y"} (elementwise) or {"forward",
    "backward"} (normalisers), or None (eager) when the fast
    path is off, unavailable, or still compiling."""
    if _MODE is None:
        return None
    x = example[-1]
    if not all(t.is_contiguous() and t.dtype == x.dtype and t.device == x.device for t in example):
        return None
    key = _key(decl, role, p, x)
    fn = _READY.get(key)
    if fn is not None or key in _FAILED:
        return fn
    if not available(x.device):
        _FAILED.add(key)
        return None
    with _LOCK:
        if key in _PENDING:
            return None
        _PENDING.add(key)
    if _MODE == "sync":
        _compile(key, decl, role, p, example)
        return _READY.get(key)
    threading.Thread(target=_compile, args=(key, decl, role, p, example), daemon=True).start()
    return None


def run(decl: type[Activation], role: str, p: dict[str, Any], *tensors: Tensor) -> Tensor | None:
    """Apply the fused kernel to ``tensors`` (viewed as 1-D) or return None to run eager."""
    fn = kernel(decl, role, p, tensors)
    if fn is None:
        return None
    if role not in _FLAT:
        return fn(*tensors)
    shape = tensors[-1].shape
    return fn(*(t.reshape(-1) for t in tensors)).view(shape)


def forward(decl: type[Activation], x: Tensor, p: dict[str, Any]) -> Tensor:
    """``f(x)``: fused when the fast path is active, else the eager declaration."""
    y = run(decl, "f", p, x)
    return decl.f(x, **p) if y is None else y


def vjp(decl: type[Activation], g: Tensor, s: Tensor, p: dict[str, Any], use_output: bool) -> Tensor:
    """``g * f'(s)`` (``s`` the input, or the output with ``use_output``) in one pass."""
    y = run(decl, "vjp_y" if use_output else "vjp", p, g, s)
    if y is not None:
        return y
    return g * (decl.df_y if use_output else decl.df)(s, **p)


def normalizer(decl: type[Activation]) -> tuple[Callable, Callable]:
    """``forward(x, dim) -> (y, (y,))`` and ``vjp(g, y, dim) -> (grad,)`` for a softmax-family
    declaration, each one fused kernel (reduction included) when the fast path is active."""

    def forward(x: Tensor, **p: Any) -> tuple[Tensor, tuple[Tensor, ...]]:
        y = run(decl, "forward", p, x)
        return decl.forward(x, **p) if y is None else (y, (y,))

    def vjp(g: Tensor, y: Tensor, **p: Any) -> tuple[Tensor, ...]:
        r = run(decl, "backward", p, g, y)
        return decl.vjp(g, y, **p) if r is None else (r,)

    return forward, vjp


_M32 = 0xFFFFFFFF


def _hash_noise(x: Tensor, seed: int, lower: float, upper: float) -> Tensor:
    r"""RReLU training slopes in one pass: U(lower, upper) where x <= 0, else 1. The uniform is
    a counter-based hash of (element index + seed) (Wellons' "lowbias32" structure, odd 31-bit
    multipliers so int64 products never overflow), top 24 bits -> [0, 1): vectorisable and
    parallel, unlike the serial Mersenne Twister behind ``uniform_``."""
    h = (torch.arange(x.numel(), device=x.device, dtype=torch.int64) + seed) & _M32
    h = h ^ (h >> 16)
    h = (h * 0x7FEB352D) & _M32
    h = h ^ (h >> 15)
    h = (h * 0x2C1B3C6D) & _M32
    h = h ^ (h >> 16)
    u = (h >> 8).to(x.dtype) * (1.0 / 16777216.0)
    return torch.where(x <= 0.0, lower + (upper - lower) * u, 1.0)


_NOISE: dict[tuple, Callable] = {}


def _compile_noise(key: tuple, x: Tensor) -> None:
    try:
        with _COMPILE_LOCK:
            _patch_inductor()
            fn = torch.compile(
                _fresh(_hash_noise, "actlab_rrelu_noise"), dynamic=True, fullgraph=True, options=_OPTIONS
            )
            fn(torch.zeros(_SIZE_HINT, dtype=x.dtype, device=x.device), 1, 0.125, 1 / 3)
        with _LOCK:
            _NOISE[key] = fn
    except Exception as exc:
        with _LOCK:
            _FAILED.add(key)
        warnings.warn(f"actlab.fast: RReLU noise stays eager ({type(exc).__name__}: {exc})", stacklevel=3)
    finally:
        with _LOCK:
            _PENDING.discard(key)


def noise(decl: type[Activation], x: Tensor, lower: float, upper: float) -> Tensor:
    """RReLU training noise: ``decl.noise`` (torch's generator stream) on the eager path; with the
    fast path a hashed uniform in one fused pass, seeded from torch's default CPU generator (so
    ``torch.manual_seed`` still makes runs reproducible, but the stream differs from torch's)."""
    key = ("rrelu_noise", x.dtype, x.device.type)
    fn = _NOISE.get(key)
    if fn is None and _MODE is not None and key not in _FAILED and x.is_contiguous():
        if not available(x.device):
            _FAILED.add(key)
        else:
            with _LOCK:
                start = key not in _PENDING
                _PENDING.add(key)
            if start and _MODE == "sync":
                _compile_noise(key, x)
            elif start:
                threading.Thread(target=_compile_noise, args=(key, x.detach()), daemon=True).start()
            fn = _NOISE.get(key)
    if fn is None or _MODE is None or not x.is_contiguous():
        return decl.noise(x, lower, upper)
    seed = int(torch.randint(0, 2**31 - 1, ()).item())
    return fn(x.reshape(-1), seed, float(lower), float(upper)).view(x.shape)


def fusable(decl: type[Activation]) -> bool:
    return decl.kind in ("elementwise", "random")


def default_params(decl: type[Activation]) -> dict[str, Any]:
    """torch's defaults; 0.5 for the required ones (Threshold's threshold and value)."""
    return {k: (v.default if v.default is not None else 0.5) for k, v in decl.params.items()}


def warmup(
    names: Iterable[str] | None = None,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> list[str]:
    """Compile the forward and backward kernels of ``names`` (default: all elementwise
    declarations, default parameters) synchronously; returns the names left eager."""
    from .registry import declarations, spec

    decls = [spec(n) for n in names] if names is not None else declarations()
    decls = [d for d in decls if fusable(d)]
    if dtype in (torch.float16, torch.bfloat16):  # computed in float32 (actlab.autograd.upcast)
        dtype = torch.float32
    x = torch.zeros(67, dtype=dtype, device=device)
    failed = []
    items: Iterable = decls
    if progress:
        from tqdm import tqdm

        items = tqdm(decls, desc="compiling fused kernels", unit="op")
    with enabled():
        for d in items:
            p = default_params(d)
            ok = kernel(d, "f", p, (x,)) is not None and kernel(d, "vjp", p, (x, x)) is not None
            if d.df_y is not None:
                ok = ok and kernel(d, "vjp_y", p, (x, x)) is not None
            if d.kind == "random":
                ok = ok and noise(d, x, 0.125, 1 / 3) is not None and ("rrelu_noise", dtype, x.device.type) in _NOISE
            if not ok:
                failed.append(d.name)
    return failed


def status() -> dict[str, Any]:
    """Mode and kernel counts (for ``actlab bench`` and debugging)."""
    return {"mode": _MODE, "ready": len(_READY), "pending": len(_PENDING), "failed": len(_FAILED)}
