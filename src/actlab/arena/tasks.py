"""The arena's tasks: data, network, loss, and the validation and test scores.

A task is an instance of one of the classes below; the training loop (:mod:`.training`) only
calls ``data``, ``build``, ``batches``, ``loss`` and ``score``. Every task trains with Adam for a
fixed number of steps (linear warm-up over the first 5%, cosine decay to zero) from the seed's
initial weights, with the seed's minibatch order, at each rate of its log-spaced ``lrs`` grid.

=============  ======================================================  ==========  ===========  ========
task           network                                                 steps, bat  Adam rates   metric
=============  ======================================================  ==========  ===========  ========
digits         MLP 64-64-64-10                                         300, 64     1e-3..3e-2   accuracy
digits-cnn     conv3x3(16)-act-pool-conv3x3(32)-act-pool-linear        300, 64     1e-3..3e-2   accuracy
spirals        MLP 2-64-64-64-2                                        600, 64     3e-3..1e-1   accuracy
fit-1d         MLP 1-64-64-64-1 (256 points, full batch)               1000, all   3e-3..1e-1   RMSE
fit-2d         MLP 2-64-64-64-1 (2048 points)                          1000, 256   3e-3..1e-1   RMSE
pinn-1d        MLP 1-32-32-32-1, input mapped to [-1, 1]               800, 128    1e-3..3e-2   rel. L2
pinn-2d        MLP 2-32-32-32-1, 128 boundary points per step          800, 256    1e-3..3e-2   rel. L2
lm             char transformer: 2 layers, d=64, 4 heads, context 64   300, 32     2e-3..8e-3   bits/char
=============  ======================================================  ==========  ===========  ========

Grids are log-spaced (factor ~3; the language model's factor 2). Accuracy: higher is better; the
others: lower is better.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from ..kinds import Activation
from . import data as datasets
from .corpus import VOCAB, Corpus, stdlib_corpus
from .layers import build_cnn, build_mlp
from .pinn import Poisson, UnitToSymmetric
from .transformer import CharTransformer

VAL, TEST = "val", "test"


@dataclass(frozen=True)
class Task(ABC):
    """What every task states; subclasses add the data and the network."""

    name: str
    description: str
    steps: int
    lrs: tuple[float, ...]
    batch_size: int | None = None  # None: full batch
    evals: int = 10  # validation checkpoints along training (learning curves)
    clip: float | None = None  # gradient-norm clipping
    baseline: str = "ReLU"  # the activation every other one is compared with
    step_seconds: float = 1e-3  # one training step's seconds on one core, roughly: orders the sweeps, nothing else

    metric: ClassVar[str]
    higher_is_better: ClassVar[bool]

    @abstractmethod
    def data(self) -> Any:
        """The task's data (loaded once per process)."""

    @abstractmethod
    def build(self, decl: type[Activation], seed: int) -> nn.Module:
        """The network with ``decl`` as its activation, initial weights from ``seed``."""

    @abstractmethod
    def batches(self, data: Any, gen: torch.Generator) -> Iterator[Any]:
        """An endless stream of training batches in the order ``gen`` draws."""

    @abstractmethod
    def loss(self, model: nn.Module, batch: Any) -> Tensor:
        """The training loss of one batch."""

    @abstractmethod
    def score(self, model: nn.Module, data: Any, split: str) -> float:
        """The metric on the validation (``"val"``) or test (``"test"``) split."""

    def worst(self) -> float:
        """The score a diverged run gets when rates are compared."""
        return -math.inf if self.higher_is_better else math.inf


def minibatches(n: int, size: int | None, gen: torch.Generator) -> Iterator[Tensor]:
    """Indices of shuffled minibatches of ``size`` (all of 0..n-1 when None), epoch after epoch."""
    while True:
        order = torch.randperm(n, generator=gen)
        yield from order.split(size or n)


# ---- supervised tasks on a fixed split -----------------------------------------------------------
Net = Callable[[type[Activation], datasets.Split, int], nn.Module]


@dataclass(frozen=True)
class Supervised(Task):
    load: Callable[[], datasets.Split] = field(kw_only=True)
    net: Net = field(kw_only=True)

    def data(self) -> datasets.Split:
        return _cached(self.load)

    def build(self, decl: type[Activation], seed: int) -> nn.Module:
        return self.net(decl, self.data(), seed)

    def batches(self, data: datasets.Split, gen: torch.Generator) -> Iterator[tuple[Tensor, Tensor]]:
        for idx in minibatches(len(data.x_train), self.batch_size, gen):
            yield data.x_train[idx], data.y_train[idx]

    def inputs(self, data: datasets.Split, split: str) -> tuple[Tensor, Tensor]:
        if split == VAL:
            return data.x_val, data.y_val
        if split == TEST:
            return data.x_test, data.y_test
        raise ValueError(f"split must be {VAL!r} or {TEST!r}, got {split!r}")


@cache
def _cached(load: Callable[[], Any]) -> Any:
    return load()


@dataclass(frozen=True)
class Classification(Supervised):
    """Cross-entropy training; scored by accuracy."""

    metric: ClassVar[str] = "accuracy"
    higher_is_better: ClassVar[bool] = True

    def loss(self, model: nn.Module, batch: tuple[Tensor, Tensor]) -> Tensor:
        x, y = batch
        return nn.functional.cross_entropy(model(x), y)

    def score(self, model: nn.Module, data: datasets.Split, split: str) -> float:
        x, y = self.inputs(data, split)
        with torch.no_grad():
            return float((model(x).argmax(1) == y).float().mean())


@dataclass(frozen=True)
class Regression(Supervised):
    """Mean-squared-error training; scored by the root mean squared error."""

    metric: ClassVar[str] = "rmse"
    higher_is_better: ClassVar[bool] = False

    def loss(self, model: nn.Module, batch: tuple[Tensor, Tensor]) -> Tensor:
        x, y = batch
        return nn.functional.mse_loss(model(x), y)

    def score(self, model: nn.Module, data: datasets.Split, split: str) -> float:
        x, y = self.inputs(data, split)
        with torch.no_grad():
            return float((model(x) - y).pow(2).mean().sqrt())


@dataclass(frozen=True)
class MLP:
    """Network factory: an MLP with these hidden widths, sized by the split's inputs and classes."""

    hidden: tuple[int, ...]

    def __call__(self, decl: type[Activation], split: datasets.Split, seed: int) -> nn.Module:
        n_out = int(split.y_train.max()) + 1 if split.y_train.dtype == torch.int64 else split.y_train.shape[1]
        return build_mlp(decl, split.x_train.shape[1], n_out, self.hidden, seed)


@dataclass(frozen=True)
class CNN:
    """Network factory: the 8x8-image CNN with these channel counts."""

    channels: tuple[int, ...]

    def __call__(self, decl: type[Activation], split: datasets.Split, seed: int) -> nn.Module:
        return build_cnn(decl, int(split.y_train.max()) + 1, self.channels, seed)


# ---- physics-informed Poisson ----------------------------------------------------------------------
@dataclass(frozen=True)
class PoissonData:
    problem: Poisson
    scale: float
    val_inner: Tensor
    val_edge: Tensor
    test_points: Tensor


@dataclass(frozen=True)
class PINN(Task):
    """Poisson problem Δu = f (see :mod:`.pinn`); validation: the physics loss on held-out points
    (no exact solution needed); test: relative L2 error against the exact solution."""

    dim: int = 1
    hidden: tuple[int, ...] = (32, 32, 32)
    edge_points: int = 128

    metric: ClassVar[str] = "rel_l2"
    higher_is_better: ClassVar[bool] = False

    def data(self) -> PoissonData:
        return _poisson(self.dim, self.batch_size or 128, self.edge_points)

    def build(self, decl: type[Activation], seed: int) -> nn.Module:
        return nn.Sequential(UnitToSymmetric(), build_mlp(decl, self.dim, 1, self.hidden, seed))

    def batches(self, data: PoissonData, gen: torch.Generator) -> Iterator[tuple[Tensor, Tensor]]:
        while True:
            yield data.problem.interior(self.batch_size or 128, gen), data.problem.boundary(self.edge_points, gen)

    def loss(self, model: nn.Module, batch: tuple[Tensor, Tensor]) -> Tensor:
        data = self.data()
        return data.problem.loss(model, *batch, data.scale)

    def score(self, model: nn.Module, data: PoissonData, split: str) -> float:
        if split == VAL:
            return float(data.problem.loss(model, data.val_inner, data.val_edge, data.scale).detach())
        if split == TEST:
            return data.problem.relative_l2(model, data.test_points)
        raise ValueError(f"split must be {VAL!r} or {TEST!r}, got {split!r}")


@cache
def _poisson(dim: int, inner: int, edge: int) -> PoissonData:
    problem = Poisson(dim)
    gen = torch.Generator().manual_seed(12345)  # held-out points: never the training stream
    return PoissonData(
        problem,
        problem.source_scale(),
        problem.interior(2 * inner, gen),
        problem.boundary(edge, gen),
        problem.grid(1001 if dim == 1 else 101),
    )


# ---- character-level language model ------------------------------------------------------------------
@dataclass(frozen=True)
class CharLM(Task):
    """Next-character prediction on the standard-library corpus; scored by bits per character
    (cross-entropy / ln 2) over fixed windows of the validation or test split."""

    context: int = 64
    width: int = 64
    layers: int = 2
    heads: int = 4
    corpus_size: int = 1_000_000
    eval_windows: int = 128

    metric: ClassVar[str] = "bpc"
    higher_is_better: ClassVar[bool] = False

    def data(self) -> Corpus:
        return stdlib_corpus(self.corpus_size)

    def build(self, decl: type[Activation], seed: int) -> nn.Module:
        return CharTransformer(decl, VOCAB, self.width, self.layers, self.heads, self.context, seed)

    def batches(self, data: Corpus, gen: torch.Generator) -> Iterator[Tensor]:
        span = self.context + 1
        while True:
            start = torch.randint(0, len(data.train) - span, (self.batch_size or 32,), generator=gen)
            yield torch.stack([data.train[s : s + span] for s in start.tolist()])

    def loss(self, model: nn.Module, batch: Tensor) -> Tensor:
        logits = model(batch[:, :-1])
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))

    def windows(self, ids: Tensor) -> Tensor:
        """``eval_windows`` evenly spaced windows of context + 1 characters."""
        span = self.context + 1
        starts = torch.linspace(0, len(ids) - span, self.eval_windows).long()
        return torch.stack([ids[s : s + span] for s in starts.tolist()])

    def score(self, model: nn.Module, data: Corpus, split: str) -> float:
        ids = {VAL: data.val, TEST: data.test}.get(split)
        if ids is None:
            raise ValueError(f"split must be {VAL!r} or {TEST!r}, got {split!r}")
        with torch.no_grad():
            return float(self.loss(model, self.windows(ids))) / math.log(2)


LR4 = (1e-3, 3e-3, 1e-2, 3e-2)
LR4_HIGH = (3e-3, 1e-2, 3e-2, 1e-1)
TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Classification(
            "digits",
            "sklearn 8x8 digits, MLP 64-64-64-10",
            300,
            LR4,
            64,
            load=datasets.digits,
            net=MLP((64, 64)),
            step_seconds=1.1e-3,
        ),
        Classification(
            "digits-cnn",
            "sklearn 8x8 digits, CNN conv16-pool-conv32-pool-linear",
            300,
            LR4,
            64,
            load=datasets.digits,
            net=CNN((16, 32)),
            step_seconds=2.6e-3,
        ),
        Classification(
            "spirals",
            "two spirals (3 turns), MLP 2-64-64-64-2",
            600,
            LR4_HIGH,
            64,
            load=datasets.spirals,
            net=MLP((64, 64, 64)),
            step_seconds=1.4e-3,
        ),
        Regression(
            "fit-1d",
            "sin(2πx) + 0.3 sin(8πx) on [-1, 1], MLP 1-64-64-64-1, test RMSE",
            1000,
            LR4_HIGH,
            None,
            load=datasets.fit_1d,
            net=MLP((64, 64, 64)),
            step_seconds=1.7e-3,
        ),
        Regression(
            "fit-2d",
            "sin(πx)cos(πy) + 0.3 sin(4πx)sin(4πy) on [-1, 1]², MLP 2-64-64-64-1, test RMSE",
            1000,
            LR4_HIGH,
            256,
            load=datasets.fit_2d,
            net=MLP((64, 64, 64)),
            step_seconds=1.7e-3,
        ),
        PINN(
            "pinn-1d",
            "u'' = f on [0, 1], u = sin(πx) + 0.1 sin(8πx), relative L2",
            800,
            LR4,
            128,
            step_seconds=4.7e-3,
        ),
        PINN(
            "pinn-2d",
            "Δu = f on [0, 1]², u = sin(πx)sin(πy) + 0.1 sin(4πx)sin(4πy), relative L2",
            800,
            LR4,
            256,
            step_seconds=7e-3,
            dim=2,
        ),
        CharLM(
            "lm",
            "char transformer (2 layers, d=64) on Python stdlib sources, bits per character",
            300,
            (2e-3, 4e-3, 8e-3),
            32,
            clip=1.0,
            step_seconds=30e-3,
        ),
    )
}
GROUPS = {"fit": ("fit-1d", "fit-2d"), "pinn": ("pinn-1d", "pinn-2d")}


def task_names(requested: list[str] | tuple[str, ...]) -> list[str]:
    """Task names with groups expanded (``fit`` -> fit-1d, fit-2d); a clear error for unknown ones."""
    out: list[str] = []
    for name in requested:
        expanded = GROUPS.get(name, (name,))
        unknown = [n for n in expanded if n not in TASKS]
        if unknown:
            known = ", ".join([*TASKS, *GROUPS])
            raise ValueError(f"unknown task {name!r}; known: {known}")
        out += [n for n in expanded if n not in out]
    return out
