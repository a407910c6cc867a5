"""What the native kernels cost by themselves, beside torch's own kernels (interleaved in one
process, median of many rounds, ratios actlab / torch; < 1: actlab faster).

    python benchmarks/native_kernels.py                 # forward kernels, 64K and 4M, 1 and 2 threads
    python benchmarks/native_kernels.py --double        # + double backward through autograd
    python benchmarks/native_kernels.py --rrelu         # RReLU training: torch's slopes and the counter noise
    python benchmarks/native_kernels.py --modules --cpu-time   # the default path, as actlab bench

* forward: ``torch.ops.actlab.<fn>`` vs the ``torch.nn.functional`` op, both under no_grad (no
  autograd, no module): the kernels alone;
* backward: ``torch.ops.actlab.<fn>_backward(g, x)`` vs torch's backward op where ATen has one
  with the same inputs;
* double backward: y = m(x); (g,) = grad(y, x, v, create_graph=True); grad(g.sum(), x) for the
  torch module and actlab's (autograd glue included, as a user sees it);
* modules: the torch.nn module vs actlab's (the default path: ``actlab bench``'s two rows, forward
  under no_grad and forward + backward by ``autograd.grad``), on this script's clock;
* RReLU training forward + backward: actlab's module (torch's generator stream, and
  ``actlab.ops.counter_noise()``) vs torch's module.
The default-path table (module forward and forward + backward) is ``actlab bench``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch.nn import functional as F

import actlab
from actlab import bench, native
from actlab.bench import default_params, shape_for

OPS = torch.ops.actlab
A = torch.ops.aten
CLOCK = {"clock": time.perf_counter}


def time_round_robin(calls: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """actlab.bench's interleaved median, on CLOCK (``--cpu-time``: this thread's CPU time, which a
    loaded machine disturbs less; meaningful with one torch thread only)."""
    if CLOCK["clock"] is time.perf_counter:
        return bench.time_round_robin(calls, repeats)[0]
    for c in calls.values():
        c()
    samples: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for k, c in calls.items():
            t = time.thread_time()
            c()
            samples[k].append(time.thread_time() - t)
    return {k: statistics.median(v) * 1e3 for k, v in samples.items()}


# torch's backward op for (g, x, params) of the activations that have one with these inputs
TORCH_BACKWARD: dict[str, Callable[..., torch.Tensor]] = {
    "GELU": lambda g, x, p: A.gelu_backward(g, x, approximate=p["approximate"]),
    "SiLU": lambda g, x, p: A.silu_backward(g, x),
    "Mish": lambda g, x, p: A.mish_backward(g, x),
    "Hardswish": lambda g, x, p: A.hardswish_backward(g, x),
    "Hardsigmoid": lambda g, x, p: A.hardsigmoid_backward(g, x),
    "Hardtanh": lambda g, x, p: A.hardtanh_backward(g, x, p["min_val"], p["max_val"]),
    "Softplus": lambda g, x, p: A.softplus_backward(g, x, p["beta"], p["threshold"]),
    "LeakyReLU": lambda g, x, p: A.leaky_relu_backward(g, x, p["negative_slope"], False),
    "ReLU": lambda g, x, p: A.threshold_backward(g, x, 0.0),
    "Threshold": lambda g, x, p: A.threshold_backward(g, x, p["threshold"]),
    "ELU": lambda g, x, p: A.elu_backward(g, p["alpha"], 1.0, 1.0, False, x),
    "Softshrink": lambda g, x, p: A.softshrink_backward(g, x, p["lambd"]),
    "Hardshrink": lambda g, x, p: A.hardshrink_backward(g, x, p["lambd"]),
    "Sigmoid": lambda g, x, p: A.sigmoid_backward(g, torch.sigmoid(x)),  # torch takes y (given here)
    "Tanh": lambda g, x, p: A.tanh_backward(g, torch.tanh(x)),
}
NORMALIZERS = ("Softmax", "Softmin", "LogSoftmax", "Softmax2d")


def _input(decl: Any, numel: int) -> torch.Tensor:
    return torch.randn(shape_for(decl, numel), generator=torch.Generator().manual_seed(0)) * 3


def _torch_forward(decl: Any, p: dict[str, Any]) -> Callable[[torch.Tensor], torch.Tensor]:
    if decl.name in NORMALIZERS:
        return getattr(torch.nn, decl.name)(**({"dim": -1} if decl.name != "Softmax2d" else {}))
    if decl.name == "RReLU":
        return lambda x: F.rrelu(x, **p, training=False)
    if decl.name == "PReLU":
        w = torch.full((1,), 0.25)
        return lambda x: F.prelu(x, w)
    return lambda x: getattr(F, decl.function)(x, **p)


def _actlab_op(decl: Any, p: dict[str, Any]) -> Callable[[torch.Tensor], torch.Tensor]:
    fn = getattr(OPS, decl.function)
    if decl.name in NORMALIZERS:
        return lambda x: fn(x, -3 if decl.name == "Softmax2d" else -1)
    if decl.name == "GLU":
        return lambda x: fn(x, -1)
    if decl.name == "PReLU":
        w = torch.tensor(0.25)
        return lambda x: fn(x, w)
    args = tuple(p[k] for k in decl.op_params())
    return lambda x: fn(x, *args)


def _kernel_ratios(decl: Any, numel: int, repeats: int) -> tuple[float, float | None]:
    p = default_params(decl)
    x = _input(decl, numel)
    theirs, ours = _torch_forward(decl, p), _actlab_op(decl, p)
    with torch.no_grad():
        fwd = time_round_robin({"torch": lambda: theirs(x), "actlab": lambda: ours(x)}, repeats)
    if decl.name not in TORCH_BACKWARD:
        return fwd["actlab"] / fwd["torch"], None
    g = torch.randn_like(x)
    args = tuple(p[k] for k in decl.op_params())
    back, torch_back = getattr(OPS, f"{decl.function}_backward"), TORCH_BACKWARD[decl.name]
    bwd = time_round_robin({"torch": lambda: torch_back(g, x, p), "actlab": lambda: back(g, x, *args)}, repeats)
    return fwd["actlab"] / fwd["torch"], bwd["actlab"] / bwd["torch"]


def kernel_rows(numel: int, repeats: int) -> list[tuple[str, float, float | None]]:
    """(name, forward ratio, backward ratio or None) for the 28 torch.nn activations."""
    rows = []
    for decl in actlab.declarations():
        if decl.in_torch:
            actlab.ops.operator(decl)
            rows.append((decl.name, *_kernel_ratios(decl, numel, repeats)))
    return rows


def module_rows(numel: int, repeats: int, dtype: torch.dtype = torch.float32) -> list[tuple[str, float, float]]:
    """(name, forward ratio, forward + backward ratio) of the torch.nn module vs actlab's."""
    rows = []
    for decl in actlab.declarations():
        if not decl.in_torch:
            continue
        kw = bench.module_kwargs(decl)
        mods = {"torch": getattr(torch.nn, decl.name)(**kw), "actlab": decl.module_class(**kw)}
        for m in mods.values():
            m.to(dtype)
            for p in m.parameters():
                p.requires_grad_(False)
        x = _input(decl, numel).to(dtype)
        xg = x.clone().requires_grad_()
        g = torch.randn_like(mods["torch"](x))
        with torch.no_grad():
            fwd = time_round_robin({k: (lambda m=m, x=x: m(x)) for k, m in mods.items()}, repeats)
        both = time_round_robin(
            {k: (lambda m=m, xg=xg, g=g: torch.autograd.grad(m(xg), xg, g)) for k, m in mods.items()}, repeats
        )
        rows.append((decl.name, fwd["actlab"] / fwd["torch"], both["actlab"] / both["torch"]))
    return rows


def _double_backward_step(m: Any, x: torch.Tensor, v: torch.Tensor) -> Callable[[], None]:
    def call() -> None:
        (g,) = torch.autograd.grad(m(x), x, v, create_graph=True)
        torch.autograd.grad(g.sum(), x)

    return call


def double_backward_rows(numel: int, repeats: int) -> list[tuple[str, float]]:
    rows = []
    for decl in actlab.declarations():
        if not decl.in_torch or decl.name in ("PReLU", "RReLU", "Threshold"):
            continue
        kw = {"dim": -1} if decl.name in ("Softmax", "Softmin", "LogSoftmax", "GLU") else default_params(decl)
        if decl.name == "Softmax2d":
            kw = {}
        mods = {"torch": getattr(torch.nn, decl.name)(**kw), "actlab": decl.module_class(**kw)}
        x = _input(decl, numel).requires_grad_()
        v = torch.randn_like(mods["torch"](x))
        try:
            t = time_round_robin({k: _double_backward_step(m, x, v) for k, m in mods.items()}, repeats)
        except RuntimeError:  # torch has no double backward for this one
            continue
        rows.append((decl.name, t["actlab"] / t["torch"]))
    return rows


def _rrelu_step(m: Any, x: torch.Tensor, g: torch.Tensor, counter: bool = False) -> Callable[[], None]:
    def call() -> None:
        with actlab.ops.counter_noise(counter):
            torch.autograd.grad(m(x), x, g)

    return call


def rrelu_rows(numel: int, repeats: int) -> dict[str, float]:
    x = _input(actlab.declaration("RReLU"), numel).requires_grad_()
    g = torch.randn_like(x)
    tm, am = torch.nn.RReLU().train(), actlab.declaration("RReLU").module_class().train()
    calls = {"torch": _rrelu_step(tm, x, g), "actlab": _rrelu_step(am, x, g), "counter": _rrelu_step(am, x, g, True)}
    t = time_round_robin(calls, repeats)
    return {"torch slopes": t["actlab"] / t["torch"], "counter noise": t["counter"] / t["torch"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append", help="numel (default 65536 and 4000000)")
    parser.add_argument("--threads", type=int, action="append", help="torch threads (default 1 and 2)")
    parser.add_argument("--double", action="store_true", help="also double backward")
    parser.add_argument("--rrelu", action="store_true", help="also RReLU training")
    parser.add_argument("--modules", action="store_true", help="the modules (default path) instead of the kernels")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"], help="for --modules")
    parser.add_argument("--cpu-time", action="store_true", help="time this thread's CPU time (1 thread only)")
    args = parser.parse_args(argv)
    if args.cpu_time:
        CLOCK["clock"] = time.thread_time
    if not native.loaded():
        raise SystemExit(f"native kernels not loaded: {native.status()}")
    print(f"allocator: {bench.steady_allocator()} (as actlab bench)")
    sizes, threads = args.size or [65_536, 4_000_000], args.threads or ([1] if args.cpu_time else [1, 2])
    for n in sizes:
        reps = 200 if n <= 100_000 else 25
        for th in threads:
            torch.set_num_threads(th)
            if args.modules:
                dt = getattr(torch, args.dtype)
                print(f"\n### modules (default path), {n:,} {args.dtype}, {th} thread(s): actlab / torch\n")
                print("| activation | forward | forward + backward |\n|---|---|---|")
                for name, f, b in module_rows(n, reps, dt):
                    print(f"| {name} | {f:.2f} | {b:.2f} |")
            else:
                print(f"\n### kernels alone, {n:,} float32, {th} thread(s): actlab / torch\n")
                print("| activation | forward | backward |\n|---|---|---|")
                for name, f, b in kernel_rows(n, reps):
                    print(f"| {name} | {f:.2f} | {'—' if b is None else f'{b:.2f}'} |")
            if args.double:
                print(f"\n### double backward (autograd), {n:,} float32, {th} thread(s)\n")
                print("| activation | actlab / torch |\n|---|---|")
                for name, r in double_backward_rows(n, max(5, reps // 3)):
                    print(f"| {name} | {r:.2f} |")
            if args.rrelu:
                r = rrelu_rows(n, reps)
                ratios = ", ".join(f"{k} {v:.2f}" for k, v in r.items())
                print(f"\nRReLU training fwd+bwd, {n:,}, {th} thread(s): actlab / torch: {ratios}")


if __name__ == "__main__":
    main()
