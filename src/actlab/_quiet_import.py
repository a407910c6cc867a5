"""Importing actlab without a full garbage collection.

actlab's import allocates some 100,000 long-lived objects (600 operator schemas, their kernels
and rules, the nn classes) and none of them is garbage; with torch loaded, that many allocations
trigger one full collection of torch's heap (90 ms on a 2-vCPU EPYC: a third of actlab's import).
The collector is paused while the package is imported and restored as it was found.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (no-op when it is already off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
