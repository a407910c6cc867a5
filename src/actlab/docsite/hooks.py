"""MkDocs hooks (``mkdocs.yml``: ``hooks:``, loaded by path: absolute imports): add the generated pages.

``on_config`` fills the navigation's "Activations" and "API reference" sections from the registry;
``on_files`` writes the activation pages, their plots, the index by family and the reference pages
as generated files (nothing is written into ``docs/``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from actlab import registry
from actlab.docsite import activation_pages, figures, measurements, reference

ACTIVATIONS = "Activations"
REFERENCE = "API reference"


def _section(nav: list[Any], title: str) -> list[Any] | None:
    for item in nav:
        if isinstance(item, dict) and title in item:
            return item[title]
    return None


def on_config(config: Any) -> Any:
    """The activations by family and the reference pages, appended to their nav sections."""
    decls = registry.declarations()
    acts = _section(config["nav"], ACTIVATIONS)
    if acts is not None:
        for family, ds in activation_pages.families(decls).items():
            acts.append({family: [{d.name: activation_pages.page_path(d.name)} for d in ds]})
    api = _section(config["nav"], REFERENCE)
    if api is not None:
        api += [{p.title: p.path} for p in reference.pages()]
    return config


def on_files(files: Files, config: Any) -> Files:
    """Generate the activation pages (with plots from the figure cache) and the reference pages."""
    started = time.perf_counter()
    decls = registry.declarations()
    names = [d.name for d in decls]
    root = Path(config["config_file_path"]).parent
    figs = figures.figures(names, root / figures.CACHE, report=root / "actlab-report" / "images")
    data = measurements.load(Path(config["docs_dir"]) / "data", names)
    for d in decls:
        text = activation_pages.page(d, figs[d.name], data)
        files.append(File.generated(config, activation_pages.page_path(d.name), content=text))
        png = figs[d.name].png
        if png is not None:
            files.append(File.generated(config, activation_pages.image_path(d.name), abs_src_path=str(png)))
    index = activation_pages.index(decls, figs)
    files.append(File.generated(config, f"{activation_pages.FOLDER}/index.md", content=index))
    for page in reference.pages():
        files.append(File.generated(config, page.path, content=page.text))
    print(f"actlab docs: {len(decls)} activation pages generated in {time.perf_counter() - started:.1f} s")
    return files
