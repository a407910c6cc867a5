"""Register a user's own activation class, as the seed's decorators do.

>>> @actlab.plot_activation_module(negative_slope=0.1)
... class MyLeaky(torch.nn.Module):
...     def __init__(self, negative_slope=0.01):
...         super().__init__()
...         self.negative_slope = negative_slope
...     def forward(self, x):
...         return torch.where(x > 0, x, self.negative_slope * x)

>>> @actlab.plot_activation_function          # bare, or with parameters: (...)
... class MySigmoidFunction(torch.autograd.Function): ...

The class is returned unchanged (with ``actlab_declaration`` set to its declaration; ``actlab_spec``,
the deprecated name, too) and is listed by
``actlab list``, ``show``, ``plot`` and the report. The parameters given to the decorator are the
values it is plotted with: keywords become declared parameters, positional ones are passed
through to the constructor (module) or to ``Function.apply(x, *args)``. f is the class itself;
f' and f'' come from autograd (f'' by central differences of f' when the class's backward is
not differentiable). The class is taken to act elementwise (an Elementwise declaration, family "user",
run through its own class rather than actlab's operators);
a name already used by a built-in gets the prefix ``user.`` (the seed calls its classes Sigmoid,
ReLU6, ...). ``actlab.registry.unregister(name)`` removes it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from .kinds import Elementwise, Param
from .registry import _REGISTRY, register, unregister

FD_STEP = 1e-4  # central-difference step for f'' when backward is not differentiable


def _derivative(fn: Callable[[Tensor], Tensor], x: Tensor, order: int) -> Tensor:
    """d^order fn / dx^order elementwise by autograd (fn must act elementwise)."""
    x = x.detach().clone().requires_grad_(True)
    y = fn(x)
    (d,) = torch.autograd.grad(y.sum(), x, create_graph=order > 1, allow_unused=True)
    if d is None:
        return torch.zeros_like(x)
    if order == 1:
        return d.detach()
    if d.grad_fn is None:  # backward not differentiable: central differences of f'
        h = FD_STEP * torch.clamp(x.detach().abs(), min=1.0)
        return (_derivative(fn, x + h, 1) - _derivative(fn, x - h, 1)) / (2 * h)
    (d2,) = torch.autograd.grad(d.sum(), x, allow_unused=True)
    return torch.zeros_like(x) if d2 is None else d2.detach()


def _unique_name(cls: type) -> str:
    name = cls.__name__
    taken = _REGISTRY.get(name)
    if taken is None or taken.user_defined:
        return name
    return f"user.{name}"  # never shadow a built-in (the seed names its classes Sigmoid, ReLU, ...)


def _declare(cls: type, call: Callable[..., Tensor], module_class: type[nn.Module], kwargs: dict[str, Any]) -> type:
    name = _unique_name(cls)

    def f(x: Tensor, **p: Any) -> Tensor:
        return call(x, **p)

    def df(x: Tensor, **p: Any) -> Tensor:
        return _derivative(lambda t: call(t, **p), x, 1)

    def d2f(x: Tensor, **p: Any) -> Tensor:
        return _derivative(lambda t: call(t, **p), x, 2)

    body = {
        "__doc__": (cls.__doc__ or f"User-defined activation {cls.__qualname__}.").strip(),
        "__module__": cls.__module__,
        "name": name,
        "function": name.lower(),
        "family": "user",
        "user_defined": True,
        "params": {k: Param(v, "given to the decorator") for k, v in kwargs.items()},
        "plot_params": (dict(kwargs),),
        "formula": getattr(cls, "formula", ""),
        "reference": getattr(cls, "reference", f"{cls.__module__}.{cls.__qualname__}"),
        "x_range": tuple(getattr(cls, "x_range", (-5.0, 5.0))),
        "module_class": module_class,
        "f": f,
        "df": df,
        "d2f": d2f,
    }
    decl = type(f"{cls.__name__}Declaration", (Elementwise,), body)
    if name in _REGISTRY:  # re-decorating (a re-run notebook cell) replaces the old user class
        unregister(name)
    register(decl)
    cls.actlab_declaration = cls.actlab_spec = decl
    return cls


def _register_module(cls: type[nn.Module], args: tuple, kwargs: dict[str, Any]) -> type[nn.Module]:
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"plot_activation_module decorates a torch.nn.Module subclass, got {cls!r}")

    def build(**p: Any) -> nn.Module:
        return cls(*args, **{**kwargs, **p})

    module_class = cls
    if args:  # actlab.get(name, **p) must reproduce the positional arguments too
        module_class = type(cls.__name__, (cls,), {"__init__": lambda self, **p: cls.__init__(self, *args, **p)})

    def call(x: Tensor, **p: Any) -> Tensor:
        return build(**p).to(x.dtype)(x)

    return _declare(cls, call, module_class, kwargs)


def _register_function(cls: type, args: tuple, kwargs: dict[str, Any]) -> type:
    if not (isinstance(cls, type) and issubclass(cls, torch.autograd.Function)):
        raise TypeError(f"plot_activation_function decorates a torch.autograd.Function subclass, got {cls!r}")

    def call(x: Tensor, **p: Any) -> Tensor:
        return cls.apply(x, *args, *{**kwargs, **p}.values())

    class FunctionModule(nn.Module):
        __doc__ = f"Module applying {cls.__qualname__}."

        def __init__(self, **p: Any) -> None:
            super().__init__()
            self.p = {**kwargs, **p}

        def forward(self, x: Tensor) -> Tensor:
            return cls.apply(x, *args, *self.p.values())

    FunctionModule.__name__ = FunctionModule.__qualname__ = cls.__name__.removesuffix("Function") or cls.__name__
    decorated = _declare(cls, call, FunctionModule, kwargs)
    decorated.actlab_declaration.function_class = cls
    return decorated


def _decorator(register_fn: Callable[[type, tuple, dict[str, Any]], type], base: type):
    def decorator(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and isinstance(args[0], type) and issubclass(args[0], base):
            return register_fn(args[0], (), {})  # used bare: @decorator
        return lambda cls: register_fn(cls, args, kwargs)

    return decorator


plot_activation_module = _decorator(_register_module, nn.Module)
plot_activation_module.__doc__ = (
    """Class decorator registering an ``nn.Module`` activation (bare or with parameters)."""
)
plot_activation_function = _decorator(_register_function, torch.autograd.Function)
plot_activation_function.__doc__ = """Class decorator registering an ``autograd.Function`` (bare or with parameters)."""
