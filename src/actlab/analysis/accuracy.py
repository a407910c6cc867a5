r"""Accuracy sweep: actlab and torch in float32 against 128-bit mpmath ground truth, in ulps.

For every activation the sweep evaluates f and f' (actlab: its autograd Function's backward with
grad_output = 1; torch: autograd of the ``torch.nn.functional`` op) on float32 inputs:

* log-spaced magnitudes over [1e-30, 1e4], both signs;
* a dense linear grid on [-30, 30];
* special points: +-0, +-inf, NaN, subnormals, +-FLT_MAX, the float32 exp thresholds;
* a few ulps either side of every kink of the op (``decl.kinks(**p)``) and every zero of f'.

The error of a result y against the reference r (see :mod:`actlab.analysis.reference`) is

.. math:: \mathrm{err} = |y - r| / \mathrm{ulp}_{32}(\mathrm{fl}_{32}(r)),

where the ulp of a subnormal (and of 0) is :math:`2^{-149}`; exact matches (including
inf == inf and NaN == NaN) count 0, and NaN or inf where r is finite counts as inf.
Derivative points within +-0.05 of a zero of f' are left out of the derivative statistics: a
value that crosses zero has no relative accuracy there (the absolute error stays tiny).

Normalisers (Softmax, Softmin, LogSoftmax) are measured per entry on rows of spread 1 to 100;
their "derivative" is the vector-Jacobian product with g = e_0 (the gradient of entry 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .. import functional as AF
from .. import ops
from ..kinds import Activation, Elementwise, Parametric
from ..registry import declaration, declarations
from . import reference as R

F32 = np.float32
TINY = 2.0**-149  # the smallest float32 subnormal: ulp of every subnormal
FLT_MAX = float(np.finfo(F32).max)
DF_ZERO_WINDOW = 0.05
EXP_THRESHOLDS = (9.0109, 16.6355, 20.0, 87.3365, 88.7228, 89.4159, 103.2789, 103.9721)
NORMALIZERS = ("Softmax", "Softmin", "LogSoftmax")
SPREADS = (1.0, 10.0, 30.0, 100.0)


@dataclass(frozen=True)
class SweepSize:
    """How many inputs a sweep uses: log-spaced per sign, linear grid, rows per spread."""

    n_log: int
    n_linear: int
    n_rows: int
    row_length: int = 16


REDUCED = SweepSize(n_log=160, n_linear=1201, n_rows=12)
FULL = SweepSize(n_log=3000, n_linear=60001, n_rows=200)


@dataclass
class Case:
    """One op at one parameter setting, with its label in tables ("GELU(tanh)"): ``params`` are
    the operator's arguments, which the reference takes too."""

    label: str
    decl: type[Activation]
    params: dict[str, Any]

    @property
    def ref(self) -> R.Reference:
        return R.reference(self.decl.name)

    def kinks(self) -> tuple[float, ...]:
        return tuple(self.decl.kinks(**self.params))

    def actlab_fn(self, reference: bool = False) -> Callable[[Tensor], Tensor]:
        """actlab's operator (native kernels where built), or with ``reference`` the declaration's
        Python math (the operator's Function tower)."""
        operator = ops.operator(self.decl)
        args = tuple(self.params[k] for k in self.decl.op_params())
        if reference:
            return lambda x: operator.function.apply(x, *args)
        return lambda x: operator(x, *args)

    def torch_fn(self) -> Callable[[Tensor], Tensor] | None:
        if not self.decl.in_torch:
            return None
        fn = getattr(torch.nn.functional, self.decl.function)
        if self.decl.name == "RReLU":
            return lambda x: fn(x, training=False, **self.params)
        return lambda x: fn(x, **self.params)


@dataclass
class LearnableCase(Case):
    """A learnable pointwise op (a :class:`~actlab.kinds.Parametric`) with its tensors held at fixed
    values: ``params`` maps each tensor to its value (a number, or a tuple for a ``coefficients``
    tensor), rounded to float32 as the module's float32 parameters hold them, and is what the
    reference takes; ``init`` are the constructor parameters whose initial values these are (the
    declaration states its kinks in them). f' is the derivative in x alone; torch's counterpart
    (PReLU's prelu only) takes the same tensors."""

    init: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def at(cls, decl: type[Parametric], setting: dict[str, Any]) -> LearnableCase:
        """The case of the module ``decl(**setting)`` at its initial values, labelled by the
        constructor parameters that differ from the defaults ("PELU(a_init=2)")."""
        defaults = decl.defaults()
        init = {**defaults, **setting}
        changed = ", ".join(f"{k}={_fmt(v)}" for k, v in init.items() if v != defaults[k])
        label = f"{decl.name}({changed})" if changed else decl.name
        values = {t: _to_float32(v) for t, v in decl.initial_values(**init).items()}
        return cls(label, decl, values, init)

    def kinks(self) -> tuple[float, ...]:
        return tuple(self.decl.kinks(**self.init))

    def actlab_fn(self, reference: bool = False) -> Callable[[Tensor], Tensor]:
        """The operator (or with ``reference`` its Function tower) with the tensors in x's dtype,
        shaped as the functional layer shapes shared ones: () per value, (K,) per coefficient row."""
        operator = ops.operator(self.decl)
        call = operator.function.apply if reference else operator

        def fn(x: Tensor) -> Tensor:
            weights = [torch.tensor(self.params[t], dtype=x.dtype) for t in self.decl.tensor_params]
            return call(x, *weights)

        return fn

    def torch_fn(self) -> Callable[[Tensor], Tensor] | None:
        """The torch.nn.functional op with the same tensors (PReLU's prelu), else None."""
        if not self.decl.in_torch:
            return None
        fn = getattr(torch.nn.functional, self.decl.function)
        return lambda x: fn(x, *(torch.tensor([self.params[t]], dtype=x.dtype) for t in self.decl.tensor_params))


def _to_float32(v: float | tuple[float, ...]) -> float | tuple[float, ...]:
    return tuple(float(F32(c)) for c in v) if isinstance(v, tuple) else float(F32(v))


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass
class Stat:
    """Max and mean ulp error of one library on one (op, kind), and where the max is: the input
    (NaN when the worst input is NaN), None when there is no error at all. ``finite_max_ulp`` and
    ``finite_where`` are the same over finite inputs only (an inf from +-inf inputs hides the tail)."""

    max_ulp: float
    mean_ulp: float
    where: float | None
    finite_max_ulp: float = 0.0
    finite_where: float | None = None


@dataclass
class Record:
    op: str
    kind: str  # "forward" | "derivative"
    actlab: Stat
    torch: Stat | None  # None: no torch counterpart
    n_points: int
    errors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    xs: np.ndarray | None = field(default=None, repr=False)

    axis: str = "x"  # what ``xs`` are: the input x, or the "row spread" of normaliser rows

    def as_json(self) -> dict[str, Any]:
        """The record as JSON: ``where`` is null when there is no error, "nan" when the worst input
        is NaN; ``profile`` holds the worst error per bin of signed log10 |x| (see :func:`profile`)."""
        t = self.torch
        out: dict[str, Any] = {
            "op": self.op,
            "kind": self.kind,
            "actlab_max_ulp": _num(self.actlab.max_ulp),
            "torch_max_ulp": None if t is None else _num(t.max_ulp),
            "where": _num(self.actlab.where),
            "torch_where": None if t is None else _num(t.where),
            "actlab_mean_ulp": _num(self.actlab.mean_ulp),
            "torch_mean_ulp": None if t is None else _num(t.mean_ulp),
            "n_points": self.n_points,
            "actlab_finite_max_ulp": _num(self.actlab.finite_max_ulp),
            "actlab_finite_where": _num(self.actlab.finite_where),
            "torch_finite_max_ulp": None if t is None else _num(t.finite_max_ulp),
            "torch_finite_where": None if t is None else _num(t.finite_where),
        }
        if self.xs is not None and self.errors:
            out["profile"] = profile(self.xs, self.errors, self.axis)
        return out


def _num(v: float | None) -> float | str | None:
    """JSON-safe number: inf and NaN as strings, None as null."""
    return v if v is None or math.isfinite(v) else str(v)


PROFILE_BIN = 0.5  # decades per bin of the error profile
PROFILE_FLOOR = -46.0  # log10 |x| below every float32 but 0 (the smallest subnormal is 1.4e-45)


def profile(xs: np.ndarray, errors: dict[str, np.ndarray], axis: str = "x") -> dict[str, Any]:
    """Worst ulp error per library in bins of ``PROFILE_BIN`` decades of |x|, each sign apart
    (x = 0 its own bin), finite inputs only: {"axis", "bin", "x": a representative signed x per bin
    (sign * 10^centre, 0), "<lib>": the worst error in the bin ("inf" for a wrong inf or NaN)}."""
    x = np.asarray(xs, dtype=np.float64)
    ok = np.isfinite(x)
    xf = x[ok]
    with np.errstate(divide="ignore"):
        mag = np.where(xf == 0, PROFILE_FLOOR, np.log10(np.abs(np.where(xf == 0, 1.0, xf))))
    centre = (np.floor(mag / PROFILE_BIN) + 0.5) * PROFILE_BIN
    sign = np.where(np.signbit(xf), -1.0, 1.0)
    key = np.where(xf == 0, 0.0, sign * (centre - PROFILE_FLOOR))  # ordered along the real line
    keys, index = np.unique(key, return_inverse=True)
    reps = [0.0 if k == 0 else float(np.sign(k) * 10.0 ** (abs(k) + PROFILE_FLOOR)) for k in keys]
    out: dict[str, Any] = {"axis": axis, "bin": PROFILE_BIN, "x": [float(f"{r:.3g}") for r in reps]}
    for lib, err in errors.items():
        worst = np.zeros(len(keys))
        np.maximum.at(worst, index, np.asarray(err, dtype=np.float64)[ok])
        out[lib] = [_num(round(float(w), 3)) for w in worst]
    return out


# ---- which ops, with which parameters ----------------------------------------------------
def _default_params(decl: type[Activation]) -> dict[str, Any]:
    p = decl.defaults()
    if any(v is None for v in p.values()):  # torch's required arguments: the first plot setting
        p.update(decl.plot_params[0])
    return p


def learnable_settings(decl: type[Parametric]) -> list[dict[str, Any]]:
    """The constructor settings a learnable op is swept at: its defaults (the module's initial
    values), then each plot setting that differs from them."""
    defaults = decl.defaults()
    out: list[dict[str, Any]] = [{}]
    for p in decl.plot_params:
        full = {**defaults, **p}
        if all(full != {**defaults, **q} for q in out):
            out.append(dict(p))
    return out


def cases(names: Iterable[str] | None = None) -> list[Case]:
    """The elementwise ops (every GELU variant), the learnable pointwise ops (at their initial
    values and their plot settings) and the normalisers the sweep covers."""
    wanted = None if names is None else {declaration(n).name for n in names}
    out: list[Case] = []
    for decl in declarations():
        if wanted is not None and decl.name not in wanted:
            continue
        if issubclass(decl, Elementwise) and decl.name in R.REFERENCES:
            p = _default_params(decl)
            out.append(Case(decl.name, decl, p))
            if decl.name == "GELU":
                out.append(Case("GELU(tanh)", decl, {**p, "approximate": "tanh"}))
        elif issubclass(decl, Parametric) and not decl.like_input and decl.name in R.REFERENCES:
            out += [LearnableCase.at(decl, s) for s in learnable_settings(decl)]
        elif decl.name in NORMALIZERS:
            out.append(Case(decl.name, decl, {}))
        elif wanted is not None:
            raise KeyError(f"{decl.name} has no accuracy sweep (kind {decl.kind_label})")
    return out


# ---- inputs ---------------------------------------------------------------------------------
def _ulps_around(points: Iterable[float], n: int = 4) -> list[float]:
    out = []
    for p in points:
        v = F32(p)
        up = dn = v
        out.append(float(v))
        for _ in range(n):
            up, dn = np.nextafter(up, F32(np.inf)), np.nextafter(dn, F32(-np.inf))
            out += [float(up), float(dn)]
    return out


def special_points() -> list[float]:
    sub = [TINY, 2.0**-140, 2.0**-130, 1e-40, float(np.finfo(F32).tiny) * (1 - 2.0**-23)]
    vals = [0.0, -0.0, math.inf, -math.inf, math.nan, FLT_MAX, -FLT_MAX, float(np.finfo(F32).tiny)]
    vals += sub + [-v for v in sub]
    vals += [s * t for t in EXP_THRESHOLDS for s in (1.0, -1.0)]
    return vals


def sweep_inputs(case: Case, size: SweepSize) -> np.ndarray:
    """The float32 inputs of an elementwise sweep (sorted, unique, NaN last)."""
    mags = np.logspace(-30, 4, size.n_log)
    pts = [*mags, *(-mags), *np.linspace(-30.0, 30.0, size.n_linear)]
    kinks = case.kinks() + tuple(case.ref.df_zeros(**_zero_params(case)))
    edges = [t for t in EXP_THRESHOLDS for _ in (0,)]
    pts += special_points() + _ulps_around(kinks) + _ulps_around(edges + [-e for e in edges], 2)
    xs = np.unique(np.asarray(pts, dtype=F32))  # np.unique keeps one NaN at the end, merges +-0
    return np.concatenate([xs, np.asarray([-0.0], dtype=F32)])


def _zero_params(case: Case) -> dict[str, Any]:
    """The parameters the df-zero function of the reference takes."""
    import inspect

    names = inspect.signature(case.ref.df_zeros).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in names.values()):
        return dict(case.params)
    return {k: v for k, v in case.params.items() if k in names}


# ---- ulp error -------------------------------------------------------------------------------
def ulp32(ref: np.ndarray) -> np.ndarray:
    """Size of one float32 ulp at fl32(ref); 2^-149 for subnormals and 0, 2^104 past FLT_MAX."""
    with np.errstate(over="ignore", invalid="ignore"):
        r32 = np.abs(ref.astype(F32)).astype(np.float64)
    finite = np.isfinite(r32)
    _, e = np.frexp(np.where(finite, r32, 1.0))
    ulp = np.ldexp(1.0, (e - 24).astype(np.int64))
    ulp = np.where(finite, ulp, 2.0**104)
    return np.maximum(ulp, TINY)


def ulp_error(y: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|y - ref| / ulp32(ref), 0 for exact matches (also inf, NaN), inf for a wrong NaN or inf."""
    y = np.asarray(y, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        r32 = ref.astype(F32).astype(np.float64)
        err = np.abs(y - ref) / ulp32(ref)
    same = (y == ref) | (np.isnan(y) & np.isnan(ref)) | (np.isinf(r32) & (y == r32))
    err = np.where(np.isnan(err) | (np.isinf(y) & ~same), np.inf, err)
    return np.where(same, 0.0, err)


# ---- evaluating the libraries ------------------------------------------------------------------
def _actlab_fn(case: Case, reference: bool = False) -> Callable[[Tensor], Tensor]:
    """actlab's operator (native kernels where built), or with ``reference`` the declaration's
    Python math (the operator's Function tower)."""
    return case.actlab_fn(reference)


def _torch_fn(case: Case) -> Callable[[Tensor], Tensor] | None:
    return case.torch_fn()


def value_and_grad(fn: Callable[[Tensor], Tensor], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) (backward with grad_output = 1), both float32 numpy arrays."""
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    y = fn(t)
    (g,) = torch.autograd.grad(y, t, torch.ones_like(y))
    return y.detach().numpy(), g.numpy()


def _stat(err: np.ndarray, xs: np.ndarray) -> Stat:
    if err.size == 0:
        return Stat(0.0, 0.0, None)
    i = int(np.argmax(err))
    fin = np.isfinite(np.asarray(xs, dtype=np.float64))
    fmax, fwhere = 0.0, None
    if fin.any():
        j = int(np.flatnonzero(fin)[np.argmax(err[fin])])
        fmax, fwhere = float(err[j]), (float(xs[j]) if err[j] > 0 else None)
    return Stat(float(err[i]), float(np.mean(err)), float(xs[i]) if err[i] > 0 else None, fmax, fwhere)


class Sweep:
    """Runs the sweep; references are memoised per (op, kind, input) within the run. ``declarations``:
    measure the declarations' Python math instead of the operators (native kernels where built)."""

    def __init__(self, size: SweepSize = REDUCED, seed: int = 0, declarations: bool = False):
        self.size = size
        self.seed = seed
        self.declarations = declarations
        self._memo: dict[tuple[str, str, float], float] = {}

    def reference(self, case: Case, kind: str, xs: np.ndarray) -> np.ndarray:
        fn = case.ref.f if kind == "forward" else case.ref.df
        keys = [(case.label, kind, float(x)) for x in xs]
        todo = sorted({k[2] for k in keys if k not in self._memo and not math.isnan(k[2])}, key=abs)
        for x, r in zip(todo, R.evaluate(fn, todo, case.params)):
            self._memo[(case.label, kind, x)] = r
        nan = R.evaluate(fn, [math.nan], case.params)[0]
        return np.asarray([nan if math.isnan(k[2]) else self._memo[k] for k in keys])

    # -- elementwise
    def elementwise(self, case: Case) -> list[Record]:
        xs = sweep_inputs(case, self.size)
        refs = {k: self.reference(case, k, xs) for k in ("forward", "derivative")}
        ours = value_and_grad(_actlab_fn(case, self.declarations), xs)
        tfn = _torch_fn(case)
        theirs = value_and_grad(tfn, xs) if tfn is not None else None
        zeros = case.ref.df_zeros(**_zero_params(case))
        keep = np.ones(xs.shape, bool)
        for z in zeros:
            keep &= ~(np.abs(xs.astype(np.float64) - z) <= DF_ZERO_WINDOW)
        out = []
        for i, kind in enumerate(("forward", "derivative")):
            mask = keep if kind == "derivative" else np.ones(xs.shape, bool)
            errs = {"actlab": ulp_error(ours[i], refs[kind])[mask]}
            if theirs is not None:
                errs["torch"] = ulp_error(theirs[i], refs[kind])[mask]
            out.append(self._record(case.label, kind, errs, xs[mask]))
        return out

    # -- normalisers
    def rows(self) -> np.ndarray:
        """Rows of float32 logits with spreads 1 to 100 around offsets in [-50, 50]."""
        rng = np.random.default_rng(self.seed)
        n, k = self.size.n_rows, self.size.row_length
        rows = []
        for s in SPREADS:
            r = rng.uniform(-s / 2, s / 2, (n, k)) + rng.uniform(-50, 50, (n, 1))
            r[: max(1, n // 4), 0] = r[: max(1, n // 4)].max(1) + s / 2  # a dominant first entry
            r[: max(1, n // 4), 1] = r[: max(1, n // 4), 0] - s  # ... and the full spread
            rows.append(r)
        return np.concatenate(rows).astype(F32)

    def normalizer(self, case: Case) -> list[Record]:
        rows = self.rows()
        fwd, der = R.normalizer_rows(case.decl.name, rows.tolist())
        refs = {"forward": np.asarray(fwd), "derivative": np.asarray(der)}
        g = np.zeros_like(rows)
        g[:, 0] = 1.0
        results: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        tower = ops.operator(case.decl).function  # the declaration's Python math
        for lib, mod in (("actlab", AF), ("torch", torch.nn.functional)):
            fn = getattr(mod, case.decl.function)
            if lib == "actlab" and self.declarations:
                fn = lambda t, dim: tower.apply(t, dim)  # noqa: E731
            t = torch.from_numpy(rows.copy()).requires_grad_(True)
            y = fn(t, dim=-1)
            (gr,) = torch.autograd.grad(y, t, torch.from_numpy(g))
            results[lib] = (y.detach().numpy(), gr.numpy())
        where = np.broadcast_to((rows.max(1) - rows.min(1))[:, None], rows.shape).ravel()  # spread of the row
        out = []
        for i, kind in enumerate(("forward", "derivative")):
            errs = {lib: ulp_error(results[lib][i], refs[kind]).ravel() for lib in results}
            out.append(self._record(case.label, kind, errs, where, axis="row spread"))
        return out

    def _record(self, op: str, kind: str, errs: dict[str, np.ndarray], xs: np.ndarray, axis: str = "x") -> Record:
        ours = _stat(errs["actlab"], xs)
        theirs = _stat(errs["torch"], xs) if "torch" in errs else None
        return Record(op, kind, ours, theirs, int(xs.size), errs, xs, axis)

    def run(self, case: Case) -> list[Record]:
        if case.decl.name in NORMALIZERS:
            return self.normalizer(case)
        return self.elementwise(case)


def run_sweep(
    names: Iterable[str] | None = None, size: SweepSize = REDUCED, progress: bool = False, declarations: bool = False
) -> list[Record]:
    """Measure every op (or ``names``): two records (forward, derivative) per op; the operators
    (native kernels where built), or with ``declarations`` the declarations' Python math."""
    todo = cases(names)
    sweep = Sweep(size, declarations=declarations)
    if progress:
        from tqdm import tqdm

        todo = tqdm(todo, desc="accuracy", unit="op")
    records: list[Record] = []
    for case in todo:
        if progress:
            todo.set_postfix_str(case.label)
        records += sweep.run(case)
    return records


def _where(x: float | None) -> str:
    """The input of the worst error: "—" when there is no error, "NaN" for a NaN input."""
    if x is None:
        return "—"
    return "NaN" if math.isnan(x) else f"{x:.7g}"


def format_ulp(v: float | None) -> str:
    if v is None:
        return "—"
    if math.isinf(v):
        return "inf"
    if v >= 1e4:
        return f"{v:.1e}"
    return f"{v:.2f}" if v < 10 else f"{v:.0f}"


def table(records: list[Record], markdown: bool = False) -> str:
    """op | actlab max ulp | torch max ulp | where (x of worst) | mean ulp, per kind."""
    head = (
        "op",
        "actlab max ulp",
        "torch max ulp",
        "where (actlab worst)",
        "torch worst at",
        "torch max, finite x",
        "at",
        "actlab mean",
        "torch mean",
    )
    lines = []
    for kind in ("forward", "derivative"):
        rows = [
            (
                r.op,
                format_ulp(r.actlab.max_ulp),
                format_ulp(None if r.torch is None else r.torch.max_ulp),
                _where(r.actlab.where),
                "—" if r.torch is None else _where(r.torch.where),
                format_ulp(None if r.torch is None else r.torch.finite_max_ulp),
                "—" if r.torch is None else _where(r.torch.finite_where),
                format_ulp(r.actlab.mean_ulp),
                format_ulp(None if r.torch is None else r.torch.mean_ulp),
            )
            for r in records
            if r.kind == kind
        ]
        if not rows:
            continue
        title = f"{kind} (float32, ulps vs 128-bit mpmath)"
        if markdown:
            lines += [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
        else:
            widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
            lines += [title, "  ".join(h.ljust(w) for h, w in zip(head, widths))]
            lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        lines.append("")
    return "\n".join(lines)


# ---- the JSON file (read by the report) ---------------------------------------------------------
def options(names: Iterable[str] | None, size: SweepSize) -> dict[str, Any]:
    """What a sweep covered, recorded in its file so the report can tell partial or stale data:
    ``names`` (None: every op), ``size`` ("reduced", "full" or the counts) and the torch version."""
    label = "full" if size == FULL else "reduced" if size == REDUCED else f"{size.n_log}/{size.n_linear}/{size.n_rows}"
    return {
        "names": None if names is None else sorted(declaration(n).name for n in names),
        "size": label,
        "torch": torch.__version__,
    }


def save_json(records: list[Record], path: str | Path, opts: dict[str, Any]) -> Path:
    """Write ``{"meta": opts + time, "records": [...]}`` to ``path``."""
    import datetime as _dt
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**opts, "time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    path.write_text(json.dumps({"meta": meta, "records": [r.as_json() for r in records]}) + "\n")
    return path


def load_json(data: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(meta, records) of a parsed accuracy file; a bare list (older files) has no meta."""
    if isinstance(data, list):
        return {}, data
    return dict(data.get("meta") or {}), list(data.get("records") or [])


# ---- the speed cost of computing float32 in float64 --------------------------------------------
@dataclass
class Cost:
    """Seconds per call on one float32 tensor: as shipped (float64 inside), the same formula in
    float32, and torch's native kernel; ratios shipped/float32 and shipped/torch."""

    op: str
    shipped: float
    float32_form: float
    torch: float

    @property
    def vs_float32(self) -> float:
        return self.shipped / self.float32_form

    @property
    def vs_torch(self) -> float:
        return self.shipped / self.torch


def _best_time(fn: Callable[[], Any], repeat: int = 7, number: int = 3) -> float:
    import timeit

    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def float64_cost(n: int = 1 << 20, progress: bool = False) -> list[Cost]:
    """Time every op whose float32 path runs in float64, side by side with its float32 form and
    torch, on ``n`` normal-distributed float32 inputs (scaled by 4 to reach the tails)."""
    from .. import _math as m
    from ..activations import gated

    x = torch.randn(n, generator=torch.Generator().manual_seed(0)) * 4
    g = torch.ones_like(x)
    gelu, gelu_bw = torch.nn.functional.gelu, torch.ops.aten.gelu_backward
    decl = declaration("GELU")
    rows: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any]]] = [
        ("Tanh f", lambda: declaration("Tanh").f(x), lambda: m.tanh(x), lambda: torch.tanh(x)),
    ]
    for a in ("none", "tanh"):
        rows += [
            (
                f"GELU({a}) f",
                lambda a=a: decl.f(x, a),
                lambda a=a: gated._gelu(x, a),
                lambda a=a: gelu(x, approximate=a),
            ),
            (
                f"GELU({a}) f'",
                lambda a=a: decl.df(x, a),
                lambda a=a: gated._gelu_prime(x, a),
                lambda a=a: gelu_bw(g, x, approximate=a),
            ),
        ]
    shs = declaration("SmoothHardswish")
    inner = (x > -3.0) & (x < 3.0)
    xi = torch.where(inner, x, 0.0)
    rows += [
        ("Mish f", lambda: declaration("Mish").f(x), lambda: gated._mish(x), lambda: torch.nn.functional.mish(x)),
        (
            "SmoothHardswish f",
            lambda: shs.f(x),
            lambda: torch.where(inner, xi * (xi + 3.0) ** 2 * (6.0 - xi) / 108.0, torch.clamp(x, min=0.0)),
            lambda: torch.nn.functional.hardswish(x),  # the nearest torch op
        ),
    ]
    if progress:
        from tqdm import tqdm

        rows = tqdm(rows, desc="timing", unit="op")
    with torch.no_grad():
        return [Cost(name, _best_time(a), _best_time(b), _best_time(c)) for name, a, b, c in rows]


def cost_table(costs: list[Cost], markdown: bool = False) -> str:
    head = ("op (float32 input)", "shipped (f64 inside) ms", "float32 form ms", "torch ms", "vs f32 form", "vs torch")
    rows = [
        (
            c.op,
            f"{c.shipped * 1e3:.2f}",
            f"{c.float32_form * 1e3:.2f}",
            f"{c.torch * 1e3:.2f}",
            f"{c.vs_float32:.2f}x",
            f"{c.vs_torch:.2f}x",
        )
        for c in costs
    ]
    if markdown:
        return "\n".join(
            ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in rows)]
        )
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in (head, *rows))
