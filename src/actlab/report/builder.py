"""Build the atlas: ``<out>/index.html`` plus ``images/`` (plots, PNG) and ``formulas/`` (SVG)
beside it, a stylesheet, and any extension sections whose JSON exists under ``<out>/data/``.
Nothing is fetched from the network: it opens straight from disk."""

from __future__ import annotations

import datetime as _dt
import html
import multiprocessing
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from string import Template
from typing import Any

import torch
from tqdm import tqdm

from ..analysis import plots, properties
from ..registry import declarations, spec
from ..spec import Activation
from . import formula, sections

HERE = Path(__file__).parent
PROPERTY_COLUMNS = (
    ("range", "range"),
    ("monotonic", "monotonic"),
    ("smoothness", "smoothness"),
    ("bounded below / above", "bounded"),
    ("zero-centred", "zero_centred"),
    ("f(0)", "f0"),
    ("f'(0)", "df0"),
    ("max |f'|", "lipschitz"),
    ("saturating", "saturating"),
    ("E f(z)", "mean"),
    ("Var f(z)", "variance"),
)


def _analyse(name: str, out: str) -> tuple[str, str, dict[str, Any]]:
    """Plot and properties of one activation (runs in a worker process)."""
    torch.set_num_threads(1)
    decl = spec(name)
    png = plots.save(decl, Path(out) / "images", "png")
    return name, png.name, properties.for_plot_params(decl).__dict__


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


def _properties_table(decls: list[type[Activation]], props: dict[str, properties.Properties]) -> str:
    head = "<th>activation</th><th>view</th>" + "".join(f"<th>{html.escape(t)}</th>" for t, _ in PROPERTY_COLUMNS)
    rows = []
    for d in decls:
        p = props[d.name]
        cells = "".join(f"<td>{c}</td>" for c in _cells(p))
        rows.append(
            f"<tr><td><a href='#{_anchor(d)}'>{html.escape(d.name)}</a></td><td>{html.escape(p.view)}</td>{cells}</tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _anchor(d: type[Activation]) -> str:
    return "act-" + "".join(c if c.isalnum() else "-" for c in d.name)


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
        "<table><thead><tr><th>parameter</th><th>default</th><th>valid</th><th>meaning</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><p class='meta'>plotted with: {plotted}</p>"
    )


def _activation_html(
    d: type[Activation], png: str, fsvg: str | None, ferr: str | None, p: properties.Properties
) -> str:
    torch_name = f"torch.nn.{d.torch_name}" if d.torch_name else ("user-defined" if d.user_defined else "actlab extra")
    if fsvg:
        fhtml = f"<img class='formula' src='formulas/{fsvg}' alt='{html.escape(d.formula)}'>"
    else:
        why, tex = html.escape(ferr or ""), html.escape(d.formula)
        fhtml = f"<p class='warn'>formula not rendered ({why}); LaTeX: <code>{tex}</code></p>"
    prows = "".join(f"<tr><th>{html.escape(t)}</th><td>{c}</td></tr>" for (t, _), c in zip(PROPERTY_COLUMNS, _cells(p)))
    kinks = ", ".join(f"{k:g}" for k in plots.kinks_in_range(d, d.plot_params[0])) or "none"
    where = html.escape(f"{torch_name} · {d.family or 'no family'} · {d.kind}")
    setting = html.escape(f"{p.view}, {plots.label(p.params) if p.params else 'defaults'}")
    convention = html.escape(d.kink_convention or "none stated")
    return f"""<section class="activation" id="{_anchor(d)}">
<h2>{html.escape(d.name)} <span class="meta">{where}</span></h2>
<p>{html.escape(d.summary())}</p>
{fhtml}
<h3>Parameters</h3>{_params_html(d)}
<p><b>Kinks</b> (first plot setting): {html.escape(kinks)}. <b>Convention:</b> {convention}</p>
<p><b>Reference:</b> {html.escape(d.reference or "none")}</p>
<h3>Properties <span class="meta">({setting})</span></h3>
<table>{prows}</table>
<h3>Plot</h3><img class="plot" src="images/{png}" alt="{html.escape(d.name)}: f, f', f''">
</section>"""


def _run(names: list[str], out: Path, jobs: int, progress: bool) -> dict[str, tuple[str, dict[str, Any]]]:
    results: dict[str, tuple[str, dict[str, Any]]] = {}
    bar = tqdm(total=len(names), desc="report", unit="act", disable=not progress)
    user = [n for n in names if spec(n).user_defined]
    forkable = "fork" in multiprocessing.get_all_start_methods()
    pooled = [n for n in names if n not in user] if jobs > 1 and forkable else []
    local = [n for n in names if n not in pooled]
    if pooled:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as ex:
            for name, png, props in ex.map(_analyse, pooled, [str(out)] * len(pooled)):
                results[name] = (png, props)
                bar.update()
    threads = torch.get_num_threads()
    try:
        for n in local:
            name, png, props = _analyse(n, str(out))
            results[name] = (png, props)
            bar.update()
    finally:
        torch.set_num_threads(threads)
    bar.close()
    return results


def build(
    out: str | Path = "actlab-report", only: Iterable[str] | None = None, jobs: int = 2, progress: bool = True
) -> Path:
    """Write the atlas to ``out`` (``index.html`` and its images); return the index path."""
    out = Path(out)
    decls = [spec(n) for n in only] if only else declarations()
    names = [d.name for d in decls]
    (out / "formulas").mkdir(parents=True, exist_ok=True)
    results = _run(names, out, jobs, progress)
    props = {n: properties.Properties(**results[n][1]) for n in names}

    gallery, parts, nav = [], [], []
    for d in decls:
        png = results[d.name][0]
        fsvg = f"{png.rsplit('.', 1)[0]}.svg"
        ferr = formula.render(d.formula, out / "formulas" / fsvg)
        parts.append(_activation_html(d, png, None if ferr else fsvg, ferr, props[d.name]))
        img = f"<img src='images/{png}' alt='{html.escape(d.name)}' loading='lazy'>"
        gallery.append(
            f"<figure><a href='#{_anchor(d)}'>{img}</a><figcaption>{html.escape(d.name)}</figcaption></figure>"
        )
        nav.append(f"<a href='#{_anchor(d)}'>{html.escape(d.name)}</a>")

    ext = "".join(
        f"<section id='ext-{k}'><h2>{html.escape(t)}</h2>{body}</section>" for k, t, body in sections.render_all(out)
    )
    page = Template((HERE / "template.html").read_text()).substitute(
        count=len(decls),
        torch=html.escape(torch.__version__),
        time=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        nav="\n".join(nav),
        gallery="\n".join(gallery),
        properties=_properties_table(decls, props),
        extensions=ext,
        activations="".join(parts),
    )
    shutil.copyfile(HERE / "style.css", out / "style.css")
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
