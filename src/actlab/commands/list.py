"""``actlab list``: the registered activations with their torch counterpart and the first sentence
of their description (whole, markup stripped)."""

from __future__ import annotations

import argparse

HELP = "list the registered activations"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--family", help="only this family (sigmoidal, rectifier, ...)")


def run(args: argparse.Namespace) -> int:
    from ..docstring import first_sentence, summary
    from ..registry import declarations

    rows = [d for d in declarations() if not args.family or d.family == args.family]
    width = max((len(d.name) for d in rows), default=4)
    for d in rows:
        counterpart = f"torch.nn.{d.name}" if d.in_torch else "(actlab extra)"
        tag = " [user]" if d.user_defined else ""
        print(f"{d.name:<{width}}  {counterpart:<24} {first_sentence(summary(d.__doc__, d.name))}{tag}")
    print(f"{len(rows)} activations")
    return 0
