"""Side-by-side timing of actlab vs torch native vs the textbook composition.

For every registered activation (so new declarations are benched automatically) and every size,
three variants run interleaved in one process — round-robin, many repeats, median after a
warm-up — for the forward pass and for forward + backward (``torch.autograd.grad``):

* ``torch``  — torch.nn's module (absent for our extras such as Swish);
* ``naive``  — autograd through the textbook formula (:data:`TEXTBOOK`; for activations without
  one, autograd through the declaration's own ``f``);
* ``actlab`` — actlab's module: its operator (native kernels when built, :mod:`actlab.native`);
* ``eager``  — optionally (``eager=True``), the declaration's Python math (the Function tower).

A memory floor is timed alongside: one read + one write pass, ``torch.add(x, 0, out=buf)``.
Saved-for-backward memory is counted exactly with ``saved_tensors_hooks`` (bytes of distinct
storages each variant keeps for backward).

JSON format (``<report dir>/data/bench.json``; read by :func:`plot_ratios` and the report)::

    {"meta": {"torch": "2.13.0", "device": "cpu", "threads": 2, "dtype": "float32",
              "native": true, "time": "2026-...Z", "repeats": 15},
     "floor": {"4000000": 1.23, ...},                # ms per read+write pass, by numel
     "results": [{"name": "ELU", "family": "exponential", "numel": 4000000,
                  "shape": [4000000], "pass": "fwd" | "fwdbwd",
                  "ms": {"torch": 8.1, "naive": 20.3, "actlab": 7.9},   # medians; missing = n/a
                  "ratio": {"torch": 0.98, "naive": 0.39, "floor": 6.4},  # actlab / each
                  "saved_bytes": {"torch": 16000000, "actlab": 16000000, ...}}]}  # fwdbwd rows
"""

from __future__ import annotations

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
from .registry import declarations, spec
from .spec import Activation, Elementwise, Normalizer, Random

SIZES = (65_536, 4_000_000)
DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


def _sig(x: Tensor) -> Tensor:
    return 1.0 / (1.0 + torch.exp(-x))


def _tanh(x: Tensor) -> Tensor:
    e, f = torch.exp(x), torch.exp(-x)
    return (e - f) / (e + f)


def _softplus(x: Tensor) -> Tensor:
    return torch.log(1.0 + torch.exp(x))


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
}


def shape_for(decl: type[Activation], numel: int) -> tuple[int, ...]:
    """Elementwise: 1-D; softmax family and GLU: rows of 1000 (4M -> (4000, 1000));
    Softmax2d: (N, C, H, W) with 8 channels; PReLU: (N, C)."""
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
    kind: str  # "fwd" | "fwdbwd"
    ms: dict[str, float] = field(default_factory=dict)
    saved_bytes: dict[str, int] = field(default_factory=dict)

    def ratio(self, floor_ms: float) -> dict[str, float]:
        a = self.ms.get("actlab")
        out = {k: a / v for k, v in self.ms.items() if k != "actlab" and a is not None and v > 0}
        if a is not None and floor_ms > 0:
            out["floor"] = a / floor_ms
        return out


def variants(decl: type[Activation], eager: bool, shape: tuple[int, ...] = ()) -> list[Variant]:
    kw = module_kwargs(decl, shape)
    ours = decl.module_class(**kw) if decl.module_class is not None else None
    out: list[Variant] = []
    if decl.torch_name is not None and hasattr(nn, decl.torch_name):
        out.append(Variant("torch", getattr(nn, decl.torch_name)(**kw)))
    book = TEXTBOOK.get(decl.name)
    if book is not None:
        out.append(Variant("naive", lambda x, b=book: b(x, **kw)))
    elif issubclass(decl, Random):
        out.append(Variant("naive", _naive_rrelu(kw)))
    elif issubclass(decl, Elementwise):
        out.append(Variant("naive", lambda x: decl.f(x, **kw)))  # autograd through our own f
    if ours is not None:
        out.append(Variant("actlab", ours))
        if eager and issubclass(decl, Elementwise):  # the declaration's Python math (Function tower)
            fn, args = ops.operator(decl).function, tuple(kw[k] for k in decl.op_params())
            out.append(Variant("eager", lambda x: fn.apply(x, *args)))
    return out


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


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def time_round_robin(calls: dict[str, Callable[[], Any]], repeats: int, warmup: int = 2) -> dict[str, float]:
    """Median ms of each call, interleaved: every round runs each call once, in turn."""
    for _ in range(warmup):
        for c in calls.values():
            c()
    samples: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for k, c in calls.items():
            t = time.perf_counter()
            c()
            samples[k].append(time.perf_counter() - t)
    return {k: _median_ms(v) for k, v in samples.items()}


def floor_ms(numel: int, dtype: torch.dtype, device: str, repeats: int) -> float:
    """One read + one write pass over ``numel`` elements: the bandwidth floor of a cheap op."""
    x = torch.randn(numel, dtype=dtype, device=device)
    buf = torch.empty_like(x)
    sync = _sync(device)
    return time_round_robin({"floor": lambda: (torch.add(x, 0, out=buf), sync())}, repeats)["floor"]


def _sync(device: str) -> Callable[[], None]:
    if torch.device(device).type == "cuda":
        return torch.cuda.synchronize
    return lambda: None


def _input(decl: type[Activation], shape: tuple[int, ...], dtype: torch.dtype, device: str) -> Tensor:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float32) * 3.0
    return x.to(dtype=dtype, device=device)


def bench_one(
    decl: type[Activation], numel: int, dtype: torch.dtype, device: str, repeats: int, eager: bool
) -> list[Row]:
    shape = shape_for(decl, numel)
    x = _input(decl, shape, dtype, device)
    vs = variants(decl, eager, shape)
    for v in vs:
        if isinstance(v.fn, nn.Module):
            v.fn.to(device=device, dtype=dtype)
    sync = _sync(device)
    xg = x.clone().requires_grad_(True)
    y0 = vs[-1].fn(xg)
    g = torch.randn_like(y0)
    params = [p for v in vs if isinstance(v.fn, nn.Module) for p in v.fn.parameters()]
    for p in params:
        p.requires_grad_(False)  # gradients w.r.t. the input only, the same work for every variant

    def fwd(f: Callable) -> Callable[[], Any]:
        def call() -> None:
            with torch.no_grad():
                f(x)
            sync()

        return call

    def fwdbwd(f: Callable) -> Callable[[], Any]:
        def call() -> None:
            torch.autograd.grad(f(xg), xg, g)
            sync()

        return call

    rows = []
    for kind, make in (("fwd", fwd), ("fwdbwd", fwdbwd)):
        row = Row(decl.name, decl.family, numel, tuple(shape), kind)
        row.ms = time_round_robin({v.name: make(v.fn) for v in vs}, repeats)
        if kind == "fwdbwd":
            row.saved_bytes = {v.name: saved_bytes(v.fn, xg) for v in vs}
        rows.append(row)
    return rows


def default_repeats(numel: int, quick: bool) -> int:
    if quick:
        return 5
    return 40 if numel <= 100_000 else 15


def run(
    names: Iterable[str] | None = None,
    sizes: Iterable[int] = SIZES,
    dtype: str = "float32",
    device: str = "cpu",
    repeats: int | None = None,
    quick: bool = False,
    eager: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Benchmark ``names`` (default: every registered activation); returns the JSON record."""
    if dtype not in DTYPES:
        raise ValueError(f"--dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    dt = DTYPES[dtype]
    decls = [spec(n) for n in names] if names else declarations()
    sizes = list(sizes)
    if not sizes or any(not isinstance(n, int) or n < 64 for n in sizes):
        raise ValueError(f"sizes must be integers >= 64, got {sizes}")
    from tqdm import tqdm

    floors = {n: floor_ms(n, dt, device, repeats or default_repeats(n, quick)) for n in sizes}
    rows: list[Row] = []
    jobs = [(d, n) for n in sizes for d in decls]
    for d, n in tqdm(jobs, desc="bench", unit="case", disable=not progress):
        rows += bench_one(d, n, dt, device, repeats or default_repeats(n, quick), eager)
    return {
        "meta": {
            "torch": torch.__version__,
            "device": device,
            "threads": torch.get_num_threads(),
            "dtype": dtype,
            "native": native.loaded(),
            "time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "repeats": repeats,
            "quick": quick,
        },
        "floor": {str(n): ms for n, ms in floors.items()},
        "results": [
            {
                "name": r.name,
                "family": r.family,
                "numel": r.numel,
                "shape": list(r.shape),
                "pass": r.kind,
                "ms": r.ms,
                "ratio": r.ratio(floors[r.numel]),
                "saved_bytes": r.saved_bytes,
            }
            for r in rows
        ],
    }


def _fmt(v: float | None, width: int = 7, digits: int = 2) -> str:
    return f"{v:>{width}.{digits}f}" if v is not None else f"{'-':>{width}}"


def table(record: dict[str, Any]) -> str:
    """The ratio table: ms per variant, actlab / torch, actlab / naive, actlab / floor, memory."""
    m = record["meta"]
    lines = [
        f"torch {m['torch']}, {m['device']}, {m['threads']} threads, {m['dtype']}, native kernels "
        f"{'on' if m.get('native') else 'off'}; median ms; ratios = actlab / other (< 1: actlab faster)",
    ]
    eager = any("eager" in r["ms"] for r in record["results"])
    head = f"{'activation':<16}{'numel':>9} {'pass':<7}{'torch':>8}{'naive':>8}{'actlab':>8}"
    head += f"{'eager':>8}" if eager else ""
    head += f"{'/torch':>8}{'/naive':>8}{'/floor':>8}{'mem/torch':>10}"
    lines += [head, "-" * len(head)]
    for r in record["results"]:
        ms, ra = r["ms"], r["ratio"]
        mem = r.get("saved_bytes") or {}
        memr = mem["actlab"] / mem["torch"] if mem.get("torch") and "actlab" in mem else None
        line = f"{r['name']:<16}{r['numel']:>9} {r['pass']:<7}"
        line += f"{_fmt(ms.get('torch'), 8)}{_fmt(ms.get('naive'), 8)}{_fmt(ms.get('actlab'), 8)}"
        line += _fmt(ms.get("eager"), 8) if eager else ""
        line += f"{_fmt(ra.get('torch'), 8)}{_fmt(ra.get('naive'), 8)}{_fmt(ra.get('floor'), 8, 1)}{_fmt(memr, 10)}"
        lines.append(line)
    lines.append("floor (read+write pass, ms): " + ", ".join(f"{n}: {v:.3f}" for n, v in record["floor"].items()))
    return "\n".join(lines)


def save(record: dict[str, Any], path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(record, indent=1))
    return p


def load(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def plot_ratios(record: dict[str, Any] | str | Path, numel: int | None = None, kind: str = "fwdbwd") -> Any:
    """Horizontal bars of actlab / torch and naive / torch per activation (log scale, 1 = torch),
    for ``numel`` (default: the largest benchmarked) and pass ``kind`` ("fwd" or "fwdbwd")."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rec = load(record) if isinstance(record, (str, Path)) else record
    sizes = sorted({r["numel"] for r in rec["results"]})
    if not sizes:
        raise ValueError("the benchmark record has no results")
    n = numel if numel is not None else sizes[-1]
    rows = [r for r in rec["results"] if r["numel"] == n and r["pass"] == kind and "torch" in r["ms"]]
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
    ax.set_title(f"{'forward + backward' if kind == 'fwdbwd' else 'forward'}, {n:,} elements, {rec['meta']['dtype']}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
