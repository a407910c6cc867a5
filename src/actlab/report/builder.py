"""Build the atlas: ``<out>/index.html`` plus ``images/`` (the f/f'/f'' plots, PNG at twice the
displayed size), a stylesheet and two small scripts (sidebar filter, explorer), and the sections
filled from ``<out>/data/*.json``. Formulas are inline SVG (mathtext outlines, glyphs shared).
Nothing is fetched from the network: it opens straight from disk."""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import multiprocessing
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import torch
from tqdm import tqdm

from .. import docstring
from ..analysis import kinks, plots, properties
from ..kinds import Activation, Normalizer
from ..registry import declaration, declarations
from . import explorer, formula, markup, sections

HERE = Path(__file__).parent
ASSETS = ("nav.js", "explorer.js")
PLOT_SIZE = (10.0, 3.0)  # inches: at PLOT_DPI 1600 x 480 px, shown at 800 x 240 CSS px (sharp on 2x screens)
PLOT_DPI = 160
PLOT_CSS = (800, 240)  # the <img> size: half the pixels, as the text of an 80 dpi figure
PLOT_COLORS = 24  # palette size of the plot PNGs (3 curve colours, grey, black and their antialiasing)
_IMG_SIZE = f"width='{PLOT_CSS[0]}' height='{PLOT_CSS[1]}'"
EXPLORER_INITIAL = ("ELU", "Softplus", "GELU")
PROPERTY_COLUMNS = (
    ("range", "range"),
    ("monotonic", "monotonic"),
    ("smoothness", "smoothness"),
    ("bounded below / above", "bounded"),
    ("zero-centred", "zero_centred"),
    ("f(0)", "f0"),
    ("f′(0)", "df0"),
    ("max |f′|", "lipschitz"),
    ("saturating", "saturating"),
    ("E f(z)", "mean"),
    ("Var f(z)", "variance"),
)


@dataclass
class Analysis:
    """What a worker computes for one activation (picklable)."""

    name: str
    png: str = ""
    props: dict[str, Any] | None = None
    kinks: tuple[float, ...] = ()
    formulas: list[tuple[str, Any]] = field(default_factory=list)  # (tex, Inline or error text)
    explorer: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _analyse(name: str, out: str) -> Analysis:
    """Plot, properties, kinks and rendered formulas of one activation (runs in a worker)."""
    torch.set_num_threads(1)
    decl = declaration(name)
    res = Analysis(name)
    texs = [
        decl.formula,
        *(line for block in docstring.parse(decl.__doc__).math for line in docstring.math_lines(block)),
    ]
    res.formulas = [(t, formula.inline(t)) for t in texs]
    res.explorer = explorer.entry(decl)
    try:
        res.png = plots.save(decl, Path(out) / "images", "png", dpi=PLOT_DPI, colors=PLOT_COLORS, size=PLOT_SIZE).name
        res.props = properties.for_plot_params(decl).__dict__
        res.kinks = kinks.kinks(decl, decl.plot_params[0])
    except Exception as exc:  # noqa: BLE001  one broken activation must not sink the whole report
        res.error = f"{type(exc).__name__}: {exc}"
    return res


def _cells(p: properties.Properties) -> list[str]:
    yes = {True: "yes", False: "no", None: "n/a"}
    cells = []
    for _, key in PROPERTY_COLUMNS:
        if key == "range":
            cells.append(p.range_str())
        elif key == "bounded":
            cells.append(f"{yes[p.bounded_below]} / {yes[p.bounded_above]}")
        elif key == "zero_centred":
            cells.append(yes[p.zero_centred])
        elif key in ("f0", "df0", "lipschitz", "mean", "variance"):
            cells.append(properties.fmt(getattr(p, key)))
        else:
            cells.append(str(getattr(p, key)))
    return [html.escape(c) for c in cells]


def anchor(d: type[Activation]) -> str:
    return "act-" + "".join(c if c.isalnum() else "-" for c in d.name)


def _filter_key(d: type[Activation]) -> str:
    return html.escape(f"{d.name} {d.family} {d.kind_label}")


def _properties_table(decls: list[type[Activation]], props: dict[str, properties.Properties | None]) -> str:
    head = "<th>activation</th><th>view</th>" + "".join(f"<th>{html.escape(t)}</th>" for t, _ in PROPERTY_COLUMNS)
    rows = []
    for d in decls:
        p = props[d.name]
        cells = (
            "".join(f"<td>{c}</td>" for c in _cells(p)) if p else f"<td colspan='{len(PROPERTY_COLUMNS)}'>failed</td>"
        )
        view = html.escape(p.view) if p else ""
        rows.append(
            f"<tr data-filter='{_filter_key(d)}'><td><a href='#{anchor(d)}'>{html.escape(d.name)}</a></td>"
            f"<td>{view}</td>{cells}</tr>"
        )
    return f"<table class='num'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _params_html(d: type[Activation]) -> str:
    if not d.params:
        return "<p>No parameters.</p>"
    rows = "".join(
        f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(repr(v.default))}</td>"
        f"<td>{html.escape(v.valid)}</td><td>{html.escape(v.doc)}</td></tr>"
        for k, v in d.params.items()
    )
    plotted = "; ".join(html.escape(plots.label(p)) for p in d.plot_params if p) or "defaults"
    return (
        "<div class='scroll'><table><thead><tr><th>parameter</th><th>default</th><th>valid</th><th>meaning</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></div><p class='meta'>plotted with: {plotted}</p>"
    )


def _formula_html(tex: str, rendered: Any, ids: dict[str, str] | None = None) -> str:
    if isinstance(rendered, formula.Inline):
        return rendered.svg(tex, ids)
    why, source = html.escape(str(rendered)), html.escape(tex)
    return f"<p class='warn'>formula not rendered ({why}); LaTeX: <code>{source}</code></p>"


def kinks_text(d: type[Activation], found: tuple[float, ...]) -> str:
    """The kinks line of an activation's section (what they are depends on the kind)."""
    where = ", ".join(properties.fmt(k) for k in found) or "none"
    if issubclass(d, Normalizer):
        return f"<b>Kinks</b> (where the support of y = N(x, 0) changes on the plotted slice): {html.escape(where)}"
    if d.user_defined:
        return f"<b>Kinks</b> (found numerically: jumps of f or f′ on a grid): {html.escape(where)}"
    convention = html.escape(d.kink_convention or "none stated")
    return f"<b>Kinks</b> (first plot setting): {html.escape(where)}. <b>Convention:</b> {convention}"


def _kind_line(d: type[Activation]) -> str:
    counterpart = f"torch.nn.{d.name}" if d.in_torch else ("user-defined" if d.user_defined else "actlab extra")
    bits = [counterpart, d.family or "no family"]
    if d.kind_label and d.kind_label != d.family:
        bits.append(d.kind_label)
    return " · ".join(bits)


def _activation_html(
    d: type[Activation], a: Analysis, p: properties.Properties | None, ids: dict[str, str] | None = None
) -> str:
    formulas = [_formula_html(t, r, ids) for t, r in a.formulas]
    main = formulas[0] if formulas else ""
    derived = "".join(f"<div class='mathline'>{f}</div>" for f in formulas[1:])
    derived_html = (
        f"<h3>Equations and derivatives <span class='meta'>(from the docstring)</span></h3>{derived}" if derived else ""
    )
    parts = [
        f"<section class='activation' id='{anchor(d)}' data-filter='{_filter_key(d)}'>",
        f"<h2>{html.escape(d.name)} <span class='meta'>{html.escape(_kind_line(d))}</span></h2>",
        f"<div class='doc'>{markup.prose(d.__doc__)}</div>",
        f"<div class='mathline'>{main}</div>{derived_html}",
        f"<h3>Parameters</h3>{_params_html(d)}",
        f"<p>{kinks_text(d, a.kinks)}</p>",
        f"<p><b>Reference:</b> {html.escape(d.reference or 'none')}</p>",
    ]
    if a.error:
        parts.append(f"<p class='warn'>Could not plot or analyse {html.escape(d.name)}: {html.escape(a.error)}</p>")
    if p:
        setting = html.escape(f"{p.view}, {plots.label(p.params) if p.params else 'defaults'}")
        prows = "".join(
            f"<tr><th>{html.escape(t)}</th><td>{c}</td></tr>" for (t, _), c in zip(PROPERTY_COLUMNS, _cells(p))
        )
        parts.append(f"<h3>Properties <span class='meta'>({setting})</span></h3><table>{prows}</table>")
    if a.png:
        alt = html.escape(f"{d.name}: f, f′ and f″")
        parts.append(
            f"<h3>Plot</h3><img class='plot' src='images/{html.escape(a.png)}' {_IMG_SIZE} alt='{alt}' loading='lazy'>"
        )
    parts.append("<p class='top'><a href='#top'>back to top ↑</a></p></section>")
    return "".join(parts)


def _run(names: list[str], out: Path, jobs: int, progress: bool, executor: Executor | None) -> dict[str, Analysis]:
    results: dict[str, Analysis] = {}
    bar = tqdm(total=len(names), desc="report", unit="act", disable=not progress)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    pooled = [n for n in names if not declaration(n).user_defined] if executor or (jobs > 1 and forkable) else []
    local = [n for n in names if n not in pooled]
    if pooled:
        with contextlib.ExitStack() as stack:
            if executor is None:
                context = multiprocessing.get_context("fork")
                executor = stack.enter_context(ProcessPoolExecutor(jobs, mp_context=context))
            for res in executor.map(_analyse, pooled, [str(out)] * len(pooled)):
                results[res.name] = res
                bar.update()
    threads = torch.get_num_threads()
    try:
        for n in local:
            results[n] = _analyse(n, str(out))
            bar.update()
    finally:
        torch.set_num_threads(threads)
    bar.close()
    return results


def _toc(found: list[tuple[str, sections.Section, str]]) -> str:
    items = [("gallery", "Gallery"), ("explorer-section", "Explorer"), ("properties", "Properties")]
    items += [(f"ext-{k}", s.nav or s.title) for k, s, _ in found]
    return "".join(f"<li><a href='#{k}'>{html.escape(t)}</a></li>" for k, t in items)


def build(
    out: str | Path = "actlab-report",
    only: Iterable[str] | None = None,
    jobs: int = 2,
    progress: bool = True,
    before_sections: Callable[[], Any] | None = None,
    executor: Executor | None = None,
) -> Path:
    """Write the atlas to ``out`` (``index.html`` and its files); return the index path.
    ``before_sections`` is called once the activations are done, before ``out/data`` is read
    (``actlab report`` waits there for the sweep and arena it runs alongside); ``executor``: a
    (forked) process pool to analyse the activations on instead of ``jobs`` new workers."""
    out = Path(out)
    decls = [declaration(n) for n in only] if only else declarations()
    names = [d.name for d in decls]
    (out / "images").mkdir(parents=True, exist_ok=True)
    results = _run(names, out, jobs, progress, executor)
    props = {n: properties.Properties(**results[n].props) if results[n].props else None for n in names}

    glyphs: dict[str, str] = {}
    for r in results.values():
        for _, f in r.formulas:
            if isinstance(f, formula.Inline):
                glyphs.update(f.glyphs)
    ids = formula.short_ids(glyphs)
    gallery, parts, nav = [], [], []
    for d in decls:
        a = results[d.name]
        parts.append(_activation_html(d, a, props[d.name], ids))
        key = _filter_key(d)
        if a.png:
            name = html.escape(d.name)
            img = f"<img src='images/{html.escape(a.png)}' alt='{name}' {_IMG_SIZE} loading='lazy'>"
            link = f"<a href='#{anchor(d)}'>{img}</a>"
            gallery.append(f"<figure data-filter='{key}'>{link}<figcaption>{name}</figcaption></figure>")
        nav.append(f"<li data-filter='{key}'><a href='#{anchor(d)}'>{html.escape(d.name)}</a></li>")

    if before_sections is not None:
        before_sections()
    ctx = sections.Context(out, tuple(names), torch.__version__)
    found = sections.render_all(ctx)
    ext = "".join(
        f"<section id='ext-{html.escape(k)}'><h2>{html.escape(s.title)}</h2>{body}"
        "<p class='top'><a href='#top'>back to top ↑</a></p></section>"
        for k, s, body in found
    )
    initial = ",".join(n for n in EXPLORER_INITIAL if n in names) or ",".join(names[:1])
    page = Template((HERE / "template.html").read_text()).substitute(
        count=len(decls),
        torch=html.escape(torch.__version__),
        time=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        toc=_toc(found),
        nav="".join(nav),
        gallery="\n".join(gallery),
        properties=_properties_table(decls, props),
        extensions=ext,
        activations="".join(parts),
        glyphs=formula.glyph_defs(glyphs, ids),
        explorer_initial=html.escape(initial),
        explorer_data=explorer.payload([results[n].explorer for n in names]),
    )
    shutil.copyfile(HERE / "style.css", out / "style.css")
    for asset in ASSETS:
        shutil.copyfile(HERE / "assets" / asset, out / asset)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
