"""Offline data sets and their train / validation / test splits."""

from __future__ import annotations

import math

import torch

from actlab.arena import data


def test_spirals_are_balanced_and_interleaved():
    x, y = data.two_spirals(n=400)
    assert x.shape == (400, 2) and y.sum() == 200
    assert (x[y == 0] + x[y == 1]).std() < 0.2  # the arms are point reflections of each other, plus noise


def test_classification_splits_are_disjoint_stratified_and_standardised():
    s = data.digits()
    sizes = (len(s.x_train), len(s.x_val), len(s.x_test))
    assert sum(sizes) == 1797 and sizes[2] == 540 and abs(sizes[1] - 0.25 * (1797 - 540)) <= 1
    rows = {tuple(r) for r in s.x_train.tolist()}
    assert not rows & {tuple(r) for r in s.x_test.tolist()}
    assert s.x_train.mean(0).abs().max() < 1e-5
    for split in (s.y_train, s.y_val, s.y_test):
        assert torch.bincount(split, minlength=10).min() > 0.08 * len(split)  # every class, about evenly


def test_regression_targets_and_grids():
    s = data.fit_1d()
    assert s.x_train.shape == (256, 1) and s.x_test.shape == (2001, 1)
    assert s.x_train.abs().max() <= 1 and not torch.equal(s.x_train, s.x_val)
    x = torch.tensor([[0.25], [0.0]])
    torch.testing.assert_close(data.target_1d(x), torch.tensor([[1.0 + 0.3 * math.sin(2 * math.pi)], [0.0]]))
    s2 = data.fit_2d()
    assert s2.x_test.shape == (65 * 65, 2) and s2.y_test.shape == (65 * 65, 1)
    torch.testing.assert_close(data.target_2d(torch.tensor([[0.5, 0.0]])), torch.tensor([[1.0]]))
