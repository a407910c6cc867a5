"""A pytest plugin (``-p entmax_actlab``) that puts actlab in place of the entmax package before its
own tests import it: the sort-based maps with top-k and their threshold helpers, alpha-entmax by
bisection (sparsemax_bisect as alpha = 2), and the Fenchel-Young losses. normmax_bisect and
budget_bisect (not in actlab) stay the package's."""

from __future__ import annotations

from typing import Any

import entmax
import entmax.activations
import entmax.losses
import entmax.root_finding

import actlab
import actlab.nn as anm
from actlab import functional as F


def _sparsemax_bisect(X: Any, dim: int = -1, n_iter: int = 50, ensure_sum_one: bool = True) -> Any:
    return F.entmax_bisect(X, 2.0, dim, n_iter, ensure_sum_one)


class SparsemaxBisectLoss(anm.EntmaxBisectLoss):
    def __init__(self, n_iter: int = 50, ignore_index: int = -100, reduction: str = "elementwise_mean") -> None:
        super().__init__(2.0, n_iter, ignore_index, reduction)


REPLACEMENTS: dict[Any, dict[str, Any]] = {
    entmax.activations: {
        "sparsemax": F.sparsemax,
        "entmax15": F.entmax15,
        "Sparsemax": actlab.nn.Sparsemax,
        "Entmax15": actlab.nn.Entmax15,
        "_sparsemax_threshold_and_support": F.sparsemax_threshold_and_support,
        "_entmax_threshold_and_support": F.entmax15_threshold_and_support,
    },
    entmax.root_finding: {
        "entmax_bisect": F.entmax_bisect,
        "EntmaxBisect": actlab.nn.EntmaxBisect,
        "sparsemax_bisect": _sparsemax_bisect,
    },
    entmax.losses: {
        "sparsemax_loss": F.sparsemax_loss,
        "entmax15_loss": F.entmax15_loss,
        "entmax_bisect_loss": F.entmax_bisect_loss,
        "SparsemaxLoss": anm.SparsemaxLoss,
        "Entmax15Loss": anm.Entmax15Loss,
        "EntmaxBisectLoss": anm.EntmaxBisectLoss,
        "SparsemaxBisectLoss": SparsemaxBisectLoss,
    },
}


def pytest_configure(config: Any) -> None:
    for module, names in REPLACEMENTS.items():
        for name, obj in names.items():
            setattr(module, name, obj)
            if hasattr(entmax, name):
                setattr(entmax, name, obj)
