"""Every native op on fixed inputs, saved for comparing the ISA variants (tests/native/test_isas.py)
and the wheel with the editable install (tests/native/test_wheel.py).

    python tests/native/variants.py OUT.pt      # {"isa", "status", "results": {name: tensor}}

The inputs: the special values (+-0, +-inf, NaN, subnormals, FLT_MAX, the kinks' neighbourhood),
a log-spaced sweep of both signs and normal draws, in float32, float64 and bfloat16 (65536
elements or more: the table path), through f, backward and double backward of every elementwise
declaration (parameters at their defaults and one draw), the split gates, the softmax family, the
sparse maps, alpha-entmax by bisection (one alpha, one per row), the sorting maps, the selections
(Maxout, LWTA, k-WTA) and SoLU along the last and a middle dim, PReLU, RReLU's counter stream and
the learnable kernels (f, backward with the parameter gradients; one value per tensor and one per
channel).
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import torch

import actlab
from actlab import native
from actlab.analysis import accuracy as A
from actlab.kinds import Elementwise

OPS = torch.ops.actlab
PARAMETRIC_LIST_H = Path(native.__file__).parent / "csrc" / "parametric_list.h"
DTYPES = (torch.float32, torch.float64, torch.bfloat16)


def inputs(dtype: torch.dtype) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    special = torch.tensor(
        [0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-45, -1e-45, 1e-40, -3.4e38, 3.4e38, 1.0, -1.0],
        dtype=torch.float64,
    )
    mags = torch.logspace(-30, 4, 400, dtype=torch.float64)
    grid = torch.linspace(-12, 12, 2401, dtype=torch.float64)
    normal = torch.randn(70000 if dtype == torch.bfloat16 else 4000, generator=g, dtype=torch.float64) * 4
    return torch.cat([special, mags, -mags, grid, normal]).to(dtype)


def elementwise(results: dict[str, torch.Tensor]) -> None:
    for decl in actlab.declarations():
        if not issubclass(decl, Elementwise):
            continue
        params = [A._default_params(decl)]
        if decl.name == "GELU":
            params.append({**params[0], "approximate": "tanh"})
        drawn = {k: v for k, v in params[0].items()}
        rng = random.Random(decl.name)
        for name, spec in decl.params.items():
            if spec.sample is not None and not isinstance(spec.sample[0], str):
                drawn[name] = round(rng.uniform(*spec.sample) * 64) / 64
        params.append(drawn)
        fn = decl.function
        for i, p in enumerate(params):
            args = tuple(p[k] for k in decl.op_params())
            for dtype in DTYPES:
                x = inputs(dtype)
                g = torch.linspace(-2, 2, x.numel(), dtype=dtype)
                key = f"{decl.name}/{i}/{dtype}"
                results[f"{key}/f"] = getattr(OPS, fn)(x, *args)
                results[f"{key}/backward"] = getattr(OPS, f"{fn}_backward")(g, x, *args)
                dg, dx = getattr(OPS, f"{fn}_double_backward")(g.flip(0), g, x, *args)
                results[f"{key}/double_backward"] = torch.stack([dg, dx])


def vector(results: dict[str, torch.Tensor]) -> None:
    gen = torch.Generator().manual_seed(1)
    for dtype in DTYPES:
        x = (torch.randn(6, 130, 40, generator=gen, dtype=torch.float64) * 5).to(dtype)
        x[0, 0, 0], x[1, 1, :] = float("inf"), -float("inf")
        g = torch.randn(x.shape, generator=gen, dtype=torch.float64).to(dtype)
        for dim in (-1, 1):
            for name in ("softmax", "softmin", "log_softmax"):
                y = getattr(OPS, name)(x, dim)
                key = f"{name}/{dim}/{dtype}"
                results[f"{key}/f"] = y
                results[f"{key}/backward"] = getattr(OPS, f"{name}_backward")(g, y, dim)
                results[f"{key}/double_backward"] = torch.stack(
                    getattr(OPS, f"{name}_double_backward")(g * 0.5, g, y, dim)
                )
            for name in ("sparsemax", "entmax15"):
                y = getattr(OPS, name)(x, dim, None)
                key = f"{name}/{dim}/{dtype}"
                results[f"{key}/f"] = y
                results[f"{key}/backward"] = getattr(OPS, f"{name}_backward")(g, y, dim, None)
                results[f"{key}/double_backward"] = torch.stack(
                    getattr(OPS, f"{name}_double_backward")(g * 0.5, g, y, dim, None)
                )
            rows = list(x.shape)
            rows[dim] = 1
            for key0, alpha in (
                ("one", torch.tensor(1.5, dtype=dtype)),
                ("rows", torch.tensor([0.5, 1.25, 1.5, 2.0, 2.5])[torch.randint(0, 5, rows, generator=gen)]),
            ):
                alpha = alpha.to(dtype)
                key = f"entmax_bisect/{key0}/{dim}/{dtype}"
                y = results[f"{key}/f"] = OPS.entmax_bisect(x, alpha, dim, 50, True)
                results[f"{key}/backward"] = torch.cat(
                    [t.flatten() for t in OPS.entmax_bisect_backward(g, alpha, y, dim, 50, True)]
                )
            results[f"solu/{dim}/{dtype}/f"] = OPS.solu(x, dim)
            results[f"solu/{dim}/{dtype}/backward"] = OPS.solu_backward(g, x, dim)
            for radix, card in ((2, 1), (5, 2), (1, 1)):  # the softmax kernels along radix; sigmoid's
                key = f"radix_softmax/{dim}/{radix}/{card}/{dtype}"
                results[f"{key}/f"] = OPS.radix_softmax(x, dim, radix, card)
                results[f"{key}/backward"] = OPS.radix_softmax_backward(g, x, dim, radix, card)
            selections = (("maxout", (5,)), ("lwta", (2,)), ("kwta", (0.3,)), ("crelu", ()))
            for name, extra in (("max_min", ()), ("group_sort", (5,)), *selections):
                key = f"{name}/{dim}/{dtype}"
                y = results[f"{key}/f"] = getattr(OPS, name)(x, dim, *extra)
                gy = torch.cat([g, g], dim).narrow(dim, 0, y.size(dim))  # Maxout's output is smaller, CReLU's larger
                results[f"{key}/backward"] = getattr(OPS, f"{name}_backward")(gy, x, dim, *extra)
            gates = {"glu": (), "swiglu": (), "reglu": (), "geglu": ("none",), "geglu_tanh": ("tanh",)}
            for key0, extra in gates.items():
                name = key0.split("_")[0]
                key = f"{key0}/{dim}/{dtype}"
                results[f"{key}/f"] = getattr(OPS, name)(x, dim, *extra)
                gg = torch.ones_like(getattr(OPS, name)(x, dim, *extra))
                results[f"{key}/backward"] = getattr(OPS, f"{name}_backward")(gg * 0.25, x, dim, *extra)
                results[f"{key}/double_backward"] = torch.cat(
                    [t.flatten() for t in getattr(OPS, f"{name}_double_backward")(g, gg, x, dim, *extra)]
                )
        w = torch.linspace(-0.5, 0.5, x.shape[1], dtype=dtype).view(-1, 1)  # (C, 1): broadcasts over (N, C, L)
        results[f"prelu/{dtype}/f"] = OPS.prelu(x, w)
        results[f"prelu/{dtype}/backward"] = torch.cat([t.flatten() for t in OPS.prelu_backward(g, x, w)])
        results[f"prelu/{dtype}/double_backward"] = torch.cat(
            [t.flatten() for t in OPS.prelu_double_backward(g, w * 2, g * 0.5, x, w)]
        )
        results[f"rrelu_counter/{dtype}/f"] = OPS.rrelu_counter(x, 0.125, 1 / 3, 12345)
        results[f"rrelu_counter/{dtype}/backward"] = OPS.rrelu_counter_backward(g, x, 0.125, 1 / 3, 12345)


def _row(case, name: str, scale: torch.Tensor) -> torch.Tensor:
    """scale for a tensor: (C, 1) against a coefficient tensor's rows, as it is for the others."""
    return scale.unsqueeze(-1) if name in case.decl.coefficients else scale


def learnable(results: dict[str, torch.Tensor]) -> None:
    """f, backward (gx and the parameter gradients) and double backward of every learnable kernel,
    one value per tensor and one per channel: the sums of the gradients too must be the same bits
    (64-byte lanes)."""
    from actlab.analysis.accuracy import cases

    listed = re.findall(r"^\s+X\((\w+),\s*(\w+),", PARAMETRIC_LIST_H.read_text(), flags=re.M)
    for _, struct in listed:
        case = cases([struct])[0]
        fn = case.decl.function
        for dtype in DTYPES:
            x = inputs(dtype)
            n = x.numel() // 8 * 8
            g = torch.linspace(-2, 2, n, dtype=dtype)
            for layout, shape, wshape in (("one", (n,), ()), ("channels", (n // 8, 8), (8,))):
                xs, gs = x[:n].reshape(shape), g.reshape(shape)
                scale = torch.linspace(0.75, 1.25, 8, dtype=torch.float64)[: 1 if wshape == () else 8].reshape(wshape)
                ws = [
                    (torch.tensor(case.params[t], dtype=torch.float64) * _row(case, t, scale)).to(dtype)
                    for t in case.decl.tensor_params
                ]
                key = f"{struct}/{layout}/{dtype}"
                results[f"{key}/f"] = getattr(OPS, fn)(xs, *ws)
                results[f"{key}/backward"] = torch.cat(
                    [t.flatten() for t in getattr(OPS, f"{fn}_backward")(gs, xs, *ws)]
                )
                ggs = [gs.flip(-1), *(-0.5 * w for w in ws)]
                results[f"{key}/double_backward"] = torch.cat(
                    [t.flatten() for t in getattr(OPS, f"{fn}_double_backward")(*ggs, gs, xs, *ws)]
                )


def run() -> dict[str, object]:
    for decl in actlab.declarations():
        actlab.ops.operator(decl)  # the ops are defined on first use
    results: dict[str, torch.Tensor] = {}
    torch.set_num_threads(1)
    elementwise(results)
    vector(results)
    learnable(results)
    return {"isa": native.isa(), "status": native.status(), "results": results}


if __name__ == "__main__":
    torch.save(run(), sys.argv[1])
