"""Keep ``<out>/data/accuracy.json`` in step with the report: the file records the options it was
made with (ops, sweep size, torch version); the report reuses it only when it covers what is
asked, and otherwise runs the sweep again and says why (never silently reusing partial data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import torch

from .sections import data_path

SIZES = ("reduced", "full")


def sweep_names(only: Iterable[str] | None) -> list[str] | None:
    """The ops of ``only`` that have an accuracy sweep (None: every op)."""
    from ..analysis import accuracy as A

    if not only:
        return None
    names = []
    for n in only:
        try:
            A.cases([n])
        except KeyError:  # no sweep for this kind (GLU, FReLU, user-defined ...)
            continue
        names.append(A.declaration(n).name)
    return names


def stale(meta: dict[str, Any], names: list[str] | None, size: str) -> str | None:
    """Why a file with ``meta`` does not serve a report of ``names`` at ``size`` (None: it does)."""
    if not meta:
        return "it records no options (an older file)"
    if meta.get("torch") != torch.__version__:
        return f"it was measured with torch {meta.get('torch')}, this is {torch.__version__}"
    have = meta.get("size")
    if have not in SIZES or SIZES.index(have) < SIZES.index(size):
        return f"it is a {have} sweep and a {size} one is asked for"
    covered = meta.get("names")
    if covered is not None:
        if names is None:
            return f"it covers only {', '.join(covered) or 'nothing'}"
        missing = [n for n in names if n not in covered]
        if missing:
            return f"it does not cover {', '.join(missing)}"
    return None


def accuracy_todo(out: Path, only: Iterable[str] | None, full: bool) -> tuple[str, bool, list[str] | None]:
    """(what is done, whether the sweep runs, the ops it covers: None for every op)."""
    import json

    from ..analysis import accuracy as A

    names = sweep_names(only)
    if names == []:
        return "accuracy: none of the activations has a sweep", False, names
    size = "full" if full else "reduced"
    path = data_path(out, "accuracy.json")
    if not path.is_file():
        return f"accuracy: running the {size} sweep", True, names
    try:
        meta, _ = A.load_json(json.loads(path.read_text()))
    except ValueError:
        meta = {}
    why = stale(meta, names, size)
    if why is None:
        return f"accuracy: reusing {path} ({meta.get('size')} sweep)", False, names
    return f"accuracy: {path} is stale ({why}); running the {size} sweep", True, names


def ensure_accuracy(out: Path, only: Iterable[str] | None, full: bool, progress: bool = True) -> str:
    """Make ``data/accuracy.json`` cover the report (see the module docstring); a line on what was done."""
    from ..analysis import accuracy as A

    note, run, names = accuracy_todo(out, only, full)
    if run:
        sweep = A.FULL if full else A.REDUCED
        records = A.run_sweep(names, size=sweep, progress=progress)
        A.save_json(records, data_path(out, "accuracy.json"), A.options(names, sweep))
    return note


def _sweep_one(name: str, full: bool) -> list[Any]:
    """The sweep records of one declaration (a pool task: one thread)."""
    from ..analysis import accuracy as A

    torch.set_num_threads(1)
    return A.run_sweep([name], size=A.FULL if full else A.REDUCED)


# ---- the Speed section: a quick benchmark against torch (and the catalog against torch's SiLU) --
BENCH_SIZES = (65_536, 4_194_304)
CATALOG_SIZES = (65_536,)  # the catalog's 70-odd activations at one size: the report stays quick
BENCH_PASSES = ("fwd", "fwdbwd")
BENCH_REPEATS = 5
MADE_BY = "actlab report"


def bench_names(only: Iterable[str] | None) -> list[str]:
    """The report's activations that torch.nn has under the same name (what the quick bench times)."""
    from ..bench import torch_module
    from ..registry import declaration, declarations

    decls = [declaration(n) for n in only] if only else declarations()
    return [d.name for d in decls if d.in_torch and torch_module(d) is not None]


def catalog_names(only: Iterable[str] | None) -> list[str]:
    """The report's activations timed against torch's SiLU (the elementwise and learnable ones
    torch.nn lacks: :func:`actlab.bench.yardstick`)."""
    from ..bench import torch_module, yardstick
    from ..registry import declaration, declarations

    decls = [declaration(n) for n in only] if only else declarations()
    return [d.name for d in decls if torch_module(d) is None and yardstick(d)]


def bench_stale(meta: dict[str, Any], names: list[str]) -> str | None:
    """Why a bench file with ``meta`` is measured again (None: a run of ``actlab bench`` that
    covers ``names`` with this torch is kept as it is)."""
    if meta.get("made_by") == MADE_BY:
        return "the report's own quick run is measured afresh each time"
    if meta.get("torch") != torch.__version__:
        return f"it was measured with torch {meta.get('torch')}, this is {torch.__version__}"
    covered = meta.get("names")
    missing = [n for n in names if n not in covered] if isinstance(covered, list) else []
    if missing:
        return f"it does not cover {', '.join(missing)}"
    return None


def ensure_bench(out: Path, only: Iterable[str] | None, force: bool = False, progress: bool = True) -> str:
    """Make ``data/bench.json`` hold speed ratios for the report: keep a covering ``actlab bench``
    run, else time fwd and fwd+bwd at 64K and 4M (5 interleaved rounds); a line on what was done."""
    import json

    from .. import bench

    names, catalog = bench_names(only), catalog_names(only)
    if not names and not catalog:
        return "speed: none of the activations has a torch.nn counterpart or SiLU's shape"
    path = data_path(out, "bench.json")
    note = "speed: running the quick benchmark"
    if path.is_file() and not force:
        try:
            meta = json.loads(path.read_text()).get("meta") or {}
        except (ValueError, AttributeError):
            meta = {}
        why = bench_stale(meta, names + catalog)
        if why is None:
            return f"speed: reusing {path} (actlab bench of {meta.get('time', 'an unrecorded time')})"
        note += f" ({why})"
    kw = {"repeats": BENCH_REPEATS, "quick": True, "progress": progress, "passes": BENCH_PASSES}
    runs = [bench.run(names, BENCH_SIZES, naive=False, **kw)] if names else []
    if catalog:  # with the textbook compositions: the catalog's other yardstick
        runs.append(bench.run(catalog, CATALOG_SIZES, naive=True, **kw))
    record = runs[0]
    for extra in runs[1:]:
        record["results"] += extra["results"]
        record["meta"]["names"] += extra["meta"]["names"]
        record["meta"]["sizes"] = sorted(set(record["meta"]["sizes"]) | set(extra["meta"]["sizes"]))
        for key, value in (extra.get("floor") or {}).items():
            record.setdefault("floor", {}).setdefault(key, value)
    record["meta"]["made_by"] = MADE_BY
    bench.save(record, path)
    return note


# ---- the Arena section: a short training comparison on digits ---------------------------------
ARENA_PRESET = "report"


def arena_stale(meta: dict[str, Any]) -> str | None:
    """Why an arena file is trained again (None: kept). Only the report's own short run is
    replaced (by a newer torch); a run of ``actlab arena`` is never overwritten."""
    if meta.get("preset") != ARENA_PRESET:
        return None
    if meta.get("torch") != torch.__version__:
        return f"it was trained with torch {meta.get('torch')}, this is {torch.__version__}"
    return None


def arena_todo(out: Path, force: bool = False) -> tuple[str, bool]:
    """(what is done, whether the ``report`` preset is trained)."""
    from .. import arena

    path = data_path(out, "arena.json")
    note = f"arena: training the {ARENA_PRESET} preset"
    if path.is_file() and not force:
        try:
            meta, _ = arena.load_json(path)
        except ValueError:
            meta = {"preset": ARENA_PRESET}
        why = arena_stale(meta)
        if why is None:
            return f"arena: reusing {path} ({meta.get('preset', 'an unrecorded')} run)", False
        note += f" ({why})"
    return note, True


def ensure_arena(out: Path, force: bool = False, progress: bool = True) -> str:
    """Make ``data/arena.json`` exist: keep an existing run (see :func:`arena_stale`), else train
    the ``report`` preset (digits, 6 activations, 3 seeds); a line on what was done."""
    from .. import arena

    note, run = arena_todo(out, force)
    if not run:
        return note
    records, meta = arena.run(arena.plan(ARENA_PRESET), progress=progress)
    arena.write_json(records, data_path(out, "arena.json"), meta)
    return note + f": {meta['runs']} runs in {meta['seconds']:.0f} s"


class Measurements:
    """The accuracy sweep (one task per declaration) and the short arena (one task per sweep)
    queued on a process pool the plots share, so that both cores stay busy to the end;
    :meth:`finish` waits for them, writes the data files and says what was done."""

    def __init__(self, out: Path, only: Iterable[str] | None, pool: Executor, jobs: int, *, full: bool = False,
                 accuracy: bool = True, arena: bool = True, force_arena: bool = False) -> None:  # fmt: skip
        self.out = Path(out)
        self.steps: list[Callable[[], str]] = []  # each waits for its tasks, writes its file, says so
        arena_step = self._arena(pool, jobs, force_arena) if arena else None  # the longest tasks first
        if accuracy:
            self.steps.append(self._accuracy(only, full, pool))
        if arena_step is not None:
            self.steps.append(arena_step)

    def _arena(self, pool: Executor, jobs: int, force: bool) -> Callable[[], str]:
        from .. import arena as A

        note, run = arena_todo(self.out, force)
        if not run:
            return lambda: note
        collect = A.submit(A.plan(ARENA_PRESET), pool, jobs)

        def wait() -> str:
            records, meta = collect()
            A.write_json(records, data_path(self.out, "arena.json"), meta)
            return note + f": {meta['runs']} runs ({meta['seconds']:.0f} s alongside the plots)"

        return wait

    def _accuracy(self, only: Iterable[str] | None, full: bool, pool: Executor) -> Callable[[], str]:
        from ..analysis import accuracy as A

        note, run, names = accuracy_todo(self.out, only, full)
        if not run:
            return lambda: note
        decls = list(dict.fromkeys(c.decl.name for c in A.cases(names)))
        futures = [pool.submit(_sweep_one, n, full) for n in decls]

        def wait() -> str:
            records = [r for f in futures for r in f.result()]
            sweep = A.FULL if full else A.REDUCED
            A.save_json(records, data_path(self.out, "accuracy.json"), A.options(names, sweep))
            return note

        return wait

    def finish(self) -> str:
        """Wait for the queued runs, write their files; one line per step."""
        return "\n".join(step() for step in self.steps)
