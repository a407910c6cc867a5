"""The activation arena: the same network trained with each activation on small real tasks.

Every activation gets the same network, the same data split, the same initial weights (the
linear layers are drawn from the run's seed before the activation is built, so seed s starts
every activation from the same point) and the same minibatch order. Tasks need no download:

* ``digits`` — scikit-learn's 8x8 handwritten digits (1797 images, 10 classes), fixed
  stratified 70/30 split, an MLP 64-64-64-10;
* ``spirals`` — two interleaved spirals of three turns with noise (1000 points), an MLP
  2-64-64-64-2: hard for an MLP, telling activations apart.

Per (activation, task) the record holds the test accuracy mean and std over seeds, the final
training loss, the epochs to reach 90% of the run's best test accuracy, and seconds per epoch.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .registry import declarations, spec
from .spec import Activation, Elementwise, Parametric, SplitGate, VectorMap

HIDDEN_KINDS = (Elementwise, Parametric, SplitGate, VectorMap)  # act per feature (gates halve the features)
WIDTH_PARAMS = ("num_parameters", "in_features", "num_features", "in_channels")  # one value per unit


@dataclass(frozen=True)
class Task:
    """A classification task: data loader, network shape and training schedule."""

    name: str
    load: Callable[[], tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]
    hidden: tuple[int, ...]
    epochs: int
    batch_size: int
    lr: float
    description: str


def _split(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    from sklearn.model_selection import train_test_split

    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    mean, std = xtr.mean(0), xtr.std(0) + 1e-6
    f = lambda a: torch.as_tensor((a - mean) / std, dtype=torch.float32)  # noqa: E731
    return f(xtr), torch.as_tensor(ytr), f(xte), torch.as_tensor(yte)


def load_digits() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's 8x8 digits, standardised with the training statistics."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    return _split(d.data.astype(np.float64), d.target.astype(np.int64))


def two_spirals(n: int = 1000, turns: float = 3.0, noise: float = 0.08, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaved spirals: :math:`r = t,\ (r\cos t, r\sin t)` and its point reflection,
    :math:`t \in [\pi/2, 2\pi\,\mathrm{turns}]`, plus Gaussian noise scaled by the radius range."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(math.pi / 2, 2 * math.pi * turns, n // 2)
    arm = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (2 * math.pi * turns)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / turns, (2 * (n // 2), 2))
    y = np.concatenate([np.zeros(n // 2, np.int64), np.ones(n // 2, np.int64)])
    return x, y


def load_spirals() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    return _split(*two_spirals())


TASKS: dict[str, Task] = {
    "digits": Task("digits", load_digits, (64, 64), 15, 64, 3e-3, "sklearn 8x8 digits, MLP 64-64-64-10"),
    "spirals": Task("spirals", load_spirals, (64, 64, 64), 40, 64, 1e-2, "two spirals (3 turns), MLP 2-64-64-64-2"),
}


# ---- which activations take part, and how each becomes a hidden layer -------------------------
def eligible(decl: type[Activation]) -> str | None:
    """None if ``decl`` can be a hidden activation, else the reason it cannot."""
    if not issubclass(decl, HIDDEN_KINDS) or not getattr(decl, "hidden", True):
        return f"{decl.name} is a {decl.kind} (acts across features), not a hidden activation"
    if decl.module_class is None and not decl.user_defined:
        from . import nn as anm

        getattr(anm, decl.name, None)  # an extra's generic module class is built on first use
    if decl.module_class is None:
        return f"{decl.name} has no module class"
    missing = [k for k, v in hidden_params(decl).items() if v is None and k not in WIDTH_PARAMS]
    if missing:
        return f"{decl.name} needs {', '.join(missing)} (no default, no plot value)"
    return None


def hidden_params(decl: type[Activation]) -> dict[str, Any]:
    """torch's defaults; a parameter without one (Threshold's) takes the first plotted value."""
    first_plot = decl.plot_params[0] if decl.plot_params else {}
    return {k: p.default if p.default is not None else first_plot.get(k) for k, p in decl.params.items()}


def default_names() -> list[str]:
    return [d.name for d in declarations() if eligible(d) is None]


def hidden_activation(decl: type[Activation], width: int) -> tuple[nn.Module, Fraction]:
    """The activation module for a hidden layer of ``width`` units and the factor by which the
    preceding linear layer must widen its output (2 for gated kinds, which halve the features;
    Maxout's pieces, 1/2 for CReLU: vector maps by their ``out_size``).
    Parametric kinds with a per-unit size parameter (PReLU's ``num_parameters``) get ``width``."""
    params = hidden_params(decl)
    if issubclass(decl, Parametric):
        params.update({k: width for k in params if k in WIDTH_PARAMS})
    module = decl.module_class(**params)
    if issubclass(decl, VectorMap):
        return module, Fraction(width, decl.out_size(width, **{k: v for k, v in params.items() if k != "dim"}))
    return module, Fraction(2 if issubclass(decl, SplitGate) else 1)


def build_net(decl: type[Activation], n_in: int, n_out: int, hidden: Sequence[int], seed: int) -> nn.Sequential:
    """MLP with ``decl`` after every hidden linear layer; the linear layers come from ``seed`` first."""
    acts = [hidden_activation(decl, h) for h in hidden]
    torch.manual_seed(seed)
    linears, width = [], n_in
    for h, (_, factor) in zip(hidden, acts):
        linears.append(nn.Linear(width, int(h * factor)))
        width = h
    layers: list[nn.Module] = []
    for lin, (act, _) in zip(linears, acts):
        layers += [lin, act]
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


@dataclass
class Run:
    """One training run: per-epoch mean training loss and test accuracy, training seconds."""

    loss: list[float] = field(default_factory=list)
    acc: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train(decl: type[Activation], task: Task, data: tuple, seed: int, epochs: int) -> Run:
    xtr, ytr, xte, yte = data
    n_out = int(ytr.max()) + 1
    net = build_net(decl, xtr.shape[1], n_out, task.hidden, seed)
    opt = torch.optim.Adam(net.parameters(), lr=task.lr)
    order = torch.Generator().manual_seed(seed)
    run = Run()
    for _ in range(epochs):
        net.train()
        start, total = time.perf_counter(), 0.0
        for idx in torch.randperm(len(xtr), generator=order).split(task.batch_size):
            loss = nn.functional.cross_entropy(net(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        run.seconds += time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            run.acc.append((net(xte).argmax(1) == yte).float().mean().item())
        run.loss.append(total / len(xtr))
    return run


def epochs_to_fraction(acc: Sequence[float], fraction: float = 0.9) -> int:
    """First epoch (1-based) whose test accuracy reaches ``fraction`` of the run's best."""
    best = max(acc)
    return next(i + 1 for i, a in enumerate(acc) if a >= fraction * best)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def summarize(name: str, task: str, runs: Sequence[Run], seeds: Sequence[int]) -> dict[str, Any]:
    """The report record of one (activation, task) over its seeds; NaN (diverged) becomes null."""
    final = [r.acc[-1] for r in runs]
    epochs = len(runs[0].acc)
    return {
        "activation": name,
        "params": {k: v for k, v in hidden_params(spec(name)).items() if k not in WIDTH_PARAMS},
        "task": task,
        "acc_mean": statistics.fmean(final),
        "acc_std": statistics.pstdev(final),
        "final_loss": _finite(statistics.fmean(r.loss[-1] for r in runs)),
        "epochs_to_90": statistics.fmean(epochs_to_fraction(r.acc) for r in runs),
        "sec_per_epoch": statistics.fmean(r.seconds / epochs for r in runs),
        "seeds": list(seeds),
        "epochs": epochs,
        "acc_curve": [statistics.fmean(r.acc[i] for r in runs) for i in range(epochs)],
        "loss_curve": [_finite(statistics.fmean(r.loss[i] for r in runs)) for i in range(epochs)],
    }


def run_arena(
    names: Iterable[str] | None = None,
    tasks: Iterable[str] = ("digits", "spirals"),
    seeds: int = 3,
    epochs: int | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Train every activation in ``names`` (default: all eligible) on each task with seeds 0..seeds-1."""
    from tqdm import tqdm

    if seeds < 1 or (epochs is not None and epochs < 1):
        raise ValueError("seeds and epochs must be at least 1")
    decls = [spec(n) for n in (names or default_names())]
    for d in decls:
        why = eligible(d)
        if why is not None:
            raise ValueError(why)
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(TASKS)}")
    seed_list = list(range(seeds))
    records = []
    jobs = [(t, d) for t in tasks for d in decls]
    with tqdm(total=len(jobs) * seeds, desc="arena", unit="run", disable=not progress) as bar:
        for tname, decl in jobs:
            task, runs = TASKS[tname], []
            data = _data(tname)
            for s in seed_list:
                bar.set_postfix_str(f"{tname}/{decl.name}/seed {s}")
                runs.append(train(decl, task, data, s, epochs or task.epochs))
                bar.update()
            records.append(summarize(decl.name, tname, runs, seed_list))
    return records


_DATA: dict[str, tuple] = {}


def _data(task: str) -> tuple:
    if task not in _DATA:
        _DATA[task] = TASKS[task].load()
    return _DATA[task]


# ---- output: leaderboard, JSON, learning curves ---------------------------------------------------
def leaderboard(records: Sequence[dict[str, Any]]) -> str:
    """Per task, activations ranked by mean test accuracy."""
    lines = []
    for task in dict.fromkeys(r["task"] for r in records):
        rows = sorted((r for r in records if r["task"] == task), key=lambda r: -r["acc_mean"])
        lines.append(f"{task} ({len(rows[0]['seeds'])} seeds, {rows[0]['epochs']} epochs)")
        lines.append(f"  {'#':>2} {'activation':<16} {'test acc':>15} {'final loss':>10} {'ep→90%':>6} {'ms/epoch':>8}")
        for i, r in enumerate(rows, 1):
            acc = f"{100 * r['acc_mean']:.2f} ± {100 * r['acc_std']:.2f}%"
            loss = "diverged" if r["final_loss"] is None else f"{r['final_loss']:.4f}"
            lines.append(
                f"  {i:>2} {r['activation']:<16} {acc:>15} {loss:>10} {r['epochs_to_90']:>6.1f}"
                f" {1000 * r['sec_per_epoch']:>8.1f}"
            )
    return "\n".join(lines)


def write_json(records: Sequence[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(records), indent=1, allow_nan=False) + "\n")
    return path


def plot_curves(records: Sequence[dict[str, Any]], out_dir: Path, highlight: int = 6) -> list[Path]:
    """One PNG per task: mean test accuracy and training loss per epoch; the best ``highlight``
    activations in colour, the rest in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for task in dict.fromkeys(r["task"] for r in records):
        rows = sorted((r for r in records if r["task"] == task), key=lambda r: -r["acc_mean"])
        fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.2))
        colours = plt.get_cmap("tab10")
        for i, r in reversed(list(enumerate(rows))):
            ep = range(1, r["epochs"] + 1)
            loss = [math.nan if v is None else v for v in r["loss_curve"]]
            style = {"color": colours(i), "lw": 1.8, "label": r["activation"]} if i < highlight else {}
            style = style or {"color": "0.75", "lw": 0.8}
            ax_acc.plot(ep, r["acc_curve"], **style)
            ax_loss.plot(ep, loss, **style)
        ax_acc.set(xlabel="epoch", ylabel="test accuracy (mean over seeds)", title=f"{task}: test accuracy")
        ax_loss.set(xlabel="epoch", ylabel="training loss", yscale="log", title=f"{task}: training loss")
        handles, labels = ax_acc.get_legend_handles_labels()
        ax_acc.legend(
            handles[::-1],
            labels[::-1],
            fontsize=8,
            loc="lower right",
            title=f"best {highlight} (grey: others)",
            title_fontsize=8,
        )
        for ax in (ax_acc, ax_loss):
            ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out_dir / f"arena-{task}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
