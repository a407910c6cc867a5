"""Load a user's own activations into the ``actlab`` command (every sub-command sees them):

* ``actlab --import MODULE_OR_FILE COMMAND ...`` (repeatable): a module name importable from the
  current directory, or a path to a ``.py`` file;
* ``ACTLAB_IMPORT=mod1,mod2`` (or separated by the path separator) in the environment;
* installed packages that declare an entry point in the group ``actlab.activations``
  (``[project.entry-points."actlab.activations"] mine = "my_package.activations"``).

Importing the module is all it takes: its ``@actlab.plot_activation_module`` /
``@actlab.plot_activation_function`` decorators (or ``actlab.register``) run on import.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

ENV = "ACTLAB_IMPORT"
GROUP = "actlab.activations"


class PluginError(ValueError):
    """A user module could not be imported (the message says which and why)."""


def _from_file(path: Path) -> ModuleType:
    name = f"actlab_user_{path.stem}"
    done = sys.modules.get(name)
    if done is not None and getattr(done, "__file__", None) == str(path):
        return done  # once per process (cli.main may run many times in one)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def import_one(target: str) -> ModuleType:
    """Import a module by name (the current directory first on the path) or a ``.py`` file."""
    path = Path(target)
    try:
        if target.endswith(".py") or path.is_file():
            if not path.is_file():
                raise PluginError(f"cannot import {target}: no such file")
            return _from_file(path.resolve())
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        return importlib.import_module(target)
    except PluginError:
        raise
    except ImportError as exc:
        raise PluginError(f"cannot import {target}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001  the user's module failed while running: say so, with its error
        raise PluginError(f"importing {target} failed: {type(exc).__name__}: {exc}") from exc


def from_env(value: str | None = None) -> list[str]:
    """The modules named in ``ACTLAB_IMPORT`` (commas or the path separator between them)."""
    value = os.environ.get(ENV, "") if value is None else value
    return [p.strip() for p in value.replace(os.pathsep, ",").split(",") if p.strip()]


def load_entry_points() -> list[str]:
    """Import every module registered in the ``actlab.activations`` entry-point group; their names."""
    loaded = []
    for ep in entry_points(group=GROUP):
        try:
            ep.load()
        except Exception as exc:  # noqa: BLE001  a broken plugin package must not break the command
            raise PluginError(
                f"entry point {ep.name} = {ep.value} ({GROUP}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        loaded.append(ep.value)
    return loaded


def load(targets: Iterable[str] = ()) -> list[str]:
    """Entry points, then ``ACTLAB_IMPORT``, then ``targets``: everything the CLI imports."""
    loaded = load_entry_points()
    for t in [*from_env(), *targets]:
        import_one(t)
        loaded.append(t)
    return loaded
