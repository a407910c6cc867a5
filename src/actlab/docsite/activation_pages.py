"""A Markdown page per registered activation, written from its declaration alone (formula, f' and
f'' from its docstring, plot, parameters, kinks, properties, accuracy, speed, paper, torch
counterpart, a runnable example), and the index by family with thumbnails. A new declaration gets
its page without any edit here."""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable
from typing import Any

from .. import docstring
from ..analysis import accuracy, plots, properties, sampling
from ..kinds import Activation, Parametric, Random
from ..report import builder
from ..report.speed_section import vs_torch
from . import rst
from .figures import Figure
from .measurements import Measurements

FOLDER = "activations"
IMAGES = "img"
CHANNELS = 4  # the example's channel count (dim 1) for shape-changing maps and Softmax2d


def page_path(name: str) -> str:
    """The page of activation ``name``, relative to the docs folder."""
    return f"{FOLDER}/{plots.file_stem(name)}.md"


def image_path(name: str) -> str:
    """The plot of activation ``name``, relative to the docs folder."""
    return f"{FOLDER}/{IMAGES}/{plots.file_stem(name)}.png"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    head = list(head)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def counterpart(decl: type[Activation]) -> str:
    """``torch.nn.ELU`` / ``torch.nn.functional.elu``, or why there is none."""
    if decl.in_torch:
        return f"`torch.nn.{decl.name}` · `torch.nn.functional.{decl.function}`"
    return "user-defined (no torch counterpart)" if decl.user_defined else "none in torch (an actlab extra)"


def math_lines(decl: type[Activation]) -> list[str]:
    """The equations of the docstring's ``.. math::`` blocks, one per line (f, f', f'' ...)."""
    blocks = docstring.parse(decl.__doc__).math
    return [line for block in blocks for line in docstring.math_lines(block)]


def _prose(decl: type[Activation]) -> list[str]:
    return [rst.inline(p) for p in docstring.parse(decl.__doc__).paragraphs]


def _parameters(decl: type[Activation]) -> list[str]:
    if not decl.params:
        return ["No parameters.", ""]
    rows = [(f"`{k}`", f"`{v.default!r}`", v.valid, v.doc) for k, v in decl.params.items()]
    plotted = "; ".join(sampling.label(p) for p in decl.plot_params if p) or "the defaults"
    return [*_table(("parameter", "default", "valid", "meaning"), rows), f"Plotted with: {plotted}.", ""]


def _kinks(decl: type[Activation], fig: Figure) -> list[str]:
    where = ", ".join(properties.fmt(k) for k in fig.kinks) or "none"
    text = builder.kinks_text(decl, fig.kinks)  # the report's wording, as HTML
    convention = decl.kink_convention or "none stated"
    if "Convention" not in text:
        return [f"On the plotted range: {where} ({_plain(text)}).", ""]
    return [f"At the first plotted setting: {where}.", "", f"Convention at a kink: {convention}.", ""]


def _plain(html_text: str) -> str:
    for tag in ("<b>", "</b>"):
        html_text = html_text.replace(tag, "")
    return html_text.split(":", 1)[0].strip()


def _properties(fig: Figure) -> list[str]:
    p = fig.props
    if p is None:
        return [f"Not computed: {fig.error or 'no result'}.", ""]
    yes = {True: "yes", False: "no", None: "n/a"}
    rows = [
        ("range", p.range_str()),
        ("monotonic", p.monotonic),
        ("smoothness", p.smoothness),
        ("bounded below / above", f"{yes[p.bounded_below]} / {yes[p.bounded_above]}"),
        ("zero-centred", yes[p.zero_centred]),
        ("f(0)", properties.fmt(p.f0)),
        ("f′(0)", properties.fmt(p.df0)),
        ("max |f′| (Lipschitz)", properties.fmt(p.lipschitz)),
        ("saturating", p.saturating),
        ("E f(z), z ~ N(0, 1)", properties.fmt(p.mean)),
        ("Var f(z)", properties.fmt(p.variance)),
    ]
    setting = sampling.label(p.params) if p.params else "defaults"
    return [f"Computed on {p.view} at {setting}.", "", *_table(("property", "value"), rows)]


def _ulp(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return "inf" if math.isinf(v) else accuracy.format_ulp(v)


def _accuracy(decl: type[Activation], m: Measurements) -> list[str]:
    records = m.accuracy.get(decl.name)
    if not records:
        return ["Not in the accuracy sweep's data (`docs/data/accuracy.json`).", ""]
    rows = [
        (
            r["op"],
            "f" if r["kind"] == "forward" else "f′",
            _ulp(r.get("actlab_max_ulp")),
            _ulp(r.get("torch_max_ulp")),
            _ulp(r.get("actlab_mean_ulp")),
            _ulp(r.get("torch_mean_ulp")),
        )
        for r in records
    ]
    meta = m.accuracy_meta
    source = f"{meta.get('size', '?')} sweep, torch {meta.get('torch', '?')}, {meta.get('time', '?')}"
    head = ("setting", "of", "actlab max ulp", "torch max ulp", "actlab mean", "torch mean")
    return [
        f"float32 errors in ulps against 128-bit mpmath ({source}; — : torch has no such op).",
        "See [the accuracy method](../accuracy.md).",
        "",
        *_table(head, rows),
    ]


def _speed(decl: type[Activation], m: Measurements) -> list[str]:
    rows_in = m.speed.get(decl.name)
    if not rows_in:
        return ["Not measured in the benchmark's data (`docs/data/bench.json`).", ""]
    rows = []
    for r in rows_in:
        ratio, _ = vs_torch(r)
        ms = r.get("ms") or {}
        rows.append(
            (
                f"{r['numel']:,}",
                "forward" if r["pass"] == "fwd" else "forward + backward",
                f"{ms['torch']:.3f}" if ms.get("torch") else "—",
                f"{ms['actlab']:.3f}" if ms.get("actlab") else "—",
                f"{ratio:.2f}" if ratio else "—",
            )
        )
    meta = m.speed_meta
    source = f"torch {meta.get('torch', '?')}, {meta.get('threads', '?')} thread(s), {meta.get('time', '?')}"
    head = ("elements", "pass", "torch ms", "actlab ms", "actlab / torch")
    return [
        f"float32 CPU times ({source}); below 1: actlab is faster.",
        "See [the performance method](../performance.md).",
        "",
        *_table(head, rows),
    ]


def example_kwargs(decl: type[Activation]) -> dict[str, Any]:
    """The constructor arguments of the example: the first plotted setting's."""
    kwargs = sampling.module_kwargs(decl, decl.plot_params[0])
    if "dim" in kwargs and kwargs["dim"] is None:
        kwargs["dim"] = -1
    return kwargs


def example(decl: type[Activation]) -> list[str]:
    """A short runnable example: the module on a random batch, and torch's module beside it."""
    kwargs = example_kwargs(decl)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    channels = kwargs.get("in_channels", CHANNELS)
    lines = [
        "```python",
        "import torch",
        "",
        "import actlab",
        "",
        f"m = actlab.nn.{decl.name}({args})",
        f"x = torch.randn(2, {channels}, 8, 8, requires_grad=True)",
        *(["m.eval()  # training draws random slopes"] if issubclass(decl, Random) else []),
        "y = m(x)",
        "y.sum().backward()  # the hand-derived f'",
    ]
    if decl.in_torch:
        torch_args = args if not issubclass(decl, Parametric) else ""
        lines += [
            f"ref = torch.nn.{decl.name}({torch_args})" + (".eval()" if issubclass(decl, Random) else ""),
            "torch.testing.assert_close(y, ref(x))",
        ]
    elif not issubclass(decl, Parametric) and decl.function:
        lines += [f"torch.testing.assert_close(y, actlab.functional.{decl.function}(x, {args}))"]
    return [*lines, "```", ""]


def page(decl: type[Activation], fig: Figure, m: Measurements) -> str:
    """The Markdown of ``decl``'s page."""
    family = decl.family or "user"
    lines = [
        f"# {decl.name}",
        "",
        *(f"{p}\n" for p in _prose(decl)),
        f"**torch counterpart:** {counterpart(decl)} · **family:** [{family}](index.md#{family}) · "
        f"**kind:** {decl.kind_label or 'user'} · **API:** [`actlab.nn.{decl.name}`][actlab.nn.{decl.name}]",
        "",
        "## Formula",
        "",
    ]
    lines += ["$$", decl.formula, "$$", ""] if decl.formula else ["No formula stated.", ""]
    derived = math_lines(decl)
    if derived:
        lines += ["## f, f′ and f″", "", "From the declaration's docstring:", ""]
        for line in derived:
            lines += ["$$", line, "$$", ""]
    lines += ["## Plot", ""]
    if fig.png is not None:
        lines += [f"![{decl.name}: f, f′ and f″]({IMAGES}/{plots.file_stem(decl.name)}.png)", ""]
    else:
        lines += [f"Not plotted: {fig.error or 'no figure'}.", ""]
    lines += ["## Parameters", "", *_parameters(decl)]
    lines += ["## Kinks", "", *_kinks(decl, fig)]
    lines += ["## Properties", "", *_properties(fig)]
    lines += ["## Accuracy", "", *_accuracy(decl, m)]
    lines += ["## Speed", "", *_speed(decl, m)]
    lines += ["## Paper", "", decl.reference or "None stated.", ""]
    lines += ["## Example", "", *example(decl)]
    return "\n".join(lines)


def family_summary(family: str) -> str:
    """The first paragraph of the family module's docstring (``actlab/activations/<family>.py``)."""
    try:
        module = importlib.import_module(f"actlab.activations.{family}")
    except ImportError:
        return ""
    paras = docstring.parse(module.__doc__).paragraphs
    return rst.inline(paras[0]) if paras else ""


def families(decls: Iterable[type[Activation]]) -> dict[str, list[type[Activation]]]:
    """The declarations by family, in registration order."""
    out: dict[str, list[type[Activation]]] = {}
    for d in decls:
        out.setdefault(d.family or "user", []).append(d)
    return out


def index(decls: list[type[Activation]], figs: dict[str, Figure]) -> str:
    """The index page: every activation by family, each a thumbnail of its plot linking its page."""
    groups = families(decls)
    lines = [
        "# Activations",
        "",
        f"{len(decls)} activations in {len(groups)} families, each with its own page generated from its declaration "
        "(formula, f′ and f″, plot, parameters, kinks, properties, accuracy, speed, paper, example).",
        "",
        " · ".join(f"[{f}](#{f}) ({len(ds)})" for f, ds in groups.items()),
        "",
    ]
    for family, ds in groups.items():
        lines += [f"## {family}", "", family_summary(family), "", '<div class="thumbs" markdown>', ""]
        for d in ds:
            target = f"{plots.file_stem(d.name)}.md"
            if figs[d.name].png is not None:
                img = f"![{d.name}]({IMAGES}/{plots.file_stem(d.name)}.png){{ loading=lazy }}"
                lines.append(f"[{img}<br>{d.name}]({target}){{ .thumb }}")
            else:
                lines.append(f"[{d.name}]({target}){{ .thumb }}")
        lines += ["", "</div>", ""]
    return "\n".join(lines)
