"""The API reference pages: mkdocstrings directives (``::: actlab.functional``) over the public
names, which the stubs (:mod:`actlab.stubs`) make visible to static analysis, and the generated
tables of what mkdocstrings cannot see: the ``actlab.autograd`` Functions and the
``torch.ops.actlab`` operators with their schemas."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import ops
from ..registry import declarations
from ..stubs import functional_names, nn_names
from . import activation_pages

FOLDER = "api"
DECLARATION_CLASSES = (
    "Activation",
    "Param",
    "Elementwise",
    "Random",
    "Normalizer",
    "SplitGate",
    "Parametric",
    "VectorMap",
    "ParametricNormalizer",
)
TOP_LEVEL = (
    "get",
    "declaration",
    "declarations",
    "names",
    "register",
    "convert",
    "ConversionError",
    "ConversionReport",
    "register_mapping",
    "plot_activation_function",
    "plot_activation_module",
)


@dataclass(frozen=True)
class Page:
    """One reference page: its file, title and Markdown."""

    path: str
    title: str
    text: str


def _directive(identifier: str, members: tuple[str, ...] | list[str] | None = None, heading: int = 2) -> str:
    lines = [f"::: {identifier}", "    options:", f"      heading_level: {heading}"]
    if members is not None and not members:
        lines.append("      members: false")
    elif members is not None:
        lines.append("      members:")
        lines += [f"        - {m}" for m in members]
    return "\n".join(lines) + "\n"


def _page(name: str, title: str, intro: str, *blocks: str) -> Page:
    return Page(f"{FOLDER}/{name}.md", title, "\n".join([f"# {title}", "", intro, "", *blocks]))


def autograd_table() -> str:
    """Every ``actlab.autograd.<Name>Function`` with the arguments of its ``apply``."""
    rows = ["| Function | `apply` arguments | activation |", "|---|---|---|"]
    for d in declarations():
        if d.user_defined:
            continue
        tensors = tuple(getattr(d, "tensor_params", ()))
        args = ", ".join(["x", *tensors, *ops.operator(d).param_names])
        page = activation_pages.page_path(d.name).removeprefix("activations/")
        rows.append(f"| `{d.name}Function` | `apply({args})` | [{d.name}](../activations/{page}) |")
    return "\n".join(rows) + "\n"


def operator_schemas() -> dict[str, list[str]]:
    """The schemas of the ``torch.ops.actlab`` ops, grouped by the declaration they belong to."""
    schemas = {
        str(s.name).removeprefix("actlab::"): str(s)
        for s in torch._C._jit_get_all_schemas()  # every registered schema, the custom ops' included
        if str(s.name).startswith("actlab::")
    }
    out: dict[str, list[str]] = {}
    for d in declarations():
        if d.user_defined:
            continue
        base = d.function
        own = sorted(n for n in schemas if n == base or n.startswith(f"{base}_") or n == f"{base}_")
        out[d.name] = [schemas[n] for n in own]
    return out


def operators_page() -> Page:
    groups = operator_schemas()
    total = sum(len(v) for v in groups.values())
    blocks = [
        _directive("actlab.ops", members=[]),
        "## What each kind's ops compute",
        "",
        _directive("actlab.ops.elementwise", members=[], heading=3),
        _directive("actlab.ops.vector", members=[], heading=3),
        _directive("actlab.ops.parametric", members=[], heading=3),
        _directive("actlab.ops.random", members=[], heading=3),
        f"## Schemas ({total} ops)",
        "",
        "Grouped by activation; each links the activation's page.",
        "",
    ]
    for name, schemas in groups.items():
        page = activation_pages.page_path(name).removeprefix("activations/")
        blocks += [f"### {name}", "", f"[{name}](../activations/{page})", "", "```text", *schemas, "```", ""]
    intro = (
        "Every declaration is a set of `torch.ops.actlab` custom operators: the forward, its backward "
        "(the hand-derived f′), double backward (f″) and the partials autograd may ask for. "
        "torch.compile, torch.export and fx record these ops."
    )
    return _page("operators", "Operators (torch.ops.actlab)", intro, *blocks)


def pages() -> list[Page]:
    """Every reference page, in the navigation's order."""
    nn_members = [n for n in nn_names() if n != "module_for"] + ["module_for"]
    return [
        _page(
            "actlab",
            "actlab",
            "The top-level API: look up, build, register and convert. Deprecated: `actlab.spec(name)`, the "
            "former name of `declaration`, and the module `actlab.spec`, the former home of the "
            "[declaration classes](declarations.md) (both warn).",
            _directive("actlab", members=list(TOP_LEVEL)),
        ),
        _page(
            "nn",
            "actlab.nn",
            f"torch.nn-compatible module classes ({len(nn_members)} names; the catalog's are resolved by name "
            "and declared in the stub `actlab/nn/__init__.pyi`).",
            _directive("actlab.nn", members=nn_members),
            _directive("actlab.nn.generic", members=["ElementwiseModule", "AlongDimModule", "ParametricModule"]),
        ),
        _page(
            "functional",
            "actlab.functional",
            f"torch.nn.functional-compatible functions ({len(functional_names())} names, declared in the stub "
            "`actlab/functional.pyi`).",
            _directive("actlab.functional", members=functional_names()),
        ),
        _page(
            "autograd",
            "actlab.autograd",
            "Seed-style autograd Functions, one per activation.",
            _directive("actlab.autograd", members=[]),
            "## Functions",
            "",
            autograd_table(),
        ),
        operators_page(),
        _page(
            "declarations",
            "Declarations",
            "The classes a declaration subclasses (see [Extending](../extending.md)), and the registry.",
            _directive("actlab.kinds", members=list(DECLARATION_CLASSES)),
            _directive("actlab.registry", members=["register", "unregister", "names", "declaration", "declarations"]),
        ),
        _page(
            "convert",
            "Conversion",
            "Swap a model's activations for actlab's and back; teach `convert` a library's classes.",
            _directive("actlab.convert"),
            _directive("actlab.mappings"),
        ),
        _page("bench", "Benchmarks", "`actlab bench` as a library.", _directive("actlab.bench")),
        _page(
            "arena",
            "Arena",
            "`actlab arena` as a library: tasks, sweeps, statistics, engines.",
            _directive("actlab.arena"),
        ),
        _page(
            "report",
            "Report",
            "The atlas (`actlab report`) and its extension point, `register_section`.",
            _directive("actlab.report"),
            _directive("actlab.report.sections", members=["Context", "Section", "register_section"]),
        ),
        _page(
            "analysis",
            "Analysis",
            "Plots, properties, kinks and the accuracy sweep.",
            _directive("actlab.analysis.plots", members=["figure", "save", "gallery"]),
            _directive("actlab.analysis.properties", members=["Properties", "compute", "for_plot_params"]),
            _directive("actlab.analysis.accuracy", members=["run_sweep", "Record", "Stat", "table", "save_json"]),
        ),
        _page(
            "stubs",
            "Type stubs",
            "`functional.pyi` and `nn/__init__.pyi`, generated from the registry.",
            _directive("actlab.stubs", members=["functional_stub", "nn_stub", "stale", "main"]),
        ),
    ]
