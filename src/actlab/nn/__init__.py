"""torch.nn-compatible modules: the 28 activations of torch.nn (same names, signatures,
defaults, ``inplace``, ``extra_repr``, state_dict keys), our extras, and
MultiheadAttention / AdaptiveLogSoftmaxWithLoss."""

from .activation import *  # noqa: F403
from .activation import ActivationModule
from .activation import __all__ as _act_all

__all__ = ["ActivationModule", *_act_all]
