r"""Offline data sets of the arena, each split into train / validation / test.

The validation split chooses the learning rate; the test split is scored once, at that rate.

* digits: scikit-learn's 8x8 handwritten digits (1797 images, 10 classes); a fixed stratified
  test split of 30% (``random_state=0``), then 25% of the rest as validation (52.5/17.5/30),
  standardised with the training statistics;
* spirals: two interleaved spirals of three turns with noise (1000 points), split as digits;
* regression targets with a smooth part and a high-frequency part,
  :math:`g_1(x) = \sin(2\pi x) + 0.3\sin(8\pi x)` on [-1, 1] and
  :math:`g_2(x, y) = \sin(\pi x)\cos(\pi y) + 0.3\sin(4\pi x)\sin(4\pi y)` on [-1, 1]^2:
  uniform random training and validation points, a dense grid as the test set.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass(frozen=True)
class Split:
    """Inputs and targets of train, validation and test."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_test: Tensor
    y_test: Tensor


def split_classification(x: np.ndarray, y: np.ndarray, test: float = 0.3, val: float = 0.25) -> Split:
    """Stratified test split, then a stratified validation split of the rest; inputs standardised
    with the training mean and standard deviation."""
    from sklearn.model_selection import train_test_split

    xrest, xte, yrest, yte = train_test_split(x, y, test_size=test, random_state=0, stratify=y)
    xtr, xva, ytr, yva = train_test_split(xrest, yrest, test_size=val, random_state=0, stratify=yrest)
    mean, std = xtr.mean(0), xtr.std(0) + 1e-6

    def f(a: np.ndarray) -> Tensor:
        return torch.as_tensor((a - mean) / std, dtype=torch.float32)

    def t(a: np.ndarray) -> Tensor:
        return torch.as_tensor(a, dtype=torch.int64)

    return Split(f(xtr), t(ytr), f(xva), t(yva), f(xte), t(yte))


def digits() -> Split:
    """scikit-learn's 8x8 digits as 64 standardised features."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return split_classification(d.data.astype(np.float64), d.target.astype(np.int64))


def two_spirals(n: int = 1000, turns: float = 3.0, noise: float = 0.08, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interleaved spirals: :math:`r = t,\ (r\cos t, r\sin t)` and its point reflection,
    :math:`t \in [\pi/2, 2\pi\,\mathrm{turns}]`, plus Gaussian noise scaled by the radius range."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(math.pi / 2, 2 * math.pi * turns, n // 2)
    arm = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (2 * math.pi * turns)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / turns, (2 * (n // 2), 2))
    y = np.concatenate([np.zeros(n // 2, np.int64), np.ones(n // 2, np.int64)])
    return x, y


def spirals() -> Split:
    return split_classification(*two_spirals())


def target_1d(x: Tensor) -> Tensor:
    r""":math:`\sin(2\pi x) + 0.3\sin(8\pi x)` of x with shape (n, 1)."""
    return torch.sin(2 * math.pi * x) + 0.3 * torch.sin(8 * math.pi * x)


def target_2d(x: Tensor) -> Tensor:
    r""":math:`\sin(\pi x)\cos(\pi y) + 0.3\sin(4\pi x)\sin(4\pi y)` of points with shape (n, 2)."""
    a, b = math.pi * x[:, :1], math.pi * x[:, 1:]
    return torch.sin(a) * torch.cos(b) + 0.3 * torch.sin(4 * a) * torch.sin(4 * b)


def grid(dim: int, per_side: int) -> Tensor:
    """A regular grid of per_side^dim points covering [-1, 1]^dim, shape (n, dim)."""
    axis = torch.linspace(-1.0, 1.0, per_side)
    return torch.cartesian_prod(*[axis] * dim).reshape(-1, dim)


def regression(target: Callable[[Tensor], Tensor], dim: int, n_train: int, n_val: int, per_side: int) -> Split:
    """Uniform random train/validation points in [-1, 1]^dim (fixed generator), the grid as test."""
    gen = torch.Generator().manual_seed(0)
    xtr = torch.rand(n_train, dim, generator=gen) * 2 - 1
    xva = torch.rand(n_val, dim, generator=gen) * 2 - 1
    xte = grid(dim, per_side)
    return Split(xtr, target(xtr), xva, target(xva), xte, target(xte))


def fit_1d() -> Split:
    return regression(target_1d, 1, 256, 256, 2001)


def fit_2d() -> Split:
    return regression(target_2d, 2, 2048, 512, 65)
