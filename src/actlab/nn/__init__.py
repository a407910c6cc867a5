"""torch.nn-compatible modules: the 28 activations of torch.nn (same names, signatures, defaults,
``inplace``, ``extra_repr``, state_dict keys), MultiheadAttention / AdaptiveLogSoftmaxWithLoss built
on actlab's softmax, GatedMLP, and every other registered declaration by its class name.

Extras (Swish, QuickGELU, SwiGLU, Sparsemax, ... and any declaration added later) are resolved by
name through the module's ``__getattr__``: the generic module class of their kind
(:func:`actlab.nn.generic.module_for`), built once, so a new activation needs no edit here.
StarReLU and Snake keep their reference implementations' constructors (:mod:`actlab.nn.modern`).
"""

from typing import Any

from ..registry import declarations
from .activation import *  # noqa: F403
from .activation import __all__ as _act_all
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention
from .funnel import FReLU  # noqa: F401  (sets the declaration's module class)
from .gated_mlp import GatedMLP
from .generic import ActivationModule, ElementwiseModule, module_for
from .losses import Entmax15Loss, EntmaxBisectLoss, SparsemaxLoss  # noqa: F401
from .modern import *  # noqa: F403
from .modern import __all__ as _modern_all

_EXTRAS: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    """The module class of any other registered declaration, by its name (built once)."""
    cls = _EXTRAS.get(name)
    if cls is None:
        decl = next((d for d in declarations() if d.name == name and not d.user_defined), None)
        if decl is None:
            raise AttributeError(f"module 'actlab.nn' has no attribute {name!r}")
        cls = _EXTRAS[name] = decl.module_class if decl.module_class is not None else module_for(decl)
    return cls


for _decl in declarations():  # every built-in declaration has its module class from the start
    if not _decl.user_defined and _decl.module_class is None:
        _EXTRAS[_decl.name] = module_for(_decl)


def __dir__() -> list[str]:
    return sorted({*globals(), *(d.name for d in declarations() if not d.user_defined)})


__all__ = [
    *_act_all,
    *_modern_all,
    "ActivationModule",
    "ElementwiseModule",
    "MultiheadAttention",
    "AdaptiveLogSoftmaxWithLoss",
    "GatedMLP",
    "FReLU",
    "SparsemaxLoss",
    "Entmax15Loss",
    "EntmaxBisectLoss",
    "module_for",
]
__all__ += sorted({d.name for d in declarations() if not d.user_defined} - set(__all__))
