"""torch.nn-compatible modules: the 28 activations of torch.nn (same names, signatures,
defaults, ``inplace``, ``extra_repr``, state_dict keys), our extras, and
MultiheadAttention / AdaptiveLogSoftmaxWithLoss."""

from .activation import *  # noqa: F403
from .activation import __all__ as _act_all
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .attention import MultiheadAttention
from .gated_mlp import GatedMLP
from .modern import *  # noqa: F403
from .modern import __all__ as _modern_all

__all__ = [*_act_all, "MultiheadAttention", "AdaptiveLogSoftmaxWithLoss", *_modern_all, "GatedMLP"]
