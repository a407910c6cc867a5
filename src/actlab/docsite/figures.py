"""Each activation's figure, properties and kinks for its page: the report's plot (same size,
resolution and palette as the atlas, :mod:`actlab.report.builder`), computed in worker processes
and cached under ``build/docs-cache/`` by a hash of every source they depend on (the declaration's
module, the plotting and analysis code, torch's version), so a rebuild redraws only what changed.
A plot the atlas (``actlab report``) drew after those sources last changed is copied, not redrawn."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..analysis import kinks, plots, properties, sampling
from ..kinds import Activation
from ..registry import declaration
from ..report import builder

CACHE = Path("build") / "docs-cache"
_ANALYSIS_SOURCES = (plots, properties, kinks, sampling)


@dataclass
class Figure:
    """What a page shows besides the declaration: the plot, the properties, the kinks found."""

    name: str
    png: Path | None
    props: properties.Properties | None
    kinks: tuple[float, ...]
    error: str = ""


def _key(decl: type[Activation]) -> str:
    """A hash of what the figure and the numbers depend on (user declarations: their class)."""
    module = inspect.getmodule(decl)
    parts = [inspect.getsource(m) for m in _ANALYSIS_SOURCES]
    parts.append(inspect.getsource(module) if module is not None else decl.__qualname__)
    parts += [torch.__version__, repr(builder.PLOT_SIZE), str(builder.PLOT_DPI), str(builder.PLOT_COLORS)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _sources(decl: type[Activation]) -> list[Path]:
    module = inspect.getmodule(decl)
    files = [inspect.getsourcefile(m) for m in (*_ANALYSIS_SOURCES, builder, module) if m is not None]
    return [Path(f) for f in files if f]


def report_plot(decl: type[Activation], images: Path | None) -> Path | None:
    """The atlas's plot of ``decl`` (same code, size and palette) when it is newer than every
    source it depends on, else None."""
    if images is None:
        return None
    png = images / f"{plots.file_stem(decl.name)}.png"
    if decl.user_defined or not png.exists():
        return None
    drawn = png.stat().st_mtime
    return png if all(src.stat().st_mtime < drawn for src in _sources(decl)) else None


def _compute(name: str, folder: str, reuse: str = "") -> None:
    """Write ``<folder>/<name>.png`` (drawn, or the atlas's ``reuse`` copied) and
    ``<folder>/<name>.json`` (runs in a worker)."""
    torch.set_num_threads(1)
    decl = declaration(name)
    out = Path(folder)
    record: dict[str, Any] = {"props": None, "kinks": [], "error": ""}
    try:
        if reuse:
            shutil.copyfile(reuse, out / f"{plots.file_stem(name)}.png")
        else:
            plots.save(decl, out, "png", dpi=builder.PLOT_DPI, colors=builder.PLOT_COLORS, size=builder.PLOT_SIZE)
        record["props"] = dataclasses.asdict(properties.for_plot_params(decl))
        record["kinks"] = list(kinks.kinks(decl, decl.plot_params[0]))
    except Exception as exc:  # noqa: BLE001  one broken activation must not sink the site
        record["error"] = f"{type(exc).__name__}: {exc}"
    (out / f"{plots.file_stem(name)}.json").write_text(json.dumps(record, default=str))


def _load(name: str, folder: Path) -> Figure:
    stem = plots.file_stem(name)
    record = json.loads((folder / f"{stem}.json").read_text())
    png = folder / f"{stem}.png"
    props = properties.Properties(**record["props"]) if record["props"] else None
    return Figure(name, png if png.exists() else None, props, tuple(record["kinks"]), record["error"])


def figures(names: list[str], cache: Path = CACHE, jobs: int = 2, report: Path | None = None) -> dict[str, Figure]:
    """The figure of every name, computed where the cache has none for its current sources
    (``report``: the atlas's ``images/`` folder, whose up-to-date plots are copied)."""
    folders = {n: cache / _key(declaration(n)) for n in names}
    todo = [n for n in names if not (folders[n] / f"{plots.file_stem(n)}.json").exists()]
    reuse = {n: str(report_plot(declaration(n), report) or "") for n in todo}
    for n in todo:
        folders[n].mkdir(parents=True, exist_ok=True)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    pooled = [n for n in todo if not declaration(n).user_defined] if jobs > 1 and forkable else []
    if pooled:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_compute, pooled, [str(folders[n]) for n in pooled], [reuse[n] for n in pooled]))
    threads = torch.get_num_threads()
    try:
        for n in (n for n in todo if n not in pooled):
            _compute(n, str(folders[n]), reuse[n])
    finally:
        torch.set_num_threads(threads)
    return {n: _load(n, folders[n]) for n in names}
