"""Activation classes of other libraries that :func:`actlab.convert` recognises.

A :class:`Mapping` names a third-party class by its qualified name (so nothing is imported:
transformers or timm need not be installed) and the actlab declaration with the same
mathematics, with how to read the constructor arguments off an instance and, for learnable
activations, how to move the state. ``convert(to="actlab")`` replaces each instance by the
actlab module and keeps the original object on it; ``convert(to="torch")`` restores that object
(its learnable state updated): an exact round trip.

Libraries add their classes with :func:`register_mapping`::

    actlab.register_mapping("mylib.layers.MyGELU", "GELU", config=lambda m: {"approximate": "tanh"})

Built in (each checked against the original in ``tests/test_mappings.py``):

* transformers ``activations``: GELUActivation (exact, or its Python erf form) -> GELU;
  NewGELUActivation, AccurateGELUActivation, GELUTanh -> GELU(approximate="tanh") (the same
  constant sqrt(2/pi)); FastGELUActivation -> GELU(tanh) (its constant 0.7978845608 differs from
  sqrt(2/pi) by 3.6e-12 relative, far below float32 rounding); ClippedGELUActivation(min, max) ->
  ClippedGELU; QuickGELUActivation -> QuickGELU; ReLUSquaredActivation -> SquaredReLU;
  SiLUActivation -> SiLU; MishActivation -> Mish; LaplaceActivation -> Laplace (MEGA's mu,
  sigma); XIELUActivation -> xIELU (the same raw softplus-inverse parameters, trained values back
  on the round trip; a beta or eps other than 0.5, -1e-6 is left with the reason);
* timm ``layers.activations`` / ``activations_me``: GELU, GELUTanh, QuickGELU, Swish / SwishMe
  -> SiLU, Mish / MishMe, HardSwish / HardSwishMe, HardSigmoid / HardSigmoidMe, HardMish /
  HardMishMe, PReLU, Sigmoid, Tanh. timm's ``_me`` backward takes other subgradients at the
  kinks of HardSwish (-0.5 and 1.5 at -3 and 3); actlab's are torch's (0 and 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

Config = Callable[[nn.Module], dict[str, Any]]


def _none(m: nn.Module) -> dict[str, Any]:
    return {}


def _inplace(m: nn.Module) -> dict[str, Any]:
    return {"inplace": bool(getattr(m, "inplace", False))}


@dataclass(frozen=True)
class Mapping:
    """A third-party activation class (``qualname``: module.Class) and its actlab declaration."""

    qualname: str
    target: str  # the actlab declaration's name
    config: Config = _none  # actlab constructor arguments read off an instance
    state: Callable[[nn.Module], dict[str, Any]] | None = None  # learnable state, as actlab's state_dict
    restore: Callable[[nn.Module, nn.Module], None] | None = None  # write actlab's state back into the original
    note: str = ""

    def differs(self) -> str:
        return f" ({self.note})" if self.note else ""


MAPPINGS: dict[str, Mapping] = {}
# modules whose classes are activations: an unmapped class from one of them is reported as left
ACTIVATION_MODULES = ("transformers.activations", "timm.layers.activations", "timm.layers.activations_me")


def register_mapping(
    qualname: str,
    target: str,
    *,
    config: Config = _none,
    state: Callable[[nn.Module], dict[str, Any]] | None = None,
    restore: Callable[[nn.Module, nn.Module], None] | None = None,
    note: str = "",
) -> Mapping:
    """Make :func:`actlab.convert` replace instances of ``qualname`` by actlab's ``target``."""
    mapping = Mapping(qualname, target, config, state, restore, note)
    MAPPINGS[qualname] = mapping
    return mapping


def qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def lookup(m: nn.Module) -> Mapping | None:
    return MAPPINGS.get(qualname(type(m)))


# ---- transformers ---------------------------------------------------------------------------
_TF = "transformers.activations."
_TANH_NOTE = "same constant sqrt(2/pi) as torch's tanh form"
for _name, _target, _config, _note in (
    ("GELUActivation", "GELU", _none, ""),
    ("NewGELUActivation", "GELU", lambda m: {"approximate": "tanh"}, _TANH_NOTE),
    ("AccurateGELUActivation", "GELU", lambda m: {"approximate": "tanh"}, _TANH_NOTE),
    ("GELUTanh", "GELU", lambda m: {"approximate": "tanh"}, ""),
    (
        "FastGELUActivation",
        "GELU",
        lambda m: {"approximate": "tanh"},
        "its 0.7978845608 is sqrt(2/pi) to 3.6e-12 relative, below float32 rounding",
    ),
    ("ClippedGELUActivation", "ClippedGELU", lambda m: {"min_val": float(m.min), "max_val": float(m.max)}, ""),
    ("QuickGELUActivation", "QuickGELU", _none, ""),
    ("ReLUSquaredActivation", "SquaredReLU", _none, ""),
    ("SiLUActivation", "SiLU", _none, ""),
    ("MishActivation", "Mish", _none, ""),
    ("LaplaceActivation", "Laplace", _none, "MEGA's mu = 0.707107, sigma = 0.282095"),
):
    register_mapping(_TF + _name, _target, config=_config, note=_note)

# ---- timm -------------------------------------------------------------------------------------
_TIMM, _TIMM_ME = "timm.layers.activations.", "timm.layers.activations_me."
for _name, _target, _config in (
    ("GELU", "GELU", _none),
    ("GELUTanh", "GELU", lambda m: {"approximate": "tanh"}),
    ("QuickGELU", "QuickGELU", _none),
    ("Swish", "SiLU", _inplace),
    ("Mish", "Mish", _none),
    ("HardSwish", "Hardswish", _inplace),
    ("HardSigmoid", "Hardsigmoid", _inplace),
    ("HardMish", "HardMish", _none),
    ("Sigmoid", "Sigmoid", _none),
    ("Tanh", "Tanh", _none),
):
    register_mapping(_TIMM + _name, _target, config=_config)
for _name, _target, _note in (
    ("SwishMe", "SiLU", ""),
    ("MishMe", "Mish", ""),
    ("HardSwishMe", "Hardswish", "timm's backward gives -0.5 and 1.5 at -3 and 3; actlab's 0 and 1 as torch"),
    ("HardSigmoidMe", "Hardsigmoid", ""),
    ("HardMishMe", "HardMish", ""),
):
    register_mapping(_TIMM_ME + _name, _target, config=_none, note=_note)


def _prelu_state(m: nn.Module) -> dict[str, Any]:
    return {"weight": m.weight}


def _prelu_restore(original: nn.Module, converted: nn.Module) -> None:
    original.weight = converted.weight


register_mapping(
    _TIMM + "PReLU",
    "PReLU",
    config=lambda m: {"num_parameters": m.num_parameters, "init": float(getattr(m, "init", 0.25))},
    state=_prelu_state,
    restore=_prelu_restore,
)


def _xielu_config(m: nn.Module) -> dict[str, Any]:
    from .activations.exponential import XIELU_BETA, XIELU_EPS

    beta, eps = float(m._beta_scalar), float(m._eps_scalar)
    if (beta, eps) != (XIELU_BETA, XIELU_EPS):
        raise ValueError(f"beta = {beta}, eps = {eps}: actlab's xIELU fixes beta = {XIELU_BETA}, eps = {XIELU_EPS}")
    return {
        "num_parameters": m.alpha_p.numel(),
        "alpha_p_raw": float(m.alpha_p.detach().float().mean()),  # the repr's initial values (state below)
        "alpha_n_raw": float(m.alpha_n.detach().float().mean()),
    }


def _xielu_state(m: nn.Module) -> dict[str, Any]:
    return {"alpha_p": m.alpha_p, "alpha_n": m.alpha_n}  # the same raw (softplus-inverse) parameters


def _xielu_restore(original: nn.Module, converted: nn.Module) -> None:
    original.alpha_p, original.alpha_n = converted.alpha_p, converted.alpha_n


register_mapping(
    _TF + "XIELUActivation",
    "xIELU",
    config=_xielu_config,
    state=_xielu_state,
    restore=_xielu_restore,
    note="the Python path's math; the optional xIELU CUDA kernel is not used",
)


WHY_LEFT = {
    _TF + "LinearActivation": "the identity: nothing to compute",
    _TF + "SqrtSoftplusActivation": "no actlab declaration of sqrt(softplus(x))",
}
