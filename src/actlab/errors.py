"""Exception types. Where torch raises a given type for a bad argument we raise a subclass of it
that is also a ``ValueError``, so ``except RuntimeError`` (torch parity) and ``except ValueError``
(the natural Python reading) both work."""

from __future__ import annotations


class ParameterError(ValueError, RuntimeError):
    """A parameter is out of its valid range (torch raises ``RuntimeError`` at call time)."""


class ParameterAssertionError(ValueError, AssertionError):
    """A constructor argument is invalid where torch raises ``AssertionError`` (e.g. Hardtanh)."""


class ShapeError(ValueError, RuntimeError):
    """The input's shape does not fit the activation (e.g. GLU's split dim is odd)."""


class InputTypeError(TypeError, NotImplementedError):
    """The input's dtype is not supported (torch raises NotImplementedError from its kernels)."""


class DtypeError(TypeError, RuntimeError):
    """Tensors whose dtypes must agree do not (torch raises ``RuntimeError``: no type promotion)."""


class ParameterTypeError(TypeError):
    """A parameter value has the wrong type (torch's argument parser raises ``TypeError``)."""


class ScriptingError(RuntimeError):
    """``torch.jit.script`` of an actlab module: TorchScript cannot compile actlab's Python operators."""
