"""What a run covers: tasks, the activations on each, seeds, tuning seeds, rate grids.

* ``quick`` (the default of ``actlab arena``): a few activations on digits, spirals and the 1-D
  PINN (400 steps instead of 800), 3 seeds, two rates each tuned on one seed; under 3 minutes on
  two cores. Too few seeds to separate most activations; the leaderboard says so.
* ``report`` (what ``actlab report`` runs when its directory has no arena file): digits only, six
  activations, two of each family but the exponential one, 3 seeds, two rates tuned on one seed
  (24 training runs, about 14 s of one core).
* ``full``: every task; all hidden activations on the cheap tasks, a representative set on the
  expensive ones (CNN, PINNs, language model); 5 seeds, the task's rate grid tuned on the first
  seed. The settings and the measured time of the documented run are in docs/arena.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .layers import default_names

ALL = None  # every eligible activation

# Representative sets for the expensive tasks: piecewise-linear, smooth saturating, smooth
# non-monotonic, exponential, periodic and gated families (sized so the full run takes about an hour).
CNN_SET = ("ReLU", "LeakyReLU", "ELU", "SELU", "Tanh", "SiLU", "GELU", "Mish", "Snake", "SwiGLU")
FIT_1D_SET = ("ReLU", "LeakyReLU", "PReLU", "ELU", "Softplus", "Tanh", "Sigmoid", "SiLU", "GELU", "Mish",
              "SquaredReLU", "Snake", "SwiGLU", "GeGLU")  # fmt: skip
FIT_2D_SET = ("ReLU", "LeakyReLU", "ELU", "Tanh", "SiLU", "GELU", "Mish", "SquaredReLU", "Snake", "SwiGLU")
PINN_1D_SET = ("ReLU", "Hardswish", "SquaredReLU", "ReGLU", "ELU", "Tanh", "SiLU", "GELU", "Snake", "SwiGLU")
PINN_2D_SET = ("ReLU", "Hardswish", "ELU", "Tanh", "GELU", "Snake")
LM_SET = ("ReLU", "GELU", "SiLU", "GLU", "SwiGLU", "GeGLU", "ReGLU")  # Shazeer (2020)'s table, less Bilinear


@dataclass(frozen=True)
class Preset:
    name: str
    tasks: dict[str, tuple[str, ...] | None]  # task -> activations (None: all eligible)
    seeds: int
    tune_seeds: int
    lrs: dict[str, tuple[float, ...]] = field(default_factory=dict)  # per-task grids replacing the task's
    steps: dict[str, int] = field(default_factory=dict)  # per-task step counts replacing the task's

    def names(self, task: str) -> list[str]:
        chosen = self.tasks[task]
        return default_names() if chosen is ALL else list(chosen)


PRESETS = {
    "quick": Preset(
        "quick",
        {
            "digits": ("ReLU", "Tanh", "GELU", "SwiGLU"),
            "spirals": ("ReLU", "Tanh", "GELU"),
            "pinn-1d": ("ReLU", "Tanh"),
        },
        seeds=3,
        tune_seeds=1,
        lrs={"digits": (3e-3, 1e-2), "spirals": (1e-2, 3e-2), "pinn-1d": (1e-2, 3e-2)},
        steps={"pinn-1d": 400},
    ),
    "report": Preset(
        "report",
        {"digits": ("ReLU", "LeakyReLU", "ELU", "Tanh", "GELU", "SiLU")},
        seeds=3,
        tune_seeds=1,
        lrs={"digits": (3e-3, 1e-2)},
    ),
    "full": Preset(
        "full",
        {
            "digits": ALL,
            "spirals": ALL,
            "digits-cnn": CNN_SET,
            "fit-1d": FIT_1D_SET,
            "fit-2d": FIT_2D_SET,
            "pinn-1d": PINN_1D_SET,
            "pinn-2d": PINN_2D_SET,
            "lm": LM_SET,
        },
        seeds=5,
        tune_seeds=1,
    ),
}
