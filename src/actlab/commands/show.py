"""``actlab show NAME [--param k=v ...]``: formula, parameters, computed properties, and the
f / f' / f'' plot written to a PNG (its path is printed)."""

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
    from ..analysis import plots, properties
    from ..registry import spec

    decl = spec(args.name)
    p = parse_params(args.param, dict(decl.params))
    decl.validate(**p)
    props = properties.compute(decl, **p)
    print(f"{decl.name}  ({decl.family}, {decl.kind})  {decl.summary()}")
    print(f"formula:    {decl.formula or '(none declared)'}")
    print(f"reference:  {decl.reference or '(none)'}")
    for k, v in decl.params.items():
        print(f"param:      {k} = {p.get(k, v.default)!r}  (default {v.default!r}, valid {v.valid}) {v.doc}")
    if decl.kink_convention:
        print(f"kinks:      {decl.kink_convention}")
    print(f"properties of {props.view} with {plots.label(props.params) if props.params else 'defaults'}:")
    print(f"  range {props.range_str()}, monotonic: {props.monotonic}, smoothness: {props.smoothness}")
    f0, df0, lip = (properties.fmt(v) for v in (props.f0, props.df0, props.lipschitz))
    print(f"  f(0) = {f0}, f'(0) = {df0}, max|f'| = {lip}")
    print(f"  saturating: {props.saturating}, zero-centred: {props.zero_centred}")
    if props.mean is not None:
        print(f"  z ~ N(0,1): E f(z) = {properties.fmt(props.mean, 6)}, Var f(z) = {properties.fmt(props.variance, 6)}")
    if p:  # plot the chosen setting rather than the declaration's overlays
        decl = type(decl.name, (decl,), {"plot_params": (dict(p),), "__doc__": decl.__doc__})
    print(plots.save(decl, args.out, "png"))
    return 0
