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
