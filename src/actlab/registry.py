"""The registry of declarations: register, look up, list. (A user's own module or autograd
Function class is registered by the seed's decorators, :mod:`actlab.user`.)"""

from __future__ import annotations

from .kinds import Activation

_REGISTRY: dict[str, type[Activation]] = {}


def register(decl: type[Activation]) -> type[Activation]:
    """Class decorator: add a declaration to the registry (its name must be new)."""
    if decl.name in _REGISTRY and _REGISTRY[decl.name] is not decl:
        raise ValueError(f"an activation named {decl.name!r} is already registered")
    _REGISTRY[decl.name] = decl
    return decl


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def names(*, builtin_only: bool = False) -> list[str]:
    """Names of all registered activations, in registration order."""
    return [n for n, d in _REGISTRY.items() if not (builtin_only and d.user_defined)]


def declaration(name: str) -> type[Activation]:
    """The declaration of ``name`` (case-insensitive; functional names work too)."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    low = name.lower()
    for n, d in _REGISTRY.items():
        if n.lower() == low or getattr(d, "function", "").lower() == low:
            return d
    raise KeyError(f"unknown activation {name!r}; known: {', '.join(_REGISTRY)}")


def declarations() -> list[type[Activation]]:
    return list(_REGISTRY.values())
