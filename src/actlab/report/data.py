"""Keep ``<out>/data/accuracy.json`` in step with the report: the file records the options it was
made with (ops, sweep size, torch version); the report reuses it only when it covers what is
asked, and otherwise runs the sweep again and says why (never silently reusing partial data)."""

from __future__ import annotations

from collections.abc import Iterable
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
        names.append(A.spec(n).name)
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


def ensure_accuracy(out: Path, only: Iterable[str] | None, full: bool, progress: bool = True) -> str:
    """Make ``data/accuracy.json`` cover the report (see the module docstring); a line on what was done."""
    import json

    from ..analysis import accuracy as A

    names = sweep_names(only)
    if names == []:
        return "accuracy: none of the activations has a sweep"
    size = "full" if full else "reduced"
    path = data_path(out, "accuracy.json")
    if path.is_file():
        try:
            meta, _ = A.load_json(json.loads(path.read_text()))
        except ValueError:
            meta = {}
        why = stale(meta, names, size)
        if why is None:
            return f"accuracy: reusing {path} ({meta.get('size')} sweep)"
        note = f"accuracy: {path} is stale ({why}); running the {size} sweep"
    else:
        note = f"accuracy: running the {size} sweep"
    sweep = A.FULL if full else A.REDUCED
    records = A.run_sweep(names, size=sweep, progress=progress)
    A.save_json(records, path, A.options(names, sweep))
    return note


# ---- the Speed section: a quick benchmark of the activations torch.nn has --------------------
BENCH_SIZES = (65_536, 4_194_304)
BENCH_PASSES = ("fwd", "fwdbwd")
BENCH_REPEATS = 5
MADE_BY = "actlab report"


def bench_names(only: Iterable[str] | None) -> list[str]:
    """The report's activations that torch.nn has under the same name (what the quick bench times)."""
    from torch import nn

    from ..registry import declarations, spec

    decls = [spec(n) for n in only] if only else declarations()
    return [d.name for d in decls if d.torch_name and d.torch_name == d.name and hasattr(nn, d.name)]


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

    names = bench_names(only)
    if not names:
        return "speed: none of the activations has a torch.nn counterpart"
    path = data_path(out, "bench.json")
    note = "speed: running the quick benchmark"
    if path.is_file() and not force:
        try:
            meta = json.loads(path.read_text()).get("meta") or {}
        except (ValueError, AttributeError):
            meta = {}
        why = bench_stale(meta, names)
        if why is None:
            return f"speed: reusing {path} (actlab bench of {meta.get('time', 'an unrecorded time')})"
        note += f" ({why})"
    record = bench.run(
        names, BENCH_SIZES, repeats=BENCH_REPEATS, quick=True, progress=progress, passes=BENCH_PASSES, naive=False
    )
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


def ensure_arena(out: Path, force: bool = False, progress: bool = True) -> str:
    """Make ``data/arena.json`` exist: keep an existing run (see :func:`arena_stale`), else train
    the ``report`` preset (digits, 8 activations, 3 seeds); a line on what was done."""
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
            return f"arena: reusing {path} ({meta.get('preset', 'an unrecorded')} run)"
        note += f" ({why})"
    p = arena.plan(ARENA_PRESET)
    records, meta = arena.run(p, progress=progress)
    arena.write_json(records, path, meta)
    return note + f": {meta['runs']} runs in {meta['seconds']:.0f} s"
