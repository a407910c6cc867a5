"""Swap every torch.nn activation in a model for actlab's (and back).

``convert(model)`` walks the module tree and replaces each module whose exact type is a torch.nn
activation (the 28 of the registry plus ``MultiheadAttention`` and ``AdaptiveLogSoftmaxWithLoss``)
by the actlab module of the same name, built with the same configuration: the declaration's
parameters (``alpha``, ``dim``, ``approximate`` ...) and ``inplace`` are read off the old module,
and learnable state (PReLU's ``weight``, the attention projections, the adaptive softmax's head and
tail) is moved over with ``load_state_dict(assign=True)``, so the very same ``Parameter`` objects
live on and an optimizer built before the conversion keeps working. Module attributes holding a
``torch.nn.functional`` activation (``TransformerEncoderLayer.activation = F.relu``) are swapped
for the actlab function too. Activation classes of other libraries (transformers, timm, and any
registered with :func:`actlab.register_mapping`) are replaced by the actlab declaration with the
same mathematics (see :mod:`actlab.mappings`); unmapped ones are reported with the reason.
``to="torch"`` goes the way back (third-party modules come back as the very objects they were).

>>> model = actlab.convert(torchvision_like_model)                      # a converted copy
>>> model, report = actlab.convert(model, to="torch", return_report=True)
>>> print(report)
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import torch
from torch import nn

from .mappings import ACTIVATION_MODULES, WHY_LEFT, Mapping, lookup, qualname
from .registry import declaration, declarations

Target = Literal["actlab", "torch"]

_STRUCTURED = ("MultiheadAttention", "AdaptiveLogSoftmaxWithLoss")
# every hook a module can carry (forward, forward-pre, full backward, backward-pre, state_dict and
# load_state_dict), moved to the converted module so guided backprop, gradient logging ... keep working
_HOOKS = (
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_is_full_backward_hook",
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


class ConversionError(TypeError):
    """A module cannot be converted (no counterpart in the target library)."""


@dataclass(frozen=True)
class Replacement:
    """One replaced module or functional attribute, by its dotted path in the model."""

    path: str
    old: str
    new: str


@dataclass
class ConversionReport:
    """What :func:`convert` replaced and what it left alone (with the reason)."""

    to: str
    replaced: list[Replacement] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        """Replacements per class, e.g. ``{'ReLU': 3, 'MultiheadAttention': 2}``."""
        return Counter(r.new.rsplit(".", 1)[-1] for r in self.replaced)

    def __len__(self) -> int:
        return len(self.replaced)

    def __str__(self) -> str:
        lines = [f"converted to {self.to}: {len(self.replaced)} replaced, {len(self.skipped)} skipped"]
        width = max((len(r.path) for r in self.replaced), default=0)
        lines += [f"  {r.path:<{width}}  {r.old} -> {r.new}" for r in self.replaced]
        lines += [f"  skipped {path}: {why}" for path, why in self.skipped]
        return "\n".join(lines)


# ---- the two catalogues: torch class <-> actlab class, with how to rebuild each -----------------
@dataclass(frozen=True)
class _Counterpart:
    name: str
    torch_cls: type[nn.Module]
    actlab_cls: type[nn.Module]
    config: Callable[[nn.Module], dict[str, Any]]  # constructor kwargs read off an instance
    stateful: bool  # learnable state moves with load_state_dict(assign=True)


def _declared_config(decl: Any) -> Callable[[nn.Module], dict[str, Any]]:
    def config(m: nn.Module) -> dict[str, Any]:
        kw = {k: getattr(m, k) for k in decl.params}
        if decl.inplace:
            kw["inplace"] = getattr(m, "inplace", False)
        return kw

    return config


def _mha_config(m: nn.Module) -> dict[str, Any]:
    return {
        "embed_dim": m.embed_dim,
        "num_heads": m.num_heads,
        "dropout": m.dropout,
        "bias": m.in_proj_bias is not None,
        "add_bias_kv": m.bias_k is not None,
        "add_zero_attn": m.add_zero_attn,
        "kdim": m.kdim,
        "vdim": m.vdim,
        "batch_first": m.batch_first,
    }


def _adaptive_config(m: nn.Module) -> dict[str, Any]:
    return {
        "in_features": m.in_features,
        "n_classes": m.n_classes,
        "cutoffs": list(m.cutoffs[:-1]),
        "div_value": m.div_value,
        "head_bias": m.head_bias,
    }


def _counterparts() -> list[_Counterpart]:
    """Looked up at call time: late-registered declarations and nn classes are included."""
    from . import nn as anm

    pairs = []
    for decl in declarations():
        tcls = getattr(nn, decl.name, None) if decl.in_torch else None
        if tcls is not None and decl.module_class is not None:
            pairs.append(_Counterpart(decl.name, tcls, decl.module_class, _declared_config(decl), decl.name == "PReLU"))
    for name, config in zip(_STRUCTURED, (_mha_config, _adaptive_config)):
        pairs.append(_Counterpart(name, getattr(nn, name), getattr(anm, name), config, True))
    return pairs


def _functional_pairs() -> dict[int, tuple[Callable, Callable]]:
    """id(torch function) -> (torch function, actlab function) for every shared functional name."""
    from . import functional as AF

    pairs = {}
    for decl in declarations():
        tf, af = getattr(torch.nn.functional, decl.function, None), getattr(AF, decl.function, None)
        if decl.in_torch and tf is not None and af is not None:
            pairs[id(tf)] = (tf, af)
    return pairs


def _is_actlab(m: nn.Module) -> bool:
    return type(m).__module__.split(".")[0] == "actlab"


def _qualified(cls: type) -> str:
    root = cls.__module__.split(".")[0]
    return f"{root}.nn.{cls.__name__}"


def _rebuild(old: nn.Module, new_cls: type[nn.Module], pair: _Counterpart) -> nn.Module:
    kw = pair.config(old)
    if pair.stateful:
        flags = {n: p.requires_grad for n, p in old.named_parameters()}
        new = new_cls(**kw, device="meta")
        new.load_state_dict(old.state_dict(keep_vars=True), assign=True)  # assign resets requires_grad
        for n, p in new.named_parameters():
            p.requires_grad_(flags[n])
    else:
        new = new_cls(**kw)
    for name, sub in new.named_modules():
        sub.training = old.get_submodule(name).training
    _copy_module_state(old, new)
    return new


ORIGIN = "_actlab_original"  # the third-party module an actlab module replaced (not a submodule)


def _copy_module_state(old: nn.Module, new: nn.Module) -> None:
    new.training = old.training
    for attr in _HOOKS:
        if hasattr(old, attr) and hasattr(new, attr):
            setattr(new, attr, getattr(old, attr))


def _from_mapping(m: nn.Module, mapping: Mapping) -> tuple[nn.Module | None, str]:
    """actlab's module for third-party ``m`` (None and the reason when actlab lacks the declaration)."""
    from . import nn as anm

    try:
        decl = declaration(mapping.target)
    except KeyError:
        return None, f"{type(m).__name__}: actlab has no {mapping.target} declaration"
    cls = decl.module_class if decl.module_class is not None else getattr(anm, decl.name)
    try:
        kw = mapping.config(m)
    except ValueError as e:  # settings the declaration cannot express: leave the module as it is
        return None, f"{type(m).__name__}: {e}"
    new = cls(**kw)
    if mapping.state is not None:
        state = mapping.state(m)
        flags = {k: v.requires_grad for k, v in state.items()}
        new.load_state_dict(state, assign=True)
        for k, p in new.named_parameters():
            p.requires_grad_(flags.get(k, p.requires_grad))
    _copy_module_state(m, new)
    object.__setattr__(new, ORIGIN, (m, mapping))  # kept out of _modules and the state_dict
    return new, ""


def _restore(m: nn.Module) -> nn.Module:
    """The third-party module ``m`` replaced, with ``m``'s learnable state, hooks and training mode."""
    original, mapping = vars(m)[ORIGIN]
    if mapping.restore is not None:
        mapping.restore(original, m)
    _copy_module_state(m, original)
    return original


def _torch_fast_path_flag(m: nn.Module) -> None:
    """TransformerEncoderLayer takes a fused kernel (bypassing its activation and attention
    modules) when ``activation_relu_or_gelu`` is set; recompute it as torch's ``__init__`` does,
    so a layer holding actlab's activation never silently runs torch's."""
    if not hasattr(m, "activation_relu_or_gelu"):
        return
    a = getattr(m, "activation", None)
    torch_relu = a is torch.nn.functional.relu or type(a) is nn.ReLU
    torch_gelu = a is torch.nn.functional.gelu or type(a) is nn.GELU
    attn = getattr(m, "self_attn", None)
    if attn is not None and _is_actlab(attn):
        torch_relu = torch_gelu = False
    m.activation_relu_or_gelu = 1 if torch_relu else 2 if torch_gelu else 0


@overload
def convert(
    model: nn.Module,
    *,
    to: Target = ...,
    inplace: bool = ...,
    functionals: bool = ...,
    strict: bool = ...,
    return_report: Literal[False] = ...,
) -> nn.Module: ...


@overload
def convert(
    model: nn.Module,
    *,
    to: Target = ...,
    inplace: bool = ...,
    functionals: bool = ...,
    strict: bool = ...,
    return_report: Literal[True],
) -> tuple[nn.Module, ConversionReport]: ...


def convert(
    model: nn.Module,
    *,
    to: Target = "actlab",
    inplace: bool = False,
    functionals: bool = True,
    strict: bool = True,
    return_report: bool = False,
) -> nn.Module | tuple[nn.Module, ConversionReport]:
    """Replace every activation module of ``model`` by its counterpart in ``to``.

    Args:
        model: any ``nn.Module`` (an activation itself is converted too).
        to: ``"actlab"`` (torch.nn -> actlab.nn) or ``"torch"`` (the way back).
        inplace: modify ``model`` itself; otherwise a deep copy is converted and returned.
        functionals: also swap module attributes holding a functional activation
            (``F.relu`` <-> ``actlab.functional.relu``), as ``TransformerEncoderLayer.activation``.
        strict: with ``to="torch"``, raise :class:`ConversionError` for actlab activations that
            have no torch.nn counterpart (Swish, SmoothHardswish, user declarations); with
            ``strict=False`` they stay and are listed in the report's ``skipped``.
        return_report: return ``(model, ConversionReport)`` instead of the model alone.

    Converted modules share configuration, training mode, forward hooks and the very same
    ``Parameter`` objects with the originals. actlab modules are not descended into when
    converting to actlab. Activations called inline in a ``forward`` (``x.relu()``) cannot be seen.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"convert: expected an nn.Module, got {type(model).__name__}")
    if to not in ("actlab", "torch"):
        raise ValueError(f"convert: to must be 'actlab' or 'torch', got {to!r}")
    pairs = _counterparts()
    if to == "actlab":
        table = {p.torch_cls: (p.actlab_cls, p) for p in pairs}
    else:
        table = {p.actlab_cls: (p.torch_cls, p) for p in pairs}
    fpairs = _functional_pairs() if functionals else {}
    fmap = {id(t if to == "actlab" else a): (a if to == "actlab" else t) for t, a in fpairs.values()}
    report = ConversionReport(to=to)
    if not inplace:
        model = copy.deepcopy(model)
    memo: dict[int, nn.Module] = {}  # shared (tied) modules stay shared

    def swap(m: nn.Module, path: str) -> nn.Module:
        if id(m) in memo:
            return memo[id(m)]
        where = path or "<root>"
        if to == "actlab" and lookup(m) is not None:  # a third-party activation (transformers, timm ...)
            mapping = lookup(m)
            new, why = _from_mapping(m, mapping)
            if new is None:
                report.skipped.append((where, why))
                return m
            report.replaced.append(Replacement(where, qualname(type(m)) + mapping.differs(), _qualified(type(new))))
            memo[id(m)] = new
            return new
        if to == "torch" and ORIGIN in vars(m):  # back to the third-party object it came from
            original = _restore(m)
            report.replaced.append(Replacement(where, _qualified(type(m)), qualname(type(original))))
            memo[id(m)] = original
            return original
        if to == "actlab" and type(m) not in table and type(m).__module__ in ACTIVATION_MODULES:
            default = f"{type(m).__name__}: no actlab mapping (actlab.register_mapping adds one)"
            why = WHY_LEFT.get(qualname(type(m)), default)
            report.skipped.append((where, why))
            return m
        target = table.get(type(m))
        if target is not None:
            new_cls, pair = target
            new = _rebuild(m, new_cls, pair)
            report.replaced.append(Replacement(path or "<root>", _qualified(type(m)), _qualified(new_cls)))
            memo[id(m)] = new
            return new
        if to == "torch" and _is_actlab(m) and hasattr(type(m), "decl"):
            why = f"{type(m).__name__} has no torch.nn counterpart"
            if strict:
                raise ConversionError(f"convert: {path or '<root>'}: {why} (pass strict=False to keep it)")
            report.skipped.append((path or "<root>", why))
            return m
        if to == "actlab" and _is_actlab(m):
            return m
        memo[id(m)] = m
        for name, child in list(m._modules.items()):  # not named_children(): it hides repeats
            if child is None:
                continue
            new_child = swap(child, f"{path}.{name}" if path else name)
            if new_child is not child:
                setattr(m, name, new_child)
        for attr, value in list(vars(m).items()):
            if callable(value) and id(value) in fmap and not isinstance(value, nn.Module):
                new_fn = fmap[id(value)]
                setattr(m, attr, new_fn)
                old, new = f"{value.__module__}.{value.__name__}", f"{new_fn.__module__}.{new_fn.__name__}"
                report.replaced.append(Replacement(f"{path}.{attr}" if path else attr, old, new))
        _torch_fast_path_flag(m)
        return m

    model = swap(model, "")
    return (model, report) if return_report else model
