"""The Triton kernels on a CUDA GPU, in one run (under 8 minutes on one H100): what the CPU-only
machine could not check (docs/gpu.md).

    PYTHONPATH=src ACTLAB_NATIVE=0 python benchmarks/gpu_check.py [--out FILE.json] [--quick]
    TRITON_INTERPRET=1 ACTLAB_NATIVE=0 python benchmarks/gpu_check.py --dry-run   # every step on the CPU, tiny

1. **bits** — every kernel's float32 output on the GPU against Triton's interpreter on the CPU
   (a subprocess with TRITON_INTERPRET=1, started first so that it runs meanwhile): the
   elementwise f, f', f'' of every served activation over the reduced accuracy sweep, the GLU
   family, PReLU and RReLU's counter noise bit for bit; the softmax family within 8 ulps (its
   sums run in another order).
2. **accuracy** — float32 ulp errors on CUDA against the 128-bit references (forward, and f'
   beyond +-0.05 of its zeros) of actlab's Triton kernels, actlab's composite path (the
   declaration's math as torch ops, what ran on CUDA before) and torch's CUDA kernels.
3. **speed** — forward, forward + backward and double backward at 2^16 and 2^24 elements,
   float32 and bfloat16: actlab / torch with GB/s (triton.testing.do_bench, median).
4. **memory** — peak CUDA memory of a training step of a small MLP and of GPT-2 small
   (transformers, random weights), torch's activations vs ``actlab.convert``'s.

Prints markdown tables and, with --out, writes every number as JSON. ``--dry-run`` runs every
step on the CPU under the interpreter at toy sizes (a few cases, wall-clock timings, no CUDA
memory statistics): tests/gpu/test_gpu_check_script.py keeps the script working without a GPU.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

import actlab
import actlab.functional as AF
from actlab.analysis import accuracy as A
from actlab.analysis import reference as R
from actlab.spec import Elementwise

SIZES = (1 << 16, 1 << 24)
DTYPES = (torch.float32, torch.bfloat16)
ROWS = ("softmax", "softmin", "log_softmax")
GATES = (("glu", ()), ("swiglu", ()), ("reglu", ()), ("geglu", ("none",)), ("geglu", ("tanh",)))


@dataclass(frozen=True)
class Setup:
    """Where and how much: the GPU run, or the dry run on the CPU under the interpreter."""

    device: str = "cuda"
    sizes: tuple[int, ...] = SIZES
    cases: int | None = None  # the first this many elementwise cases (None: all)
    gpt2: bool = True


DRY = Setup(device="cpu", sizes=(1 << 10,), cases=2, gpt2=False)


# ---- what is compared: the same inputs on either device ---------------------------------------------
def cases(limit: int | None = None) -> list[A.Case]:
    """Every elementwise activation with Triton kernels at its defaults (GELU in both forms)."""
    from actlab.gpu.activations import ACTIVATIONS

    out = [c for c in A.cases() if issubclass(c.decl, Elementwise) and c.decl.function in ACTIVATIONS]
    return out[:limit]


def args_of(case: A.Case) -> tuple:
    return tuple(case.params[k] for k in case.decl.op_params())


def kernel_outputs(device: str, limit: int | None = None) -> dict[str, Tensor]:
    """Every kernel's float32 output on fixed inputs, on ``device``, returned on the CPU."""
    ops, out = torch.ops.actlab, {}
    for case in cases(limit):
        fn, args = case.decl.function, args_of(case)
        x = torch.from_numpy(A.sweep_inputs(case, A.REDUCED)).to(device)
        one = torch.ones_like(x)
        out[f"{case.label}/f"] = getattr(ops, fn)(x, *args)
        out[f"{case.label}/df"] = getattr(ops, f"{fn}_backward")(one, x, *args)
        out[f"{case.label}/d2f"] = getattr(ops, f"{fn}_double_backward")(one, one, x, *args)[1]
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(64, 96, generator=gen) * 6).to(device)
    g, gg = torch.randn(64, 96, generator=gen).to(device), torch.randn(64, 96, generator=gen).to(device)
    for fn in ROWS:
        for dim in (-1, 0):
            y = getattr(ops, fn)(x, dim)
            out[f"rows:{fn}/{dim}/f"] = y
            out[f"rows:{fn}/{dim}/backward"] = getattr(ops, f"{fn}_backward")(g, y, dim)
            for i, t in enumerate(getattr(ops, f"{fn}_double_backward")(gg, g, y, dim)):
                out[f"rows:{fn}/{dim}/double{i}"] = t
    for fn, params in GATES:
        half = g[:, :48].contiguous()
        out[f"{fn}{params}/f"] = getattr(ops, fn)(x, -1, *params)
        out[f"{fn}{params}/backward"] = getattr(ops, f"{fn}_backward")(half, x, -1, *params)
        for i, t in enumerate(getattr(ops, f"{fn}_double_backward")(gg, half, x, -1, *params)):
            out[f"{fn}{params}/double{i}"] = t
    w = torch.linspace(0.05, 0.5, 96).to(device)
    out["prelu/f"] = ops.prelu(x, w)
    for i, t in enumerate(ops.prelu_backward(g, x, w)):
        out[f"prelu/backward{i}"] = t
    out["rrelu_counter/noise"] = ops.rrelu_noise_counter(x, 0.125, 1 / 3, 12345)
    return {k: v.cpu() for k, v in out.items()}


def interpreter_main(path: str, limit: int | None) -> None:
    """The subprocess: the kernels under TRITON_INTERPRET=1 on CPU tensors (registered for CPU)."""
    import actlab.gpu

    actlab.gpu.register("CPU")
    torch.save(kernel_outputs("cpu", limit), path)


def start_interpreter(path: str, limit: int | None) -> subprocess.Popen:
    env = {**os.environ, "TRITON_INTERPRET": "1", "ACTLAB_NATIVE": "0", "PYTHONWARNINGS": "ignore"}
    extra = [] if limit is None else ["--cases", str(limit)]
    return subprocess.Popen([sys.executable, __file__, "--interpreter-outputs", path, *extra], env=env)


def differing_bits(a: Tensor, b: Tensor) -> int:
    """Entries whose bits differ (NaNs of any payload count as equal)."""
    both_nan = a.isnan() & b.isnan()
    return int(((a.view(torch.int32) != b.view(torch.int32)) & ~both_nan).sum())


def compare_bits(gpu: dict[str, Tensor], cpu: dict[str, Tensor]) -> dict[str, Any]:
    """Per key: the number of entries whose bits differ; rows: the largest ulp difference."""
    report: dict[str, Any] = {"differing": {}, "rows_max_ulp": {}}
    for key, a in gpu.items():
        b = cpu[key]
        if key.startswith("rows:"):
            err = A.ulp_error(a.double().numpy(), b.double().numpy())
            report["rows_max_ulp"][key] = float(np.nanmax(np.where(np.isfinite(err), err, 0.0)))
        elif differing_bits(a, b):
            report["differing"][key] = differing_bits(a, b)
    report["compared"] = len(gpu)
    return report


# ---- accuracy on CUDA -----------------------------------------------------------------------------
def composite(name: str) -> Callable[..., Any]:
    from actlab.gpu.registration import COMPOSITE

    overload = getattr(torch.ops.actlab, name).default
    return lambda *a: overload.redispatch(COMPOSITE, *a)


def accuracy(setup: Setup) -> list[dict[str, Any]]:
    """Max ulps (forward; f' away from its zeros) of the Triton kernels, the composite path and torch."""
    sweep, rows = A.Sweep(A.REDUCED), []
    for case in cases(setup.cases):
        fn, args = case.decl.function, args_of(case)
        xs = A.sweep_inputs(case, A.REDUCED)
        x = torch.from_numpy(xs).to(setup.device)
        one = torch.ones_like(x)
        keep = np.ones(len(xs), bool)
        for z in case.ref.df_zeros(**A._zero_params(case)):
            keep &= np.abs(xs.astype(np.float64) - z) > A.DF_ZERO_WINDOW
        libs = {
            "triton": (getattr(torch.ops.actlab, fn), getattr(torch.ops.actlab, f"{fn}_backward")),
            "composite": (composite(fn), composite(f"{fn}_backward")),
        }
        results = {lib: (f(x, *args), df(one, x, *args)) for lib, (f, df) in libs.items()}
        tfn = case.torch_fn()
        if tfn is not None:
            xt = x.clone().requires_grad_()
            y = tfn(xt)
            (d,) = torch.autograd.grad(y, xt, torch.ones_like(y))
            results["torch"] = (y.detach(), d)
        row = {"op": case.label}
        for kind, i, mask in (("forward", 0, slice(None)), ("derivative", 1, keep)):
            ref = sweep.reference(case, kind, xs)
            for lib, outs in results.items():
                err = A.ulp_error(outs[i].cpu().numpy(), ref)[mask]
                row[f"{lib} {kind}"] = float(err.max())
        rows.append(row)
    return rows + row_accuracy(setup.device)


def row_accuracy(device: str) -> list[dict[str, Any]]:
    sample = A.Sweep(A.REDUCED).rows()
    out = []
    for name, fn in (("Softmax", "softmax"), ("Softmin", "softmin"), ("LogSoftmax", "log_softmax")):
        fwd, _ = R.normalizer_rows(name, sample.tolist())
        x = torch.from_numpy(sample).to(device)
        libs = {"triton": getattr(torch.ops.actlab, fn), "composite": composite(fn)}
        row = {"op": name}
        for lib, f in libs.items():
            row[f"{lib} forward"] = float(A.ulp_error(f(x, -1).cpu().numpy(), np.asarray(fwd)).max())
        row["torch forward"] = float(
            A.ulp_error(getattr(torch.nn.functional, fn)(x, -1).cpu().numpy(), np.asarray(fwd)).max()
        )
        out.append(row)
    return out


# ---- speed ----------------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any], device: str) -> float:
    """Milliseconds per call: on CUDA the median of event timings with L2 flushed between calls
    (triton.testing.do_bench), elsewhere one wall-clock call (the dry run's)."""
    if device == "cuda":
        import triton.testing

        return float(triton.testing.do_bench(fn, warmup=10, rep=40, return_mode="median"))
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def passes(f: Callable[[Tensor], Tensor], x: Tensor, g: Tensor) -> dict[str, Callable[[], Any]]:
    """Forward, forward + backward, and the double backward's d/dx (gradient penalty: g constant)."""
    xr = x.detach().requires_grad_()

    def double() -> Any:
        (d,) = torch.autograd.grad(f(xr), xr, g, create_graph=True)
        return torch.autograd.grad(d, xr, g)

    return {
        "fwd": lambda: f(x),
        "fwd+bwd": lambda: torch.autograd.grad(f(xr), xr, g),
        "double": double,
    }


BYTES = {"fwd": 2, "fwd+bwd": 5, "double": 9}  # tensors read or written by the minimal kernels


def bind(f: Callable[..., Tensor], *args: Any) -> Callable[[Tensor], Tensor]:
    return lambda t: f(t, *args)


def with_slope(f: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """f(t, w) with one slope w = 0.25 in t's dtype and device (made once per dtype)."""
    slopes: dict[torch.dtype, Tensor] = {}
    return lambda t: f(t, slopes.setdefault(t.dtype, torch.full((1,), 0.25, device=t.device, dtype=t.dtype)))


def speed_ops(limit: int | None) -> list[tuple[str, Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]]:
    """(label, actlab's function, torch's) of the torch.nn activations with Triton kernels."""
    F = torch.nn.functional
    out = []
    for case in cases(limit):
        tfn = case.torch_fn()
        if tfn is not None:
            out.append((case.label, bind(getattr(AF, case.decl.function), *args_of(case)), tfn))
    for name, fn in (("Softmax", "softmax"), ("Softmin", "softmin"), ("LogSoftmax", "log_softmax")):
        out.append((name, bind(getattr(AF, fn), -1), bind(getattr(F, fn), -1)))
    out.append(("GLU", bind(AF.glu, -1), bind(F.glu, -1)))
    out.append(("PReLU", with_slope(AF.prelu), with_slope(F.prelu)))
    return out


def speed(setup: Setup) -> list[dict[str, Any]]:
    rows = []
    for label, ours, theirs in speed_ops(setup.cases):
        for dtype in DTYPES:
            for n in setup.sizes:
                shape = (n // 1024, 1024)
                x = (torch.randn(shape, device=setup.device) * 3).to(dtype)
                g = torch.randn(shape, device=setup.device).to(dtype)
                g_out = g[:, :512].contiguous() if label == "GLU" else g
                row = {"op": label, "dtype": str(dtype).split(".")[1], "n": n}
                for pass_name in BYTES:
                    try:
                        t_ours = timed(passes(ours, x, g_out)[pass_name], setup.device)
                        t_torch = timed(passes(theirs, x, g_out)[pass_name], setup.device)
                    except RuntimeError as e:  # torch has no double backward (hardsigmoid)
                        row[pass_name] = {"error": str(e).splitlines()[0][:80]}
                        continue
                    gbs = BYTES[pass_name] * n * x.element_size() / (t_ours * 1e-3) / 1e9
                    row[pass_name] = {"actlab_ms": t_ours, "torch_ms": t_torch, "ratio": t_ours / t_torch}
                    row[pass_name]["actlab_GBs"] = gbs
                rows.append(row)
    return rows


# ---- memory ---------------------------------------------------------------------------------------------
def peak_step(model: torch.nn.Module, batch: Callable[[], Any], loss: Callable[[Any], Tensor]) -> dict[str, float]:
    """Peak CUDA memory (MiB, above what was allocated before; 0 off CUDA) and time of one step."""
    cuda = next(model.parameters()).is_cuda
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    inputs = batch()
    for _ in range(2):  # warm-up: lazily allocated buffers, kernel compilation
        opt.zero_grad(set_to_none=True)
        loss(model(inputs)).backward()
        opt.step()
    if not cuda:
        start = time.perf_counter()
        loss(model(inputs)).backward()
        return {"peak_MiB": 0.0, "step_ms": (time.perf_counter() - start) * 1e3}
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss(model(inputs)).backward()
    opt.step()
    torch.cuda.synchronize()
    peak = (torch.cuda.max_memory_allocated() - base) / 2**20
    return {"peak_MiB": peak, "step_ms": (time.perf_counter() - start) * 1e3}


def memory(setup: Setup) -> list[dict[str, Any]]:
    rows = []
    width, size = (2048, 4096) if setup.device == "cuda" else (64, 32)
    layers = [m for _ in range(4) for m in (torch.nn.Linear(width, width), torch.nn.GELU())]
    mlp = torch.nn.Sequential(*layers).to(setup.device)
    mlp_batch = lambda: torch.randn(size, width, device=setup.device)  # noqa: E731
    models = {f"MLP 4 x {width}, GELU, batch {size}": (mlp, mlp_batch, lambda y: y.square().mean())}
    try:
        if not setup.gpt2:
            raise ImportError("not in a dry run")
        import transformers as T

        cfg = T.GPT2Config(n_positions=512)
        gpt2 = T.GPT2LMHeadModel(cfg).cuda()
        tokens = lambda: torch.randint(0, cfg.vocab_size, (8, 512), device="cuda")  # noqa: E731
        models["GPT-2 small, batch 8 x 512"] = (gpt2, tokens, lambda out: out.logits.float().logsumexp(-1).mean())
    except ImportError as e:
        print(f"gpu_check: GPT-2 skipped ({e})")
    for label, (model, batch, loss) in models.items():
        row = {"model": label, "torch": peak_step(model, batch, loss)}
        converted = actlab.convert(model)
        row["actlab"] = peak_step(converted, batch, loss)
        row["replaced"] = sum(type(m).__module__.startswith("actlab") for m in converted.modules())
        rows.append(row)
    return rows


# ---- report ---------------------------------------------------------------------------------------------
def table(rows: list[dict[str, Any]], keys: list[str]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "inf" if math.isinf(v) else f"{v:.3g}"
        return str(v)

    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    return "\n".join(lines + ["| " + " | ".join(cell(r.get(k, "")) for k in keys) + " |" for r in rows])


def speed_row(r: dict[str, Any]) -> dict[str, Any]:
    row = {"op": r["op"], "dtype": r["dtype"], "n": r["n"]}
    row.update({f"{p} ratio": r[p].get("ratio", "-") for p in BYTES})
    row.update({f"{p} GB/s": r[p].get("actlab_GBs", "-") for p in BYTES})
    return row


def memory_row(r: dict[str, Any]) -> dict[str, Any]:
    row = {"model": r["model"], "replaced": r["replaced"]}
    for lib in ("torch", "actlab"):
        row.update({f"{lib} MiB": r[lib]["peak_MiB"], f"{lib} ms": r[lib]["step_ms"]})
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="write every number to this JSON file")
    parser.add_argument("--quick", action="store_true", help="2^16 elements only")
    parser.add_argument("--dry-run", action="store_true", help="on the CPU under TRITON_INTERPRET=1, toy sizes")
    parser.add_argument("--cases", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--interpreter-outputs", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.interpreter_outputs:
        interpreter_main(args.interpreter_outputs, args.cases)
        return 0
    setup = DRY if args.dry_run else Setup(sizes=SIZES[:1] if args.quick else SIZES)
    if args.dry_run and os.environ.get("TRITON_INTERPRET") != "1":
        print("gpu_check: --dry-run needs TRITON_INTERPRET=1 (the kernels run on CPU tensors)")
        return 2
    if not args.dry_run and not torch.cuda.is_available():
        print("gpu_check: no CUDA device; the kernels are checked here by tests/gpu (interpreter, PTX)")
        return 0
    import actlab.gpu

    started = time.perf_counter()
    registered = actlab.gpu.register("CPU" if args.dry_run else "CUDA")
    device = "CPU (dry run, interpreter)" if args.dry_run else torch.cuda.get_device_name()
    print(f"# gpu_check on {device}, torch {torch.__version__}, {len(registered)} ops with Triton kernels\n")
    result: dict[str, Any] = {"device": device, "torch": torch.__version__, "ops": len(registered)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "interpreter.pt")
        interpreter = start_interpreter(path, setup.cases)
        gpu_outputs = kernel_outputs(setup.device, setup.cases)
        result["accuracy"] = accuracy(setup)
        print("## accuracy (float32, max ulps vs 128-bit references; f' beyond +-0.05 of its zeros)\n")
        keys = ["op"] + [
            f"{lib} {kind}" for kind in ("forward", "derivative") for lib in ("triton", "composite", "torch")
        ]
        print(table(result["accuracy"], keys) + "\n")
        result["speed"] = speed(setup)
        print("## speed (actlab / torch, median; GB/s of actlab's minimal traffic)\n")
        flat = [speed_row(r) for r in result["speed"]]
        print(table(flat, list(flat[0])) + "\n")
        result["memory"] = memory(setup)
        print("## peak memory of a training step (MiB above the model and inputs)\n")
        mem = [memory_row(r) for r in result["memory"]]
        print(table(mem, list(mem[0])) + "\n")
        interpreter.wait(timeout=600)
        result["bits"] = compare_bits(gpu_outputs, torch.load(path))
    bits = result["bits"]
    print(f"## GPU vs interpreter: {bits['compared']} float32 outputs, {len(bits['differing'])} differ in some bit")
    for key, count in list(bits["differing"].items())[:20]:
        print(f"  {key}: {count} entries")
    print(f"softmax family, GPU vs interpreter: max {max(bits['rows_max_ulp'].values()):.2f} ulps\n")
    result["seconds"] = time.perf_counter() - started
    print(f"gpu_check: {result['seconds']:.0f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
