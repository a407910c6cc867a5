"""``actlab show NAME [--param k=v ...]``: formula (as text, and its LaTeX), the docstring's
equations and derivatives, parameters, kinks, computed properties, and the f / f' / f'' plot
written to a PNG named after the setting (``ELU_alpha=0.5.png``; its path is printed last)."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
from typing import Any

HELP = "show one activation: formula, parameters, properties and a plot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--param", action="append", default=[], metavar="K=V", help="parameter value (repeatable)")
    parser.add_argument(
        "--out", type=Path, default=Path("actlab-plots"), help="directory of the PNG (default actlab-plots)"
    )


def parse_params(items: list[str], known: dict[str, Any]) -> dict[str, Any]:
    """``["alpha=0.5", "approximate=tanh"]`` -> ``{"alpha": 0.5, "approximate": "tanh"}`` (Python
    literals where they parse, else strings); unknown names raise ValueError."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects K=V, got {item!r}")
        if key not in known:
            raise ValueError(f"unknown parameter {key!r}; known: {', '.join(known) or 'none'}")
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            out[key] = raw
    return out


def run(args: argparse.Namespace) -> int:
    from ..analysis import kinks, plots, properties
    from ..docstring import math_lines, parse, summary
    from ..latex_text import to_text
    from ..registry import declaration

    decl = declaration(args.name)
    p = parse_params(args.param, dict(decl.params))
    try:
        decl.validate(**p)
    except TypeError as exc:  # a value of the wrong type: a bad --param, reported like the others
        raise ValueError(str(exc)) from exc
    props = properties.compute(decl, **p)
    yes = {True: "yes", False: "no", None: "n/a"}
    kind = decl.family if decl.kind_label in ("", decl.family) else f"{decl.family}, {decl.kind_label}"
    print(f"{decl.name}  ({kind})  {summary(decl.__doc__, decl.name)}")
    print(f"formula:    {to_text(decl.formula) if decl.formula else '(none declared)'}")
    if decl.formula:
        print(f"LaTeX:      {decl.formula}")
    for line in (ln for block in parse(decl.__doc__).math for ln in math_lines(block)):
        print(f"            {to_text(line)}")
    print(f"reference:  {decl.reference or '(none)'}")
    for k, v in decl.params.items():
        print(f"param:      {k} = {p.get(k, v.default)!r}  (default {v.default!r}, valid {v.valid}) {v.doc}")
    found = kinks.kinks(decl, {**decl.plot_params[0], **p})
    where = ", ".join(properties.fmt(k) for k in found) or "none"
    print(
        f"kinks:      {where} on [{decl.x_range[0]:g}, {decl.x_range[1]:g}]"
        + (f"; {decl.kink_convention}" if decl.kink_convention else "")
    )
    print(f"properties of {props.view} with {plots.label(props.params) if props.params else 'defaults'}:")
    print(f"  range {props.range_str()}, monotonic: {props.monotonic}, smoothness: {props.smoothness}")
    f0, df0, lip = (properties.fmt(v) for v in (props.f0, props.df0, props.lipschitz))
    print(f"  f(0) = {f0}, f'(0) = {df0}, max|f'| = {lip}")
    print(f"  bounded below: {yes[props.bounded_below]}, above: {yes[props.bounded_above]}")
    print(f"  saturating: {props.saturating}, zero-centred: {yes[props.zero_centred]}")
    if props.mean is not None:
        print(f"  z ~ N(0,1): E f(z) = {properties.fmt(props.mean, 6)}, Var f(z) = {properties.fmt(props.variance, 6)}")
    stem = plots.file_stem(decl.name, p)  # one file per setting: alpha=0.5 and alpha=-1 do not overwrite each other
    if p:  # plot the chosen setting rather than the declaration's overlays
        decl = type(decl.name, (decl,), {"plot_params": (dict(p),), "__doc__": decl.__doc__})
    print(plots.save(decl, args.out, "png", stem=stem))
    return 0
