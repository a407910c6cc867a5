"""The ``actlab`` command line: ``actlab [--import MODULE] <command> [args]``.

Each command lives in its own module under :mod:`actlab.commands` exposing
``HELP: str``, ``add_arguments(parser)`` and ``run(args) -> int``; they are discovered here,
so adding a command means adding one file. User activations are loaded first for every command
(``--import``, ``ACTLAB_IMPORT``, the ``actlab.activations`` entry points: :mod:`actlab.plugins`).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from . import commands
from .errors import ParameterTypeError

ATLAS_PACKAGES = ("matplotlib", "mpmath", "tqdm", "sklearn")  # pyproject's [atlas] extra


def _command_modules() -> dict[str, object]:
    found = {}
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found[info.name.replace("_", "-")] = importlib.import_module(f"{commands.__name__}.{info.name}")
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actlab",
        description="Every PyTorch activation from scratch: math, f' and f'', accuracy, plots, benchmarks.",
    )
    parser.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import a module (name or .py file) that registers activations, before the command; repeatable "
        "(also: ACTLAB_IMPORT=mod1,mod2 and the 'actlab.activations' entry-point group)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, mod in _command_modules().items():
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)  # type: ignore[attr-defined]
        mod.add_arguments(p)  # type: ignore[attr-defined]
        p.set_defaults(_run=mod.run)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from . import plugins

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        plugins.load(args.imports)
    except plugins.PluginError as exc:
        print(f"actlab: error: {exc}", file=sys.stderr)
        return 2
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except (KeyError, ValueError, ParameterTypeError) as exc:  # unknown names, bad --param values
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # no repr quotes
        print(f"actlab {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # a lean install: the atlas's dependencies are an extra
        if (exc.name or "").split(".")[0] not in ATLAS_PACKAGES:
            raise
        print(f"actlab {args.command}: needs the atlas extra ({exc.name} is missing): pip install 'actlab[atlas]'",
              file=sys.stderr)  # fmt: skip
        return 2


if __name__ == "__main__":
    sys.exit(main())
