"""actlab.nn.AdaptiveLogSoftmaxWithLoss against torch.nn.AdaptiveLogSoftmaxWithLoss (float64)."""

from __future__ import annotations

import pytest
import torch

import actlab.nn as anm
from actlab.nn import adaptive as adaptive_module

IN, NC = 16, 12
DT = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-12}
CUTOFFS = [[4], [3, 7], [2, 5, 9]]


pytestmark = pytest.mark.usefixtures("single_thread")  # tiny float64 ops (tests/conftest.py)


def make_pair(cutoffs, div_value=4.0, head_bias=False, seed=0):
    torch.manual_seed(seed)
    ref = torch.nn.AdaptiveLogSoftmaxWithLoss(IN, NC, cutoffs, div_value=div_value, head_bias=head_bias, dtype=DT)
    ours = anm.AdaptiveLogSoftmaxWithLoss(IN, NC, cutoffs, div_value=div_value, head_bias=head_bias, dtype=DT)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def grads(module, x, target):
    x = x.clone().requires_grad_()
    output, loss = module(x, target)
    w = torch.linspace(-1, 1, output.numel(), dtype=DT).reshape(output.shape)
    params = [p for _, p in sorted(module.named_parameters())]
    leaves = [x, *params]
    g = torch.autograd.grad(loss + (output * w).sum(), leaves, allow_unused=True)  # unused clusters: None
    return output, loss, [torch.zeros_like(p) if d is None else d for p, d in zip(leaves, g)]


def assert_same_forward(ref, ours, x, target):
    out_r, loss_r, g_r = grads(ref, x, target)
    out_o, loss_o, g_o = grads(ours, x, target)
    assert out_o.shape == out_r.shape
    torch.testing.assert_close(out_o, out_r, **TOL)
    torch.testing.assert_close(loss_o, loss_r, **TOL)
    for a, b in zip(g_o, g_r, strict=True):
        torch.testing.assert_close(a, b, **TOL)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # 16 // 4**3 = 0 hidden units, as torch
@pytest.mark.parametrize("cutoffs", CUTOFFS, ids=str)
@pytest.mark.parametrize("div_value", [1.0, 2.0, 4.0])
@pytest.mark.parametrize("head_bias", [False, True])
def test_forward_log_prob_predict_and_grads_match_torch(cutoffs, div_value, head_bias):
    ref, ours = make_pair(cutoffs, div_value, head_bias)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(20, IN, generator=g, dtype=DT)
    target = torch.randint(0, NC, (20,), generator=g)
    target[:3] = torch.tensor([0, NC - 1, cutoffs[0]])  # shortlist, last class, first tail class
    assert_same_forward(ref, ours, x, target)
    torch.testing.assert_close(ours.log_prob(x), ref.log_prob(x), **TOL)
    assert torch.equal(ours.predict(x), ref.predict(x))
    torch.testing.assert_close(ours.log_prob(x).exp().sum(1), torch.ones(20, dtype=DT), **TOL)
    # forward's outputs are log_prob's entries at the targets
    torch.testing.assert_close(ours(x, target).output, ours.log_prob(x).gather(1, target[:, None])[:, 0], **TOL)


@pytest.mark.parametrize(
    "target",
    [[0, 1, 2], [3, 3, 3], [5, 8, 11], [11], [0], [7, 0]],
    ids=["shortlist only", "one cluster", "tail only", "single tail row", "single shortlist row", "mixed"],
)
def test_target_subsets_and_batch_of_one(target):
    ref, ours = make_pair([3, 7], seed=2)
    x = torch.randn(len(target), IN, dtype=DT)
    assert_same_forward(ref, ours, x, torch.tensor(target))


def test_unbatched_input_and_scalar_target():
    ref, ours = make_pair([3, 7], seed=3)
    x = torch.randn(IN, dtype=DT)
    for t in (0, 5, 11):
        assert_same_forward(ref, ours, x, torch.tensor(t))
        assert ours(x, torch.tensor(t)).output.dim() == 0


def test_int32_targets_like_torch():
    ref, ours = make_pair([3, 7], seed=4)
    x = torch.randn(5, IN, dtype=DT)
    t = torch.tensor([0, 4, 8, 11, 2], dtype=torch.int32)
    assert_same_forward(ref, ours, x, t)


def test_empty_batch_gives_nan_loss_like_torch():
    ref, ours = make_pair([3, 7], seed=5)
    x, t = torch.randn(0, IN, dtype=DT), torch.zeros(0, dtype=torch.long)
    out_r, loss_r = ref(x, t)
    out_o, loss_o = ours(x, t)
    assert out_o.shape == out_r.shape == (0,)
    assert loss_o.isnan() and loss_r.isnan()


@pytest.mark.parametrize("where", ["all shortlist", "all tail", "mixed"])
def test_predict_branches(where):
    ref, ours = make_pair([3, 7], head_bias=True, seed=6)
    x = torch.randn(30, IN, dtype=DT)
    with torch.no_grad():
        bias = {"all shortlist": [50.0, 0, 0, -50, -50], "all tail": [-50.0, -50, -50, 50, 0]}.get(where)
        if bias is not None:
            for m in (ref, ours):
                m.head.weight.mul_(0.01)
                m.head.bias.copy_(torch.tensor(bias, dtype=DT))
    pred_r, pred_o = ref.predict(x), ours.predict(x)
    assert torch.equal(pred_o, pred_r)
    assert torch.equal(pred_o, ours.log_prob(x).argmax(1))
    if where == "all shortlist":
        assert (pred_o < 3).all()
    elif where == "all tail":
        assert (pred_o >= 3).all()
    else:
        assert (pred_o < 3).any() and (pred_o >= 3).any()


def test_init_reset_and_state_dict_match_torch():
    cutoffs = [2, 5, 9]
    torch.manual_seed(7)
    ref = torch.nn.AdaptiveLogSoftmaxWithLoss(IN, NC, cutoffs, div_value=2.0, head_bias=True)
    torch.manual_seed(7)
    ours = anm.AdaptiveLogSoftmaxWithLoss(IN, NC, cutoffs, div_value=2.0, head_bias=True)
    assert list(ours.state_dict()) == list(ref.state_dict()) == [
        "head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight", "tail.1.0.weight", "tail.1.1.weight",
        "tail.2.0.weight", "tail.2.1.weight",
    ]  # fmt: skip
    for k, v in ref.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k
    assert [tuple(ours.state_dict()[f"tail.{i}.0.weight"].shape) for i in range(3)] == [(8, IN), (4, IN), (2, IN)]
    torch.manual_seed(8)
    ref.reset_parameters()
    torch.manual_seed(8)
    ours.reset_parameters()
    for k, v in ref.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k
    # attributes
    assert (ours.cutoffs, ours.shortlist_size, ours.n_clusters, ours.head_size) == ([2, 5, 9, NC], 2, 3, 5)
    # round trip ours -> torch
    with torch.no_grad():
        for p in ours.parameters():
            p.normal_()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(4, IN)
    torch.testing.assert_close(ours.log_prob(x), ref.log_prob(x))
    assert "head.bias" not in anm.AdaptiveLogSoftmaxWithLoss(IN, NC, [3]).state_dict()


def test_device_dtype():
    m = anm.AdaptiveLogSoftmaxWithLoss(IN, NC, [3], dtype=torch.float64, device="cpu")
    assert all(p.dtype == torch.float64 for p in m.parameters())


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 3], [3, 3], [3, NC], [2.5], [3, 20]], ids=str)
def test_bad_cutoffs_raise_value_error(cutoffs):
    with pytest.raises(ValueError):
        torch.nn.AdaptiveLogSoftmaxWithLoss(IN, NC, cutoffs)
    with pytest.raises(ValueError, match="cutoffs should be"):
        anm.AdaptiveLogSoftmaxWithLoss(IN, NC, cutoffs)


def bad_calls():
    x = torch.randn(4, IN, dtype=DT)
    t = torch.tensor([0, 1, 2, 3])
    return {
        "target_too_large": ("forward", (x, torch.tensor([0, 1, 2, NC]))),
        "target_negative": ("forward", (x, torch.tensor([0, -1, 2, 3]))),
        "target_2d": ("forward", (x, t[None])),
        "batch_mismatch": ("forward", (x, t[:3])),
        "target_1d_input_3d": ("forward", (x[None, :, :].expand(4, 4, IN), t)),
        "target_0d_input_2d": ("forward", (x, t[0])),
        "float_target": ("forward", (x, t.double())),
        "wrong_features": ("forward", (x[:, :-1], t)),
        "log_prob_1d": ("log_prob", (x[0],)),
        "predict_1d": ("predict", (x[0],)),
    }


@pytest.mark.parametrize("case", list(bad_calls()))
def test_bad_inputs_raise_like_torch(case):
    method, args = bad_calls()[case]
    ref, ours = make_pair([3, 7], seed=9)
    with pytest.raises(Exception) as torch_error:
        getattr(ref, method)(*args)
    with pytest.raises(type(torch_error.value)) as our_error:
        getattr(ours, method)(*args)
    assert str(our_error.value)
    if case in SAME_MESSAGE:
        assert str(our_error.value) == str(torch_error.value)


SAME_MESSAGE = {"target_too_large", "target_negative", "target_2d", "batch_mismatch", "target_1d_input_3d",
                "target_0d_input_2d"}  # fmt: skip


def test_uses_actlab_log_softmax(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch log_softmax called")

    monkeypatch.setattr(torch.nn.functional, "log_softmax", forbidden)
    monkeypatch.setattr(torch, "log_softmax", forbidden)
    calls = []
    real = adaptive_module.AF.log_softmax
    monkeypatch.setattr(adaptive_module.AF, "log_softmax", lambda *a, **k: calls.append(1) or real(*a, **k))
    m = anm.AdaptiveLogSoftmaxWithLoss(IN, NC, [3, 7])
    x = torch.randn(3, IN)
    m(x, torch.tensor([0, 5, 9]))
    m.log_prob(x)
    assert len(calls) == 3 + 3
