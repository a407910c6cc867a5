"""Drop-in details, side by side with torch: numpy scalars and 0-d tensors as parameters, torch's
rejections (a tuple dim, a prelu weight of another dtype), and softmax-family rows with infinities
(the limit where one exists, NaN as torch where none does)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import actlab.functional as AF

X = torch.linspace(-3, 3, 13)
INF, NAN = math.inf, math.nan

PARAMS = [
    ("elu", (), {"alpha": np.float32(0.5)}),
    ("elu", (np.float64(0.7),), {}),
    ("hardtanh", (np.int64(-2), np.int64(2)), {}),
    ("leaky_relu", (torch.tensor(0.2),), {}),
    ("softplus", (), {"beta": np.float16(2.0), "threshold": np.int32(10)}),
    ("celu", (), {"alpha": torch.tensor(1.5, dtype=torch.float64)}),
    ("threshold", (np.float32(0.5), np.int8(-1)), {}),
]


@pytest.mark.parametrize("name,args,kwargs", PARAMS, ids=[f"{n}{i}" for i, (n, _, _) in enumerate(PARAMS)])
def test_numpy_scalars_and_0d_tensors_as_parameters(name: str, args: tuple, kwargs: dict) -> None:
    torch.testing.assert_close(getattr(AF, name)(X, *args, **kwargs), getattr(TF, name)(X, *args, **kwargs))


REJECTED = {
    "softmax over a tuple of dims": lambda F: F.softmax(torch.randn(2, 3), dim=(0, 1)),
    "log_softmax over a list of dims": lambda F: F.log_softmax(torch.randn(2, 3), dim=[0]),
    "prelu int64 weight": lambda F: F.prelu(torch.randn(2, 3), torch.ones(3, dtype=torch.int64)),
    "prelu float64 weight": lambda F: F.prelu(torch.randn(2, 3), torch.ones(3, dtype=torch.float64)),
    "elu with a string alpha": lambda F: F.elu(X, "x"),
    "gelu with a non-string approximate": lambda F: F.gelu(X, approximate=1),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_torchs_rejections(case: str) -> None:
    with pytest.raises(Exception) as theirs:
        REJECTED[case](TF)
    with pytest.raises(theirs.type):
        REJECTED[case](AF)


ROWS = [
    ([INF, 1.0, 2.0], [1.0, 0.0, 0.0], [0.0, -INF, -INF]),  # one +inf: the limit (torch: NaN)
    ([INF, INF, 1.0], [NAN] * 3, [NAN] * 3),  # several +inf: no limit, NaN as torch
    ([-INF, 1.0, 2.0], None, None),  # -inf: probability 0, as torch
    ([-INF, -INF, -INF], [NAN] * 3, [NAN] * 3),
    ([NAN, 1.0, 2.0], [NAN] * 3, [NAN] * 3),
]


@pytest.mark.parametrize("row,softmax,log_softmax", ROWS, ids=[str(r[0]) for r in ROWS])
def test_softmax_rows_with_infinities(
    row: list[float], softmax: list[float] | None, log_softmax: list[float] | None
) -> None:
    x = torch.tensor(row, dtype=torch.float64)
    want_p = TF.softmax(x, 0) if softmax is None else torch.tensor(softmax, dtype=torch.float64)
    want_l = TF.log_softmax(x, 0) if log_softmax is None else torch.tensor(log_softmax, dtype=torch.float64)
    torch.testing.assert_close(AF.softmax(x, 0), want_p, equal_nan=True)
    torch.testing.assert_close(AF.log_softmax(x, 0), want_l, equal_nan=True)
    torch.testing.assert_close(AF.softmin(-x, 0), want_p, equal_nan=True)
    if softmax is not None and not math.isnan(softmax[0]):  # a limit: finite gradients of the limit
        xr = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(AF.softmax(xr, 0)[0], xr)
        assert not g.isnan().any()
