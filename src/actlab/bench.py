"""Side-by-side timing of actlab vs torch native vs the textbook composition.

For every registered activation (so new declarations are benched automatically), every size,
dtype and thread count, the variants run interleaved in one process — round-robin, many repeats,
median after a warm-up — for three passes: the forward (``fwd``, under no_grad), forward +
backward (``fwdbwd``, ``torch.autograd.grad``) and double backward (``double``: the gradient of
``<gg, grad(f(x), x, g, create_graph=True)>``, where the variant has one):

* ``torch``  — torch.nn's module (absent for our extras such as Swish);
* ``silu``   — torch.nn.SiLU on the same input: the cost yardstick of the elementwise and learnable
  declarations torch.nn lacks (the catalog), whose ratio ``/silu`` says how many SiLUs an activation costs;
* ``naive``  — autograd through the textbook formula (:data:`TEXTBOOK`; for elementwise activations
  without one, autograd through the declaration's own ``f``; the learnable ones of
  :data:`LEARNABLE_TEXTBOOK` as a module with parameters of its own, FReLU (:data:`MODULE_TEXTBOOK`) with
  copies of its convolution and batch norm); every one computes the declaration's values and gradients
  (tests/test_bench.py);

For learnable (:class:`~actlab.kinds.Parametric`) declarations ``fwdbwd`` computes the gradients of
every variant's parameters too (actlab's module, the textbook module), as a training step does.
* ``actlab`` — actlab's module: its operator (native kernels when built, :mod:`actlab.native`);
* ``counter`` — RReLU only: actlab with the counter-based training noise (opt-in);
* ``eager``  — optionally (``eager=True``), the declaration's Python math (the Function tower).

A memory floor is timed alongside: one read + one write pass, ``torch.add(x, 0, out=buf)``.
Saved-for-backward memory is counted exactly with ``saved_tensors_hooks`` (bytes of distinct
storages each variant keeps for backward). The spread of the repeats (10th and 90th
percentiles) is recorded; a row whose actlab or torch repeats spread by more than 20% of the
median is flagged ``noisy`` (a loaded machine) and the CLI warns.

JSON format (``<report dir>/data/bench.json``; read by :func:`plot_ratios` and the report)::

    {"meta": {"torch": "2.13.0", "device": "cpu", "threads": [1, 2], "dtypes": ["float32"],
              "native": true, "cpu": "AVX2", "time": "2026-...Z", "repeats": 15, "quick": false,
              "names": ["ELU", ...], "sizes": [65536, 4194304], "passes": ["fwd", ...],
              "made_by": "actlab report",     # made_by: only when the report ran it
              "allocator": "glibc, mmap threshold fixed at 32 MB, heap kept"},  # see steady_allocator
     "floor": {"float32/1/4000000": 1.23, ...},      # ms per read+write pass, by dtype/threads/numel
     "results": [{"name": "ELU", "family": "exponential", "numel": 4000000, "shape": [4000000],
                  "pass": "fwd" | "fwdbwd" | "double", "dtype": "float32", "threads": 1,
                  "ms": {"torch": 8.1, "naive": 20.3, "actlab": 7.9},   # medians; missing = n/a
                  "spread": {"torch": [7.9, 8.6], ...},                  # p10, p90 of the repeats
                  "ratio": {"torch": 0.98, "naive": 0.39, "floor": 6.4},  # actlab / each (and "silu":
                                                                          # catalog rows)
                  "noisy": false,
                  "saved_bytes": {"torch": 16000000, "actlab": 16000000, ...}}]}  # fwdbwd rows
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from . import native, ops
from .activations import scaled
from .kinds import Activation, Elementwise, Normalizer, Parametric, Random
from .ops import counter_noise
from .registry import declaration, declarations

SIZES = (65_536, 4_000_000)
DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16, "float16": torch.float16}
PASSES = ("fwd", "fwdbwd", "double")
NOISY = 0.2  # (p90 - p10) / median above which repeats disagree


def _sig(x: Tensor) -> Tensor:
    return 1.0 / (1.0 + torch.exp(-x))


def _tanh(x: Tensor) -> Tensor:
    e, f = torch.exp(x), torch.exp(-x)
    return (e - f) / (e + f)


def _softplus(x: Tensor) -> Tensor:
    return torch.log(1.0 + torch.exp(x))


def _radix_softmax(x: Tensor, radix: int, cardinality: int) -> Tensor:
    """timm's RadixSoftmax.forward (dim 1)."""
    batch = x.size(0)
    if radix == 1:
        return torch.sigmoid(x)
    return torch.softmax(x.view(batch, cardinality, radix, -1).transpose(1, 2), dim=1).reshape(batch, -1)


# The tutorial formulas, written as a reader would type them (autograd differentiates them).
TEXTBOOK: dict[str, Callable[..., Tensor]] = {
    "Sigmoid": _sig,
    "Tanh": _tanh,
    "Softsign": lambda x: x / (1.0 + torch.abs(x)),
    "Hardsigmoid": lambda x: torch.clamp(x / 6.0 + 0.5, 0.0, 1.0),
    "LogSigmoid": lambda x: torch.log(_sig(x)),
    "ReLU": lambda x: torch.maximum(x, torch.zeros_like(x)),
    "LeakyReLU": lambda x, negative_slope=0.01: torch.where(x > 0, x, negative_slope * x),
    "ELU": lambda x, alpha=1.0: torch.where(x > 0, x, alpha * (torch.exp(x) - 1.0)),
    "CELU": lambda x, alpha=1.0: torch.where(x > 0, x, alpha * (torch.exp(x / alpha) - 1.0)),
    "SELU": lambda x: 1.0507009873554805 * torch.where(x > 0, x, 1.6732632423543772 * (torch.exp(x) - 1.0)),
    "Softplus": lambda x, beta=1.0, threshold=20.0: torch.log(1.0 + torch.exp(beta * x)) / beta,
    "SiLU": lambda x: x * _sig(x),
    "Swish": lambda x, beta=1.0: x * _sig(beta * x),
    "GELU": lambda x, approximate="none": 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0))),
    "Mish": lambda x: x * _tanh(_softplus(x)),
    "Hardswish": lambda x: x * torch.clamp(x + 3.0, 0.0, 6.0) / 6.0,
    "Tanhshrink": lambda x: x - _tanh(x),
    "Softmax": lambda x, dim=-1: torch.exp(x) / torch.exp(x).sum(dim, keepdim=True),
    "Softmin": lambda x, dim=-1: torch.exp(-x) / torch.exp(-x).sum(dim, keepdim=True),
    "LogSoftmax": lambda x, dim=-1: torch.log(torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)),
    "Softmax2d": lambda x: torch.exp(x) / torch.exp(x).sum(-3, keepdim=True),
    "GLU": lambda x, dim=-1: x.chunk(2, dim)[0] * _sig(x.chunk(2, dim)[1]),
    "SoLU": lambda x, dim=-1: x * torch.softmax(x, dim),
    "RadixSoftmax": lambda x, dim=1, radix=2, cardinality=1: _radix_softmax(x, radix, cardinality),
    # the catalog, as its papers write it (what a user would type instead of picking it from actlab)
    "ESwish": lambda x, beta=1.375: beta * x * _sig(x),
    "FlattenTSwish": lambda x, T=-0.2: torch.where(x >= 0, x * _sig(x) + T, torch.full_like(x, T)),
    "ELiSH": lambda x: torch.where(x >= 0, x * _sig(x), (torch.exp(x) - 1.0) * _sig(x)),
    "HardELiSH": lambda x: torch.where(x >= 0, x, torch.exp(x) - 1.0) * torch.clamp((x + 1.0) / 2.0, 0.0, 1.0),
    "LiSHT": lambda x: x * torch.tanh(x),
    "TanhExp": lambda x: x * torch.tanh(torch.exp(x)),
    "TeLU": lambda x: x * torch.tanh(torch.exp(x)),
    "Smish": lambda x, alpha=1.0, beta=1.0: alpha * x * torch.tanh(torch.log(1.0 + _sig(beta * x))),
    "Logish": lambda x: x * torch.log(1.0 + _sig(x)),
    "GoLU": lambda x, alpha, beta, gamma: x * alpha * torch.exp(-beta * torch.exp(-gamma * x)),
    "ErfAct": lambda x, a, b: x * torch.erf(a * torch.exp(b * x)),
    "DSiLU": lambda x: _sig(x) * (1.0 + x * (1.0 - _sig(x))),
    "ISRU": lambda x, alpha=1.0: x / torch.sqrt(1.0 + alpha * x * x),
    "SQNL": lambda x: torch.where(
        x > 2.0, 1.0, torch.where(x >= 0, x - x * x / 4.0, torch.where(x >= -2.0, x + x * x / 4.0, -1.0))
    ),
    "Elliott": lambda x: 0.5 * x / (1.0 + torch.abs(x)) + 0.5,
    "ArcTan": torch.atan,
    "LeCunTanh": lambda x: 1.7159 * torch.tanh(2.0 / 3.0 * x),
    "PenalizedTanh": lambda x, a=0.25: torch.where(x > 0, torch.tanh(x), a * torch.tanh(x)),
    "CLogLog": lambda x: 1.0 - torch.exp(-torch.exp(x)),
    "SmeLU": lambda x, beta=2.0: torch.where(
        x >= beta, x, torch.where(x <= -beta, 0.0, (x + beta) ** 2 / (4.0 * beta))
    ),
    "NLReLU": lambda x, beta=1.0: torch.log(1.0 + beta * torch.relu(x)),
    "ISRLU": lambda x, alpha=1.0: torch.where(x >= 0, x, x / torch.sqrt(1.0 + alpha * x * x)),
    "RePU": lambda x, p=2.0: torch.relu(x) ** p,
    "ReLUN": lambda x, n=1.0: torch.clamp(x, 0.0, n),
    "BentIdentity": lambda x: (torch.sqrt(x * x + 1.0) - 1.0) / 2.0 + x,
    "ShiftedSoftplus": lambda x: _softplus(x) - math.log(2.0),
    "GCU": lambda x: x * torch.cos(x),
    "Sine": lambda x, w0=30.0: torch.sin(w0 * x),
    "SoftClipping": lambda x, alpha=0.5: (
        torch.log((1.0 + torch.exp(alpha * x)) / (1.0 + torch.exp(alpha * (x - 1.0)))) / alpha
    ),
    "ClippedGELU": lambda x, min_val=-10.0, max_val=10.0: torch.clamp(
        0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0))), min_val, max_val
    ),
    "Phish": lambda x: x * torch.tanh(0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))),
    "GammaAct": lambda x, act_type="relu", gamma=1.0: gamma * _timm_act(act_type)(x),
    "Sinc": lambda x: torch.where(x == 0, 1.0, torch.sin(x) / x),
    "Gaussian": lambda x, sigma=1.0: torch.exp(-x * x / (2.0 * sigma * sigma)),
    "Laplace": lambda x, mu, sigma: 0.5 * (1.0 + torch.erf((x - mu) / (sigma * math.sqrt(2.0)))),
    "Symlog": lambda x: torch.sign(x) * torch.log(1.0 + torch.abs(x)),
    "Symexp": lambda x: torch.sign(x) * (torch.exp(torch.abs(x)) - 1.0),
}


def _timm_act(act_type: str) -> Callable[[Tensor], Tensor]:
    """The textbook form of the activation GammaAct's ``act_type`` names (timm: gamma * act_fn(x))."""
    decl, p = scaled.resolve(act_type)
    naive = _naive(decl, p)
    assert naive is not None
    return naive


XIELU_EPS = -1e-6


def _xielu(x: Tensor, rp: Tensor, rn: Tensor) -> Tensor:
    ap, an = nn.functional.softplus(rp), 0.5 + nn.functional.softplus(rn)
    return torch.where(x > 0, ap * x * x + 0.5 * x, (torch.expm1(torch.clamp(x, max=XIELU_EPS)) - x) * an + 0.5 * x)


def _powers(x: Tensor, n: int) -> list[Tensor]:
    out = [torch.ones_like(x), x]
    while len(out) <= n:
        out.append(out[-1] * x)
    return out


def _pau(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    """rational_activations' safe PAU (version B): P / (1 + |sum_k b_k x^k|)."""
    xp = _powers(x, 5)
    p = sum(num[..., j] * xp[j] for j in range(6))
    return p / (1.0 + torch.abs(sum(den[..., k] * xp[k + 1] for k in range(4))))


def _rational(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    xp = _powers(x, 3)
    return sum(num[..., j] * xp[j] for j in range(4)) / sum(den[..., k] * xp[k] for k in range(3))


def _apl(x: Tensor, a: Tensor, b: Tensor) -> Tensor:
    return torch.relu(x) + sum(a[..., s] * torch.relu(b[..., s] - x) for s in range(a.shape[-1]))


def _soft_exponential(x: Tensor, alpha: Tensor) -> Tensor:
    """The paper's three cases, picked by the (one) alpha's value; alpha = 0: x + alpha (1 + x^2/2), the
    identity's value with the true alpha-gradient 1 + x^2/2 (the paper's identity has none there, so its
    alpha never leaves 0: not the same function's derivatives, and a cheaper one to time)."""
    a = float(alpha.detach().reshape(-1)[0])
    if a > 0:
        return (torch.exp(alpha * x) - 1.0) / alpha + alpha
    if a < 0:
        return -torch.log(1.0 - alpha * (x + alpha)) / alpha
    return x + alpha * (1.0 + 0.5 * x * x)


# The learnable ones as their papers' code writes them, f(x, *tensors) (the tensors: the module's
# parameters, in the declaration's order): autograd gives the parameter gradients too.
LEARNABLE_TEXTBOOK: dict[str, Callable[..., Tensor]] = {
    "StarReLU": lambda x, s, b: s * torch.relu(x) ** 2 + b,
    "SMU": lambda x, mu: ((1.0 + 0.25) * x + (1.0 - 0.25) * x * torch.erf(mu * (1.0 - 0.25) * x)) / 2.0,
    "TLU": lambda x, tau: torch.maximum(x, tau),
    "xIELU": _xielu,
    "SinLU": lambda x, a, b: (x + a * torch.sin(b * x)) * torch.sigmoid(x),
    "Snake": lambda x, a: x + 1.0 / (a + 1e-9) * torch.sin(a * x) ** 2,
    "PELU": lambda x, a, b: torch.where(x >= 0, a / b * x, a * (torch.exp(x / b) - 1.0)),
    "MPELU": lambda x, alpha, beta: torch.where(x > 0, x, alpha * (torch.exp(beta * x) - 1.0)),
    "SReLU": lambda x, tl, al, tr, ar: torch.where(
        x >= tr, tr + ar * (x - tr), torch.where(x <= tl, tl + al * (x - tl), x)
    ),
    "APL": _apl,
    "PAU": _pau,
    "Rational": _rational,
    "AReLU": lambda x, alpha, beta: (
        (1.0 + torch.sigmoid(beta)) * torch.relu(x) - torch.clamp(alpha, 0.01, 0.99) * torch.relu(-x)
    ),
    "SoftExponential": _soft_exponential,
    "ACON": lambda x, p1, p2, beta: (p1 - p2) * x * torch.sigmoid(beta * (p1 - p2) * x) + p2 * x,
}


class FunnelTextbook(nn.Module):
    """FReLU as its paper's code writes it, max(x, BN(DWConv(x))), with copies of a fresh actlab module's
    convolution and batch norm (their gradients computed as actlab's module computes them)."""

    def __init__(self, like: nn.Module):
        super().__init__()
        self.conv, self.bn = copy.deepcopy(like.conv_frelu), copy.deepcopy(like.bn_frelu)

    def forward(self, x: Tensor) -> Tensor:
        return torch.maximum(x, self.bn(self.conv(x)))


# The textbook modules built from actlab's module (its submodules copied): the convolutional FReLU
MODULE_TEXTBOOK: dict[str, Callable[[nn.Module], nn.Module]] = {"FReLU": FunnelTextbook}


class Textbook(nn.Module):
    """A learnable activation's textbook formula with parameters of its own (copies of a fresh
    actlab module's), so that fwd+bwd computes their gradients as actlab's module does."""

    def __init__(self, fn: Callable[..., Tensor], like: nn.Module, names: tuple[str, ...]):
        super().__init__()
        self.fn, self.names = fn, names
        for n in names:
            self.register_parameter(n, nn.Parameter(getattr(like, n).detach().clone()))

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x, *(getattr(self, n) for n in self.names))


def shape_for(decl: type[Activation], numel: int) -> tuple[int, ...]:
    """Elementwise: 1-D; softmax family and GLU: rows of 1000 (4M -> (4000, 1000));
    Softmax2d: (N, C, H, W) with 8 channels; PReLU: (N, C); convolutional ones (FReLU):
    (N, 16, 32, 32) with N >= 2 (batch norm needs two values per channel)."""
    if "in_channels" in decl.params:
        return (max(2, numel // (16 * 32 * 32)), 16, 32, 32)
    if decl.name == "Softmax2d":
        return (max(1, numel // (8 * 50 * 100)), 8, 50, 100) if numel >= 40_000 else (1, 8, 4, max(1, numel // 32))
    if not issubclass(decl, Elementwise):
        cols = 1000 if numel >= 100_000 else 256
        return (max(1, numel // cols), cols)
    return (numel,)


def default_params(decl: type[Activation]) -> dict[str, Any]:
    """torch's defaults; 0.5 for the required ones (Threshold's threshold and value)."""
    return {k: (v.default if v.default is not None else 0.5) for k, v in decl.params.items()}


def module_kwargs(decl: type[Activation], shape: tuple[int, ...] = ()) -> dict[str, Any]:
    if issubclass(decl, Elementwise):
        return default_params(decl)
    if issubclass(decl, Normalizer) and "dim" in decl.params:
        return {"dim": -1}
    if "in_channels" in decl.params and len(shape) > 1:  # FReLU: its convolution's channels
        return {"in_channels": shape[1]}
    return {}


@dataclass
class Variant:
    name: str
    fn: Callable[[Tensor], Tensor]


@dataclass
class Row:
    name: str
    family: str
    numel: int
    shape: tuple[int, ...]
    kind: str  # "fwd" | "fwdbwd" | "double"
    dtype: str = "float32"
    threads: int = 1
    ms: dict[str, float] = field(default_factory=dict)
    spread: dict[str, tuple[float, float]] = field(default_factory=dict)
    saved_bytes: dict[str, int] = field(default_factory=dict)

    def ratio(self, floor_ms: float) -> dict[str, float]:
        a = self.ms.get("actlab")
        out = {k: a / v for k, v in self.ms.items() if k != "actlab" and a is not None and v > 0}
        if a is not None and floor_ms > 0:
            out["floor"] = a / floor_ms
        return out

    def noisy(self) -> bool:
        """Whether actlab's or torch's repeats spread by more than 20% of their median."""
        return any((hi - lo) > NOISY * self.ms[k] for k, (lo, hi) in self.spread.items() if k in ("actlab", "torch"))


def torch_module(decl: type[Activation]) -> type[nn.Module] | None:
    """torch.nn's module of ``decl`` (what it is timed against), None when torch has none."""
    return getattr(nn, decl.name, None) if decl.in_torch else None


def yardstick(decl: type[Activation]) -> bool:
    """Whether ``decl`` is timed against torch's SiLU when torch has no module of its own: the
    elementwise and learnable declarations (one value per element, as SiLU)."""
    return issubclass(decl, (Elementwise, Parametric))


def variants(decl: type[Activation], eager: bool, shape: tuple[int, ...] = (), naive: bool = True) -> list[Variant]:
    """torch's module, the textbook composition (``naive``), actlab's module (and RReLU's counter
    noise), the declarations' Python math (``eager``)."""
    kw = module_kwargs(decl, shape)
    ours = decl.module_class(**kw) if decl.module_class is not None else None
    out: list[Variant] = []
    reference = torch_module(decl)
    if reference is not None:
        out.append(Variant("torch", reference(**kw)))
    elif yardstick(decl):  # the catalog: torch's SiLU as the yardstick
        out.append(Variant("silu", nn.SiLU()))
    textbook = _naive(decl, kw) if naive else None
    if textbook is not None:
        out.append(Variant("naive", textbook))
    if ours is not None:
        out.append(Variant("actlab", ours))
        if issubclass(decl, Random):  # training noise: torch's stream (actlab) and the counter hash

            def counter(x: Tensor, m: nn.Module = ours) -> Tensor:
                with counter_noise():
                    return m(x)

            out.append(Variant("counter", counter))
        if eager and issubclass(decl, Elementwise):  # the declaration's Python math (Function tower)
            fn, args = ops.operator(decl).function, tuple(kw[k] for k in decl.op_params())
            out.append(Variant("eager", lambda x: fn.apply(x, *args)))
    return out


def _naive(decl: type[Activation], kw: dict[str, Any]) -> Callable[[Tensor], Tensor] | None:
    """The textbook composition of torch ops (autograd through the declaration's own f for
    elementwise ones without a TEXTBOOK entry); None when there is none."""
    book = TEXTBOOK.get(decl.name)
    if book is not None:
        return lambda x: book(x, **kw)
    learnable = LEARNABLE_TEXTBOOK.get(decl.name)
    if learnable is not None and decl.module_class is not None:
        return Textbook(learnable, decl.module_class(**kw), tuple(decl.tensor_params))
    built = MODULE_TEXTBOOK.get(decl.name)
    if built is not None and decl.module_class is not None:
        return built(decl.module_class(**kw))
    if issubclass(decl, Random):
        return _naive_rrelu(kw)
    if issubclass(decl, Elementwise):
        return lambda x: decl.f(x, **kw)
    return None


def _naive_rrelu(kw: dict[str, Any]) -> Callable[[Tensor], Tensor]:
    lo, hi = kw.get("lower", 1 / 8), kw.get("upper", 1 / 3)

    def f(x: Tensor) -> Tensor:
        a = torch.rand_like(x) * (hi - lo) + lo
        return torch.where(x >= 0, x, a * x)

    return f


def saved_bytes(fn: Callable[[Tensor], Tensor], x: Tensor) -> int:
    """Bytes of the distinct storages autograd keeps for backward of ``fn(x)``."""
    seen: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:
        st = t.untyped_storage()
        seen[st.data_ptr()] = st.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = fn(x)
    del y
    return sum(seen.values())


def _percentile(sorted_samples: list[float], q: float) -> float:
    i = min(len(sorted_samples) - 1, max(0, round(q * (len(sorted_samples) - 1))))
    return sorted_samples[i]


def time_round_robin(
    calls: dict[str, Callable[[], Any]], repeats: int, warmup: int = 2
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Median ms of each call and the (p10, p90) spread, interleaved: every round runs each call
    once, in the given order on even rounds and reversed on odd ones, so that every call follows
    each of the others as often (in a fixed order one call always ran right after the same one: a
    call after the slow textbook composition, which evicts the caches and allocates temporaries,
    read up to 1.6x slower at 64K than the same call after torch's)."""
    for _ in range(warmup):
        for c in calls.values():
            c()
    samples: dict[str, list[float]] = {k: [] for k in calls}
    forward, backward = list(calls.items()), list(reversed(calls.items()))
    for r in range(repeats):
        for k, c in backward if r % 2 else forward:
            t = time.perf_counter()
            c()
            samples[k].append((time.perf_counter() - t) * 1e3)
    medians = {k: statistics.median(v) for k, v in samples.items()}
    spread = {k: (_percentile(sorted(v), 0.1), _percentile(sorted(v), 0.9)) for k, v in samples.items()}
    return medians, spread


MMAP_THRESHOLD = 32 << 20  # glibc's largest: 4M float32 tensors (16 MB) come from the heap
TRIM_THRESHOLD = 1 << 30  # free heap kept: the bench's few hundred MB are never given back


def steady_allocator() -> str:
    """Fix glibc's mmap threshold at 32 MB and keep freed heap memory for the rest of the process
    (what the bench measures under; returned as words for the record), the steady state of a
    training loop, which reuses its blocks.

    glibc raises the threshold on its own as a process frees large blocks; until it has, each
    256 KB-16 MB allocation is fresh pages faulted in on first touch, and which variant of a
    round-robin pays for that depends on the allocation history (one run measured Sigmoid's 4M
    forward at 3.3x torch's, the next at 1.0x). And glibc gives the top of the heap back to the
    system once 64 MB of it are free (here, after the textbook composition's temporaries), so the
    next variant's tensors were fresh pages again (Sigmoid's 4M forward at 3.0x, its repeats
    bimodal, 4.7 or 17.8 ms)."""
    import ctypes
    import platform

    if platform.system() != "Linux":
        return "the platform's allocator"
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(-3, MMAP_THRESHOLD) == 1 and libc.mallopt(-1, TRIM_THRESHOLD) == 1  # M_MMAP/M_TRIM
    except (OSError, AttributeError):
        return "the C library's allocator (not glibc)"
    return "glibc, mmap threshold fixed at 32 MB, heap kept" if ok else "glibc, default mmap threshold"


def floor_ms(numel: int, dtype: torch.dtype, device: str, repeats: int) -> float:
    """One read + one write pass over ``numel`` elements: the bandwidth floor of a cheap op."""
    x = torch.randn(numel, dtype=dtype, device=device)
    buf = torch.empty_like(x)
    sync = _sync(device)
    return time_round_robin({"floor": lambda: (torch.add(x, 0, out=buf), sync())}, repeats)[0]["floor"]


def _sync(device: str) -> Callable[[], None]:
    if torch.device(device).type == "cuda":
        return torch.cuda.synchronize
    return lambda: None


def _input(decl: type[Activation], shape: tuple[int, ...], dtype: torch.dtype, device: str) -> Tensor:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float32) * 3.0
    return x.to(dtype=dtype, device=device)


def _has_double_backward(fn: Callable[[Tensor], Tensor], x: Tensor) -> bool:
    """Whether ``fn`` can be differentiated twice (torch's Hardsigmoid cannot), tried on a slice of x."""
    t = (x.detach()[:8] if x.dim() == 1 else x.detach()[:1]).clone().requires_grad_(True)
    try:
        y = fn(t)
        (g1,) = torch.autograd.grad(y, t, torch.ones_like(y), create_graph=True)
        if not g1.requires_grad:  # piecewise-linear: the second derivative is 0 but still defined
            return True
        torch.autograd.grad(g1, t, torch.ones_like(g1), allow_unused=True)
    except RuntimeError:
        return False
    return True


def bench_one(
    decl: type[Activation],
    numel: int,
    dtype: torch.dtype,
    device: str,
    repeats: int,
    eager: bool,
    passes: Iterable[str] = PASSES,
    naive: bool = True,
) -> list[Row]:
    shape = shape_for(decl, numel)
    x = _input(decl, shape, dtype, device)
    vs = variants(decl, eager, shape, naive)
    for v in vs:
        if isinstance(v.fn, nn.Module):
            v.fn.to(device=device, dtype=dtype)
    sync = _sync(device)
    xg = x.clone().requires_grad_(True)
    y0 = vs[-1].fn(xg)
    g = torch.randn_like(y0)
    gg = torch.randn_like(x)
    learnable = issubclass(decl, Parametric)  # the parameter gradients too, for every variant that has them
    params = [p for v in vs if isinstance(v.fn, nn.Module) for p in v.fn.parameters()]
    for p in params:
        p.requires_grad_(learnable)  # else gradients w.r.t. the input only, the same work for every variant

    def wrt(f: Callable) -> list[Tensor]:
        return [xg, *(f.parameters() if learnable and isinstance(f, nn.Module) else ())]

    def fwd(f: Callable) -> Callable[[], Any]:
        def call() -> None:
            with torch.no_grad():
                f(x)
            sync()

        return call

    def fwdbwd(f: Callable) -> Callable[[], Any]:
        inputs = wrt(f)

        def call() -> None:
            torch.autograd.grad(f(xg), inputs, g)
            sync()

        return call

    def double(f: Callable) -> Callable[[], Any]:
        def call() -> None:
            (g1,) = torch.autograd.grad(f(xg), xg, g, create_graph=True)
            if g1.requires_grad:
                torch.autograd.grad(g1, xg, gg, allow_unused=True)
            sync()

        return call

    rows = []
    for kind in passes:
        make = {"fwd": fwd, "fwdbwd": fwdbwd, "double": double}[kind]
        chosen = [v for v in vs if kind != "double" or (v.name != "counter" and _has_double_backward(v.fn, xg))]
        if not any(v.name == "actlab" for v in chosen):
            continue
        row = Row(decl.name, decl.family, numel, tuple(shape), kind, str(dtype).removeprefix("torch."))
        row.threads = torch.get_num_threads()
        row.ms, row.spread = time_round_robin({v.name: make(v.fn) for v in chosen}, repeats)
        if kind == "fwdbwd":
            row.saved_bytes = {v.name: saved_bytes(v.fn, xg) for v in chosen}
        rows.append(row)
    return rows


def default_repeats(numel: int, quick: bool) -> int:
    if quick:
        return 5
    return 40 if numel <= 100_000 else 15


def run(
    names: Iterable[str] | None = None,
    sizes: Iterable[int] = SIZES,
    dtypes: Iterable[str] = ("float32",),
    device: str = "cpu",
    repeats: int | None = None,
    quick: bool = False,
    eager: bool = False,
    progress: bool = True,
    threads: Iterable[int] | None = None,
    passes: Iterable[str] = PASSES,
    naive: bool = True,
) -> dict[str, Any]:
    """Benchmark ``names`` (default: every registered activation) for every size, dtype and
    thread count; returns the JSON record. ``naive=False`` leaves out the textbook compositions
    (the slowest variant: the report's quick run times actlab against torch only). Fixes glibc's
    mmap threshold for the rest of the process first (:func:`steady_allocator`)."""
    dtypes = [dtypes] if isinstance(dtypes, str) else list(dtypes)
    for d in dtypes:
        if d not in DTYPES:
            raise ValueError(f"--dtype must be one of {', '.join(DTYPES)}, got {d!r}")
    passes = list(passes)
    if not passes or any(p not in PASSES for p in passes):
        raise ValueError(f"--pass must be among {', '.join(PASSES)}, got {passes}")
    decls = [declaration(n) for n in names] if names else declarations()
    sizes = list(sizes)
    if not sizes or any(not isinstance(n, int) or n < 64 for n in sizes):
        raise ValueError(f"sizes must be integers >= 64, got {sizes}")
    thread_counts = list(threads) if threads else [torch.get_num_threads()]
    if any(t < 1 for t in thread_counts):
        raise ValueError(f"--threads must be >= 1, got {thread_counts}")
    from tqdm import tqdm

    allocator = steady_allocator()
    before = torch.get_num_threads()
    floors: dict[str, float] = {}
    rows: list[Row] = []
    jobs = [(t, dt, n, d) for t in thread_counts for dt in dtypes for n in sizes for d in decls]
    try:
        for t, dt, n, d in tqdm(jobs, desc="bench", unit="case", disable=not progress):
            torch.set_num_threads(t)
            key = f"{dt}/{t}/{n}"
            if key not in floors:
                floors[key] = floor_ms(n, DTYPES[dt], device, repeats or default_repeats(n, quick))
            rows += bench_one(d, n, DTYPES[dt], device, repeats or default_repeats(n, quick), eager, passes, naive)
    finally:
        torch.set_num_threads(before)
    return {
        "meta": {
            "torch": torch.__version__,
            "device": device,
            "threads": thread_counts,
            "dtypes": dtypes,
            "native": native.loaded(),
            "cpu": torch.backends.cpu.get_cpu_capability(),
            "time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "repeats": repeats,
            "quick": quick,
            "names": [d.name for d in decls],
            "sizes": sizes,
            "passes": passes,
            "naive": naive,
            "allocator": allocator,
        },
        "floor": floors,
        "results": [
            {
                "name": r.name,
                "family": r.family,
                "numel": r.numel,
                "shape": list(r.shape),
                "pass": r.kind,
                "dtype": r.dtype,
                "threads": r.threads,
                "ms": r.ms,
                "spread": {k: list(v) for k, v in r.spread.items()},
                "ratio": r.ratio(floors[f"{r.dtype}/{r.threads}/{r.numel}"]),
                "noisy": r.noisy(),
                "saved_bytes": r.saved_bytes,
            }
            for r in rows
        ],
    }


def _fmt(v: float | None, width: int = 7, digits: int = 2) -> str:
    return f"{v:>{width}.{digits}f}" if v is not None else f"{'-':>{width}}"


def table(record: dict[str, Any]) -> str:
    """The ratio table: ms per variant, actlab / torch, actlab / naive, actlab / floor, memory,
    the spread of actlab's repeats, and a warning for rows whose repeats disagree."""
    m = record["meta"]
    lines = [
        f"torch {m['torch']}, {m['device']} ({m.get('cpu', '?')}), threads {m['threads']}, "
        f"{', '.join(m.get('dtypes', [m.get('dtype', '?')]))}, native kernels {'on' if m.get('native') else 'off'}"
        + (f", allocator: {m['allocator']}" if m.get("allocator") else "")
        + "; median ms (p10-p90 of actlab's repeats); ratios = actlab / other (< 1: actlab faster)"
        + (
            "; /silu: actlab / torch's SiLU on the same input (the catalog's yardstick)"
            if any("silu" in r["ms"] for r in record["results"])
            else ""
        ),
    ]
    extra = [v for v in ("counter", "eager") if any(v in r["ms"] for r in record["results"])]
    silu = any("silu" in r["ms"] for r in record["results"])
    head = f"{'activation':<16}{'numel':>9} {'dtype':<9}{'thr':>3} {'pass':<7}{'torch':>8}{'naive':>8}{'actlab':>8}"
    head += "".join(f"{v:>8}" for v in extra)
    head += (
        f"{'spread':>14}{'/torch':>8}"
        + (f"{'/silu':>8}" if silu else "")
        + f"{'/naive':>8}{'/floor':>8}{'mem/torch':>10}"
    )
    lines += [head, "-" * len(head)]
    noisy = 0
    for r in record["results"]:
        ms, ra = r["ms"], r["ratio"]
        mem = r.get("saved_bytes") or {}
        memr = mem["actlab"] / mem["torch"] if mem.get("torch") and "actlab" in mem else None
        lo, hi = (r.get("spread") or {}).get("actlab", (None, None))
        spread = f"{lo:.2f}-{hi:.2f}" if lo is not None else "-"
        line = f"{r['name']:<16}{r['numel']:>9} {r.get('dtype', m.get('dtype', '')):<9}{r.get('threads', ''):>3} "
        line += f"{r['pass']:<7}{_fmt(ms.get('torch'), 8)}{_fmt(ms.get('naive'), 8)}{_fmt(ms.get('actlab'), 8)}"
        line += "".join(_fmt(ms.get(v), 8) for v in extra)
        line += f"{spread:>14}{_fmt(ra.get('torch'), 8)}" + (_fmt(ra.get("silu"), 8) if silu else "")
        line += f"{_fmt(ra.get('naive'), 8)}{_fmt(ra.get('floor'), 8, 1)}"
        line += _fmt(memr, 10) + ("  !" if r.get("noisy") else "")
        noisy += bool(r.get("noisy"))
        lines.append(line)
    lines.append("floor (read+write pass, ms): " + ", ".join(f"{n}: {v:.3f}" for n, v in record["floor"].items()))
    if noisy:
        lines.append(
            f"warning: on {noisy} row(s) (marked !) the repeats of actlab or torch spread by more than "
            f"{NOISY:.0%} of the median: the machine is loaded; ratios near 1 there are not significant"
        )
    return "\n".join(lines)


def save(record: dict[str, Any], path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(record, indent=1))
    return p


def load(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def plot_ratios(
    record: dict[str, Any] | str | Path,
    numel: int | None = None,
    kind: str = "fwdbwd",
    dtype: str | None = None,
    threads: int | None = None,
) -> Any:
    """Horizontal bars of actlab / torch and naive / torch per activation (log scale, 1 = torch),
    for ``numel`` (default: the largest benchmarked), pass ``kind`` ("fwd", "fwdbwd", "double"),
    ``dtype`` and ``threads`` (default: the first of the record's)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rec = load(record) if isinstance(record, (str, Path)) else record
    sizes = sorted({r["numel"] for r in rec["results"]})
    if not sizes:
        raise ValueError("the benchmark record has no results")
    n = numel if numel is not None else sizes[-1]
    dt = dtype or rec["results"][0].get("dtype", "float32")
    th = threads or rec["results"][0].get("threads")
    rows = [
        r
        for r in rec["results"]
        if r["numel"] == n
        and r["pass"] == kind
        and "torch" in r["ms"]
        and r.get("dtype", dt) == dt
        and r.get("threads", th) == th
    ]
    names = [r["name"] for r in rows]
    ours = [r["ms"]["actlab"] / r["ms"]["torch"] for r in rows]
    naive = [r["ms"]["naive"] / r["ms"]["torch"] if "naive" in r["ms"] else float("nan") for r in rows]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 1.2))
    pos = range(len(rows))
    ax.barh([p + 0.2 for p in pos], ours, height=0.4, label="actlab / torch", color="#2a7ab9")
    ax.barh([p - 0.2 for p in pos], naive, height=0.4, label="naive / torch", color="#c9c9c9")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(list(pos), names)
    ax.invert_yaxis()
    ax.set_xlabel("time ratio to torch native (< 1: faster than torch)")
    title = {"fwd": "forward", "fwdbwd": "forward + backward", "double": "double backward"}[kind]
    ax.set_title(f"{title}, {n:,} elements, {dt}, {th} thread(s)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
