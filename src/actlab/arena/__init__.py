"""The activation arena: the same networks trained with each activation, tuned fairly, compared
with confidence intervals.

Per task and activation, a learning-rate sweep on a log grid is chosen on a validation split
(:mod:`.tuning`); the test score at the chosen rate over several seeds gives the mean and its 95%
t-interval; a paired t-test over seeds compares each activation with the task's baseline (ReLU)
(:mod:`.stats`). Every seed starts every activation from the same initial weights and batch order.
Tasks (:mod:`.tasks`, all offline): ``digits``, ``digits-cnn``, ``spirals``, ``fit-1d``/``fit-2d``
(group ``fit``), ``pinn-1d``/``pinn-2d`` (group ``pinn``, trained through the activations'
hand-derived second derivatives), ``lm`` (a character-level transformer on the Python standard
library's sources, feed-forward activations at equal parameter count).

``arena.json`` (:func:`write_json`) is ``{"meta": {...}, "results": [record, ...]}``. A record:

==================  ==================  =========================================================
field               type                meaning
==================  ==================  =========================================================
task                str                 task name, e.g. ``"pinn-1d"``
activation          str                 registry name, e.g. ``"GELU"``
kind, family        str                 declaration kind (elementwise, gated ...) and family
params              object              constructor parameters used (torch defaults)
metric              str                 ``accuracy``, ``rmse``, ``rel_l2`` or ``bpc``
higher_is_better    bool                direction of the metric
value_mean          float | null        mean test score over seeds at the chosen rate
value_ci95          float | null        half-width of its 95% t-interval (null for one seed)
values              list[float | null]  test score per seed (null: diverged)
seeds               list[int]           the seeds, in the order of ``values``
lr                  float               the chosen learning rate
lr_grid             list[float]         the rates tried
val_by_lr           list[float | null]  validation score of each rate (mean over tuning seeds)
tune_seeds          list[int]           seeds the rate was chosen on
lr_per_seed         list[float]         rate each tuning seed alone would choose
val_values          list[float | null]  validation score per seed at the chosen rate
diverged            int                 seeds whose run at the chosen rate diverged
steps               int                 training steps per run
sec_per_run         float               training seconds per run (machine load dependent)
engine              str                 the engine that ran the sweep: ``local`` or ``ray``
host, node          str, str | null     the machine that ran it, and its Ray node id (local: null)
baseline            str                 the task's baseline activation
vs_baseline         object | null       paired t-test against the baseline: n, diff_mean (this -
                                        baseline), diff_ci95, t, p, p_holm (Holm over the task),
                                        significant, significant_holm (p < 0.05), better, worse
curves              object              step, train_loss, val: lists, means over seeds
==================  ==================  =========================================================

Engines (:mod:`.engines`, :data:`ENGINES`): ``local`` (this process or a process pool) and ``ray``
(:mod:`.ray_engine`: a Ray instance or cluster, the ``cluster`` extra); both give the same records
but for the fields in :data:`RUN_FIELDS`.

Python API for reports: :func:`leaderboard` (ranked :class:`Row` objects with marks),
:func:`format_leaderboards`, :func:`curve_path`/:func:`plot_curves`, :func:`load_json`.
"""

from .checkpoint import Checkpoint
from .curves import curve_path, plot_curves
from .data import two_spirals
from .engines import RUN_FIELDS, Engine, EngineError, Job, LocalEngine
from .layers import build_cnn, build_mlp, default_names, eligible, hidden_activation
from .leaderboard import Row, format_leaderboards, format_task, honesty_note, leaderboard
from .presets import PRESETS, Preset
from .ray_engine import RayEngine
from .records import compare, load_json, record, write_json
from .runner import ENGINES, Plan, plan, run, run_arena, submit
from .stats import mean_ci95, paired_t_test
from .tasks import GROUPS, TASKS, Task, task_names
from .training import Run, train
from .tuning import Sweep, choose_lr, sweep

__all__ = [
    "Checkpoint",
    "ENGINES",
    "Engine",
    "EngineError",
    "Job",
    "LocalEngine",
    "RUN_FIELDS",
    "RayEngine",
    "GROUPS",
    "PRESETS",
    "TASKS",
    "Plan",
    "Preset",
    "Row",
    "Run",
    "Sweep",
    "Task",
    "build_cnn",
    "build_mlp",
    "choose_lr",
    "compare",
    "curve_path",
    "default_names",
    "eligible",
    "format_leaderboards",
    "format_task",
    "hidden_activation",
    "honesty_note",
    "leaderboard",
    "load_json",
    "mean_ci95",
    "paired_t_test",
    "plan",
    "plot_curves",
    "record",
    "run",
    "submit",
    "run_arena",
    "sweep",
    "task_names",
    "train",
    "two_spirals",
    "write_json",
]
