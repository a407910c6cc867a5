"""actlab.nn activation modules against torch.nn, for every registered activation with a torch
counterpart (the registry is iterated; a new declaration is tested without edits here).

Constructor signatures, defaults, attributes, ``__constants__``, ``repr``, state_dict, in place,
the deprecated and implicit-dim behaviours, RReLU's randomness, bad arguments side by side, and
the swap test: a network using torch's module and a deep copy using ours give the same outputs,
gradients and state_dict. Functional-level numerics are in tests/test_functional.py.
"""

from __future__ import annotations

import copy
import inspect
import random
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as TF
from torch import nn

import actlab.nn as anm
from actlab.kinds import Activation, Normalizer, Parametric, SplitGate
from conftest import draw_params, rng_for, tolerance, torch_declarations

pytestmark = pytest.mark.usefixtures("single_thread")
DECLS = torch_declarations()
TOL = tolerance(torch.float64)
# torch's float64 hardsigmoid/celu kernels use float32 constants (3e-8 relative); through a
# network, a loss with cancellation and three SGD steps that grows to a few 1e-7.
SWAP_TOL = {"rtol": 1e-6, "atol": 1e-9}
NOT_ATTRIBUTES = ("device", "dtype", "min_value", "max_value")  # constructor-only arguments


def torch_cls(decl: type[Activation]) -> type[nn.Module]:
    return getattr(nn, decl.name)


def our_cls(decl: type[Activation]) -> type[nn.Module]:
    return getattr(anm, decl.name)


def arguments(decl: type[Activation]) -> list[str]:
    return [p for p in inspect.signature(torch_cls(decl)).parameters if p not in ("args", "kwargs")]


def module_kwargs(decl: type[Activation], rng: random.Random, channels: int = 4) -> dict[str, Any]:
    """Drawn constructor arguments; normalisers and GLU work over dim 1, PReLU has a slope per channel."""
    kwargs = draw_params(decl, rng)
    if issubclass(decl, (Normalizer, SplitGate)) and "dim" in decl.params:
        kwargs["dim"] = 1
    if issubclass(decl, Parametric):
        kwargs["num_parameters"] = channels
    if "inplace" in arguments(decl):
        kwargs["inplace"] = rng.random() < 0.5
    return kwargs


def kwarg_sets(decl: type[Activation]) -> list[dict[str, Any]]:
    """No arguments (where torch needs none), two drawn sets, and inplace=True if accepted."""
    required = [p for p in inspect.signature(torch_cls(decl)).parameters.values() if p.default is p.empty]
    sets = [] if any(p.kind is p.POSITIONAL_OR_KEYWORD for p in required) else [{}]
    rng = rng_for("modules", decl.name)
    sets += [module_kwargs(decl, rng) for _ in range(2)]
    if "inplace" in arguments(decl):
        sets.append({**sets[-1], "inplace": True})
    return sets


def convert(module: nn.Module, decl: type[Activation]) -> nn.Module:
    """actlab's module with the configuration of torch's ``module`` (what a swap does)."""
    kwargs = {k: getattr(module, k) for k in arguments(decl) if k not in NOT_ATTRIBUTES and hasattr(module, k)}
    ours = our_cls(decl)(**kwargs)
    ours.load_state_dict(module.state_dict())
    return ours.train(module.training)


def _signature(cls: type) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]


# ---- constructor, attributes, repr --------------------------------------------------------------
@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_signature_and_constants(decl: type[Activation]) -> None:
    """Same constructor parameters, kinds and defaults (annotations aside) and the same
    ``__constants__`` (as a set: torch lists LeakyReLU's as ['inplace', 'negative_slope'])."""
    assert _signature(our_cls(decl)) == _signature(torch_cls(decl))
    theirs = getattr(torch_cls(decl), "__constants__", None)
    mine = getattr(our_cls(decl), "__constants__", None)
    assert (mine is None) == (theirs is None)
    assert sorted(mine or []) == sorted(theirs or [])


@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_attributes_repr_and_state_dict(decl: type[Activation]) -> None:
    """For the defaults, drawn arguments and inplace=True: attributes, repr, state_dict keys and
    shapes equal torch's; the module is a torch.nn.Module but not torch's class."""
    assert issubclass(our_cls(decl), nn.Module) and not issubclass(our_cls(decl), torch_cls(decl))
    for kwargs in kwarg_sets(decl):
        theirs, mine = torch_cls(decl)(**kwargs), our_cls(decl)(**kwargs)
        assert repr(mine) == repr(theirs)
        for name in arguments(decl):
            if name not in NOT_ATTRIBUTES:
                assert getattr(mine, name) == getattr(theirs, name), name
        assert {k: v.shape for k, v in mine.state_dict().items()} == {
            k: v.shape for k, v in theirs.state_dict().items()
        }
        assert mine.training == theirs.training


@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_constructor_errors_read_like_torchs(decl: type[Activation]) -> None:
    """Too many positional arguments or an unknown keyword: the same TypeError message."""
    too_many = [0.5] * (len(inspect.signature(torch_cls(decl)).parameters) + 1)
    for call in (lambda cls: cls(*too_many), lambda cls: cls(no_such_argument=1)):
        with pytest.raises(TypeError) as theirs:
            call(torch_cls(decl))
        with pytest.raises(TypeError) as mine:
            call(our_cls(decl))
        assert str(mine.value) == str(theirs.value)


def test_prelu_weight_and_state_dict_round_trip() -> None:
    """weight of shape (num_parameters,) filled with init; torch's state_dict loads into ours
    and back; device/dtype are honoured."""
    theirs, mine = nn.PReLU(3, init=0.1), anm.PReLU(3, init=0.1)
    assert [n for n, _ in mine.named_parameters()] == ["weight"]
    assert mine.weight.shape == (3,) and torch.equal(mine.weight, theirs.weight)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.3, -0.2, 0.05]))
    mine.load_state_dict(theirs.state_dict())
    assert torch.equal(mine.weight, theirs.weight)
    with torch.no_grad():
        mine.weight.mul_(2)
    theirs.load_state_dict(mine.state_dict())
    assert torch.equal(theirs.weight, mine.weight)
    assert anm.PReLU(dtype=torch.float64).weight.dtype == torch.float64
    with pytest.raises(RuntimeError):  # a state_dict of another size is refused, as by torch
        anm.PReLU(2).load_state_dict(nn.PReLU(3).state_dict())


# ---- in place -----------------------------------------------------------------------------------
@pytest.mark.parametrize("decl", [d for d in DECLS if "inplace" in arguments(d)], ids=lambda d: d.name)
def test_inplace_modules(decl: type[Activation]) -> None:
    """inplace=True writes into the input and returns it, with torch's values (RReLU in
    training with the same seed); on a leaf that requires grad both raise."""
    kwargs = {**module_kwargs(decl, rng_for("inplace module", decl.name)), "inplace": True}
    x0 = 3 * torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    results = []
    for cls in (torch_cls(decl), our_cls(decl)):
        x = x0.clone()
        torch.manual_seed(0)
        y = cls(**kwargs)(x)
        assert y is x
        results.append(x)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            cls(**kwargs)(x0.clone().requires_grad_())
    torch.testing.assert_close(results[1], results[0], **TOL)


# ---- deprecated / legacy behaviours -------------------------------------------------------------
def test_hardtanh_deprecated_keywords() -> None:
    """min_value / max_value still work and emit a FutureWarning, as torch."""
    x = torch.linspace(-3, 3, 13)
    for cls in (nn.Hardtanh, anm.Hardtanh):
        with pytest.warns(FutureWarning, match="min_value"), pytest.warns(FutureWarning, match="max_value"):
            m = cls(min_value=-2.0, max_value=2.5)
        assert (m.min_val, m.max_val) == (-2.0, 2.5)
        torch.testing.assert_close(m(x), nn.Hardtanh(-2.0, 2.5)(x))


@pytest.mark.parametrize("decl", [d for d in DECLS if "dim" in d.params and issubclass(d, Normalizer)], ids=str)
def test_implicit_dim_warns_and_follows_torch(decl: type[Activation]) -> None:
    """dim=None: torch's legacy choice (0 for 0-, 1- and 3-D input, else 1) with a UserWarning."""
    for ndim in range(5):
        x = torch.randn((2, 3, 4, 5)[:ndim], dtype=torch.float64)
        outs = []
        for cls in (torch_cls(decl), our_cls(decl)):
            with pytest.warns(UserWarning, match="Implicit dimension"):
                outs.append(cls()(x))
        torch.testing.assert_close(outs[1], outs[0], **TOL)


def test_softmax2d_takes_3d_and_4d_only() -> None:
    for shape in ((3, 2, 2), (2, 3, 2, 2)):
        x = torch.randn(shape, dtype=torch.float64)
        torch.testing.assert_close(anm.Softmax2d()(x), nn.Softmax2d()(x), **TOL)
    for shape in ((3, 2), (1, 2, 3, 2, 2)):
        for cls in (nn.Softmax2d, anm.Softmax2d):
            with pytest.raises(ValueError, match="3D or 4D"):
                cls()(torch.randn(shape))


# ---- RReLU --------------------------------------------------------------------------------------
def test_rrelu_eval_is_leaky_relu_with_the_mean_slope() -> None:
    x = torch.linspace(-4, 4, 17, dtype=torch.float64)
    m = anm.RReLU(0.1, 0.3).eval()
    torch.testing.assert_close(m(x), TF.leaky_relu(x, 0.2), **TOL)


def test_rrelu_training_slopes_seed_and_gradient() -> None:
    """Training: each x <= 0 gets a slope in [lower, upper], x > 0 is untouched, a seed
    reproduces the draw (and torch's: the same generator calls), the gradient is the slope."""
    lower, upper = 0.1, 0.3
    x = (3 * torch.randn(50, 8, dtype=torch.float64)).requires_grad_()
    torch.manual_seed(11)
    y = anm.RReLU(lower, upper)(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    pos = x > 0
    assert torch.equal(y[pos], x[pos]) and torch.equal(grad[pos], torch.ones_like(grad[pos]))
    slopes = (y / x)[~pos].detach()
    assert slopes.min() >= lower and slopes.max() <= upper and slopes.std() > 0.03
    torch.testing.assert_close(grad[~pos], slopes, **TOL)
    torch.manual_seed(11)
    assert torch.equal(anm.RReLU(lower, upper)(x), y)
    torch.manual_seed(11)
    assert torch.equal(nn.RReLU(lower, upper)(x), y)


# ---- bad arguments, side by side ----------------------------------------------------------------
X = torch.randn(4, 3)
BAD_MODULES: dict[str, Callable[[Any], Any]] = {
    "Hardtanh max_val == min_val": lambda L: L.Hardtanh(1.0, 1.0),
    "Hardtanh max_val < min_val": lambda L: L.Hardtanh(2.0, 1.0),
    "Softshrink negative lambd": lambda L: L.Softshrink(-1.0)(X),
    "CELU alpha = 0": lambda L: L.CELU(0.0)(X),
    "GELU approximate='foo'": lambda L: L.GELU("foo")(X),
    "RReLU lower > upper, training": lambda L: L.RReLU(0.5, 0.1)(X),
    "RReLU lower > upper, eval": lambda L: L.RReLU(0.5, 0.1).eval()(X),
    "GLU odd dim": lambda L: L.GLU()(X),
    "GLU 0-d input": lambda L: L.GLU()(torch.tensor(1.0)),
    "PReLU channel mismatch": lambda L: L.PReLU(5)(X),
    "Softmax dim out of range": lambda L: L.Softmax(2)(X),
    "LogSoftmax dim out of range": lambda L: L.LogSoftmax(-3)(X),
    "Softmin dim out of range": lambda L: L.Softmin(7)(X),
    "Softmax2d on 2-D input": lambda L: L.Softmax2d()(X),
    "Threshold without arguments": lambda L: L.Threshold(),
    "ReLU given a list": lambda L: L.ReLU()([1.0]),
}


@pytest.mark.parametrize("case", list(BAD_MODULES))
def test_bad_arguments_raise_torchs_exception_type(case: str) -> None:
    """torch raises some type T; ours raises T or a subclass (that is also a ValueError)."""
    with pytest.raises(Exception) as theirs:
        BAD_MODULES[case](nn)
    with pytest.raises(theirs.type):
        BAD_MODULES[case](anm)


# ---- the swap test ------------------------------------------------------------------------------
def network(act: nn.Module, arch: str) -> nn.Sequential:
    """A small float64 MLP or CNN with ``act`` in the middle (sized for GLU halving its input)."""
    torch.manual_seed(0)
    if arch == "mlp":
        first, probe_shape = nn.Linear(6, 4), (1, 4)
    else:
        first, probe_shape = nn.Conv2d(3, 4, 3, padding=1), (1, 4, 5, 5)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dim=None warns; covered above
        width = act(torch.zeros(probe_shape)).size(1)
    rest = [nn.Linear(width, 3)] if arch == "mlp" else [nn.Conv2d(width, 2, 1), nn.Flatten(), nn.Linear(50, 3)]
    return nn.Sequential(first, act, *rest).double()


@pytest.mark.parametrize("arch", ["mlp", "cnn"])
@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_swap_into_a_network(decl: type[Activation], arch: str) -> None:
    """Deep-copy a network using torch's module, swap in ours (same configuration): the same
    state_dict loads, outputs and all gradients agree (training mode: RReLU with one seed),
    also after a few SGD steps."""
    rng = rng_for("swap", decl.name, arch)
    kwargs = module_kwargs(decl, rng)
    if arch == "mlp" and issubclass(decl, Parametric):
        kwargs["num_parameters"] = 4
    x = torch.randn((5, 6) if arch == "mlp" else (2, 3, 5, 5), dtype=torch.float64)
    try:
        reference = network(torch_cls(decl)(**kwargs), arch)
    except Exception as err:  # Softmax2d in an MLP: 2-D input
        with pytest.raises(type(err)):
            network(our_cls(decl)(**kwargs), arch)
        return
    swapped = copy.deepcopy(reference)
    swapped[1] = convert(reference[1], decl).double()
    assert type(swapped[1]).__module__.startswith("actlab")
    swapped.load_state_dict(reference.state_dict())
    assert list(swapped.state_dict()) == list(reference.state_dict())
    opts = [torch.optim.SGD(net.parameters(), lr=0.1) for net in (reference, swapped)]
    for _ in range(3):
        outs, grads = [], []
        for net, opt in zip((reference, swapped), opts):
            inp = x.clone().requires_grad_()
            torch.manual_seed(3)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = net(inp)
            opt.zero_grad()
            (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape)).sum().backward()
            outs.append(out.detach())
            grads.append([inp.grad] + [p.grad for p in net.parameters()])
            opt.step()
        torch.testing.assert_close(outs[1], outs[0], **SWAP_TOL)
        for mine, theirs in zip(grads[1], grads[0], strict=True):
            torch.testing.assert_close(mine, theirs, **SWAP_TOL)
