"""The rows of limits the sparse maps' kernels (Sparsemax, Entmax15, EntmaxBisect) are checked on, and what
each of them must give.

Rows 0-7 in order: NaN anywhere, all -inf, two +inf (uniform over them, 0 at -inf), one +inf (one-hot), -inf
entries (0 there), ties everywhere, ties in pairs, two pairs of ties; then a plain row."""

from __future__ import annotations

import torch

INF, NAN = float("inf"), float("nan")

LIMITS = [
    [1.0, NAN, 2.0, 0.0],
    [-INF, -INF, -INF, -INF],
    [INF, 1.0, INF, -INF],
    [INF, 1.0, 2.0, 0.0],
    [0.0, -INF, 1.0, -INF],
    [3.0, 3.0, 3.0, 3.0],
    [1.0, 1.0, 0.0, 0.0],
    [2.0, 2.0, 1.5, 1.5],
]
PLAIN = [[0.5, 0.25, -0.25, 0.0]]


def check_limits(y: torch.Tensor) -> None:
    """The limits on rows 0-7 of y = map(LIMITS + ...) along the last dim."""
    assert y[:2].isnan().all() and not y[2:].isnan().any()
    assert torch.equal(y[2] == 0, torch.tensor([False, True, False, True])) and y[2, 0] == y[2, 2]
    assert torch.equal(y[3], torch.tensor([1.0, 0, 0, 0], dtype=y.dtype)) and y[4, 1] == 0 and y[4, 3] == 0
    assert (y[5] == 0.25).all() and y[6, 0] == y[6, 1] and y[7, 0] == y[7, 1] and y[7, 2] == y[7, 3]
