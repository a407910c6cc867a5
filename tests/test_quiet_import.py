"""``import actlab`` with the garbage collector paused (actlab/_quiet_import.py)."""

from __future__ import annotations

import gc
import subprocess
import sys

from actlab._quiet_import import collector_paused


def test_importing_restores_the_collector() -> None:
    """``import actlab`` pauses the garbage collector (no full collection of torch's heap for its
    long-lived objects) and leaves it as it found it, on or off."""
    code = (
        "import gc, sys; import torch; gc.{}(); import actlab; "
        "assert gc.isenabled() is {}; assert 'actlab.ops' in sys.modules"
    )
    for call, state in (("enable", True), ("disable", False)):
        subprocess.run([sys.executable, "-c", code.format(call, state)], check=True)


def test_collector_paused_restores_on_error() -> None:
    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
