"""Triton kernels for the ``torch.ops.actlab`` operators on CUDA (the optional ``gpu`` extra).

:func:`register` registers them for a dispatch key ("CUDA") on the existing ops: forward,
backward and double backward of the elementwise activations of ``native/csrc/list.h`` (the
torch.nn ones and the modern extras), the softmax family, the GLU family, PReLU and RReLU's
counter noise. The schemas, composite kernels, fake kernels and autograd rules stay, so
compile/export graphs keep one node per activation; float64 and any operands the kernels do not
take run the composite kernel (the declaration's math as torch ops).

The kernels compute in float32 from exact core operations (:mod:`actlab.gpu.prelude`) with the
CPU kernels' algorithms and accuracy; bfloat16/float16 are rounded once. Importing ``actlab``
registers them for CUDA by itself when Triton is installed and CUDA is available
(:func:`register_default`; ``ACTLAB_GPU=0`` turns it off); without either, Triton is never
imported. See docs/gpu.md.
"""

from __future__ import annotations

import importlib.util
import os


def available() -> bool:
    """Whether Triton is installed (``pip install actlab[gpu]``)."""
    return importlib.util.find_spec("triton") is not None


def register(key: str = "CUDA") -> tuple[str, ...]:
    """Register the Triton kernels for dispatch key ``key`` on every actlab op they serve that is
    defined and has none yet (``import actlab.functional`` defines them all; an op defined later
    gets its kernel at the next call, so calling it after each operator is built is cheap and
    safe). Returns the op names served. Raises ImportError without Triton."""
    from .registration import register as register_key

    return register_key(key)


def register_cuda() -> tuple[str, ...]:
    """Register for "CUDA" when Triton is installed and CUDA is available; () otherwise."""
    import torch

    if not available() or not torch.cuda.is_available():
        return ()
    return register("CUDA")


def register_default() -> tuple[str, ...]:
    """What ``import actlab`` does: :func:`register_cuda` unless the environment variable
    ``ACTLAB_GPU`` is ``0`` (the ops then run their composite kernels on CUDA)."""
    if os.environ.get("ACTLAB_GPU", "1") == "0":
        return ()
    return register_cuda()


__all__ = ["available", "register", "register_cuda", "register_default"]
