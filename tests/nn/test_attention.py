"""actlab.nn.MultiheadAttention against torch.nn.MultiheadAttention (float64, state_dict shared)."""

from __future__ import annotations

import itertools
import warnings

import pytest
import torch

import actlab.nn as anm
from actlab.nn import attention as attention_module

E, H, L, S, N = 8, 2, 3, 4, 2
KDIM, VDIM = 5, 6
DT = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-12}


pytestmark = pytest.mark.usefixtures("single_thread")  # tiny float64 ops (tests/conftest.py)


def make_pair(seed: int = 0, **kwargs) -> tuple[torch.nn.MultiheadAttention, anm.MultiheadAttention]:
    """torch's module and ours with torch's parameters loaded into ours."""
    torch.manual_seed(seed)
    ref = torch.nn.MultiheadAttention(E, H, dtype=DT, **kwargs)
    with torch.no_grad():  # make every parameter non-trivial (biases start at 0)
        for p in ref.parameters():
            p.add_(0.1 * torch.randn_like(p))
    ours = anm.MultiheadAttention(E, H, dtype=DT, **kwargs)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def make_inputs(
    seed: int, batch_first: bool = False, unbatched: bool = False, kdim: int = E, vdim: int = E, src: int = S
) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)

    def shape(length: int, dim: int) -> tuple[int, ...]:
        if unbatched:
            return (length, dim)
        return (N, length, dim) if batch_first else (length, N, dim)

    return [torch.randn(shape(n, d), generator=g, dtype=DT) for n, d in ((L, E), (src, kdim), (src, vdim))]


def masks(kind: str, batch: int = N, src: int = S) -> dict[str, torch.Tensor]:
    """Masks that never hide every key of a row (those rows are NaN in torch, tested separately)."""
    g = torch.Generator().manual_seed(7)
    bool2 = torch.rand(L, src, generator=g) < 0.4
    bool2[:, 0] = False
    bool3 = torch.rand(batch * H, L, src, generator=g) < 0.4
    bool3[..., 1] = False
    kpm = torch.zeros(batch, src, dtype=torch.bool)
    kpm[-1, -1] = True
    kpm[0, -2] = True

    def to_float(m: torch.Tensor) -> torch.Tensor:
        return torch.zeros(m.shape, dtype=DT).masked_fill(m, float("-inf")) + 0.3 * torch.randn(
            m.shape, generator=g, dtype=DT
        )

    return {
        "none": {},
        "attn_bool_2d": {"attn_mask": bool2},
        "attn_float_2d": {"attn_mask": to_float(bool2)},
        "attn_bool_3d": {"attn_mask": bool3},
        "attn_float_3d": {"attn_mask": to_float(bool3)},
        "kpm_bool": {"key_padding_mask": kpm},
        "kpm_float": {"key_padding_mask": to_float(kpm)},
        "both_bool": {"attn_mask": bool2, "key_padding_mask": kpm},
        "both_float": {"attn_mask": to_float(bool3), "key_padding_mask": to_float(kpm)},
    }[kind]


def leaves(module: torch.nn.Module, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
    return [*inputs, *(p for _, p in sorted(module.named_parameters()))]


def run(
    module: torch.nn.Module, inputs: list[torch.Tensor], **kwargs
) -> tuple[torch.Tensor, torch.Tensor | None, list]:
    """Forward, then backward of a fixed random projection of (output, weights); return grads."""
    xs = [x.clone().requires_grad_() for x in inputs]
    if inputs[0] is inputs[1] is inputs[2]:
        xs = [xs[0]] * 3
    out, weights = module(*xs, **kwargs)
    g = torch.Generator().manual_seed(3)
    loss = (out * torch.randn(out.shape, generator=g, dtype=DT)).sum()
    if weights is not None:
        loss = loss + (weights * torch.randn(weights.shape, generator=g, dtype=DT)).sum()
    params = [p for _, p in sorted(module.named_parameters())]
    unique_xs = list(dict.fromkeys(xs))
    grads = torch.autograd.grad(loss, [*unique_xs, *params], allow_unused=True)
    return out, weights, list(grads)


def assert_same(ref: torch.nn.Module, ours: torch.nn.Module, inputs: list[torch.Tensor], **kwargs) -> None:
    out_r, w_r, g_r = run(ref, inputs, **kwargs)
    out_o, w_o, g_o = run(ours, inputs, **kwargs)
    torch.testing.assert_close(out_o, out_r, **TOL)
    if w_r is None:
        assert w_o is None
    else:
        torch.testing.assert_close(w_o, w_r, **TOL)
    assert len(g_o) == len(g_r)
    for a, b in zip(g_o, g_r):
        if b is None:
            assert a is None or torch.count_nonzero(a) == 0
        else:
            torch.testing.assert_close(a, b, **TOL)


FLAGS = list(itertools.product([True, False], repeat=5))


@pytest.mark.parametrize("mask_kind", ["none", "attn_bool_2d", "attn_float_3d", "kpm_bool", "both_bool", "both_float"])
@pytest.mark.parametrize(
    "bias,add_bias_kv,add_zero_attn,separate_dims,batch_first",
    FLAGS,
    ids=["".join("TF"[not f] for f in flags) for flags in FLAGS],
)
def test_every_flag_combination(bias, add_bias_kv, add_zero_attn, separate_dims, batch_first, mask_kind):
    dims = {"kdim": KDIM, "vdim": VDIM} if separate_dims else {}
    flags = {"bias": bias, "add_bias_kv": add_bias_kv, "add_zero_attn": add_zero_attn, "batch_first": batch_first}
    ref, ours = make_pair(**flags, **dims)
    inputs = make_inputs(1, batch_first=batch_first, **dims)
    for need_weights, average in ((True, True), (True, False), (False, True)):
        assert_same(ref, ours, inputs, need_weights=need_weights, average_attn_weights=average, **masks(mask_kind))


@pytest.mark.parametrize("mask_kind", ["none", "attn_bool_2d", "attn_float_2d", "attn_bool_3d", "attn_float_3d",
                                       "kpm_bool", "kpm_float", "both_bool", "both_float"])  # fmt: skip
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("training", [False, True])
def test_masks(mask_kind, need_weights, average, training):
    ref, ours = make_pair(seed=2, add_bias_kv=True)
    ref.train(training)
    ours.train(training)
    assert_same(ref, ours, make_inputs(4), need_weights=need_weights, average_attn_weights=average, **masks(mask_kind))


@pytest.mark.parametrize(
    "mask_kind", ["none", "attn_bool_2d", "attn_float_2d", "attn_bool_3d", "kpm_bool", "both_bool"]
)
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched(mask_kind, need_weights, average, batch_first):
    ref, ours = make_pair(seed=3, add_zero_attn=True, batch_first=batch_first)
    m = masks(mask_kind, batch=1)
    if "key_padding_mask" in m:
        m["key_padding_mask"] = m["key_padding_mask"][0]
    inputs = make_inputs(5, unbatched=True)
    assert_same(ref, ours, inputs, need_weights=need_weights, average_attn_weights=average, **m)
    out, weights = ours(*inputs, need_weights=True, average_attn_weights=average, **m)
    assert out.shape == (L, E)
    assert weights.shape == ((L, S + 1) if average else (H, L, S + 1))  # + the zero key


@pytest.mark.parametrize("batch_first", [False, True])
def test_self_attention_same_tensor_and_eval_no_grad(batch_first):
    """query is key is value; in eval + no_grad torch may take its fused fast path."""
    ref, ours = make_pair(seed=4, batch_first=batch_first)
    ref.eval()
    ours.eval()
    x = make_inputs(6, batch_first=batch_first)[0]
    assert_same(ref, ours, [x, x, x])
    kpm = masks("kpm_bool")["key_padding_mask"][:, :L]
    with torch.no_grad():
        for kwargs in ({}, {"key_padding_mask": kpm}, {"need_weights": False}):
            for a, b in zip(ours(x, x, x, **kwargs), ref(x, x, x, **kwargs)):
                if b is None:
                    assert a is None
                else:
                    torch.testing.assert_close(a, b, **TOL)


def causal(size_l: int, size_s: int, as_bool: bool) -> torch.Tensor:
    upper = torch.ones(size_l, size_s, dtype=torch.bool).triu(1)
    return upper if as_bool else torch.zeros(size_l, size_s, dtype=DT).masked_fill(upper, float("-inf"))


@pytest.mark.parametrize("as_bool", [True, False])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [True, False])
@pytest.mark.parametrize("extra_keys", [False, True])
def test_is_causal_with_causal_mask(as_bool, need_weights, with_kpm, extra_keys):
    ref, ours = make_pair(seed=5, add_bias_kv=extra_keys, add_zero_attn=extra_keys)
    inputs = make_inputs(7, src=L)
    kwargs = {"attn_mask": causal(L, L, as_bool), "is_causal": True, "need_weights": need_weights}
    if with_kpm:
        kpm = torch.zeros(N, L, dtype=torch.bool)
        kpm[0, 2] = True
        kwargs["key_padding_mask"] = kpm if as_bool else torch.zeros(N, L, dtype=DT).masked_fill(kpm, float("-inf"))
    assert_same(ref, ours, inputs, **kwargs)
    # without the hint the same mask gives the same answer
    if not extra_keys:
        out_hint, _ = ours(*inputs, **kwargs)
        out_plain, _ = ours(*inputs, **{**kwargs, "is_causal": False})
        torch.testing.assert_close(out_hint, out_plain, **TOL)


def test_is_causal_hint_ignores_the_mask_like_torch():
    """torch: need_weights=False and no key_padding_mask -> SDPA's causal mask, attn_mask unused."""
    ref, ours = make_pair(seed=6)
    inputs = make_inputs(8, src=L)
    not_causal = torch.randn(L, L, dtype=DT)  # torch ignores its values
    assert_same(ref, ours, inputs, attn_mask=not_causal, is_causal=True, need_weights=False)
    wrong_shape = torch.zeros(L + 1, L + 2, dtype=torch.bool)  # ... and even its shape
    assert_same(ref, ours, inputs, attn_mask=wrong_shape, is_causal=True, need_weights=False)
    hinted, _ = ours(*inputs, attn_mask=not_causal, is_causal=True, need_weights=False)
    masked, _ = ours(*inputs, attn_mask=causal(L, L, True), need_weights=False)
    torch.testing.assert_close(hinted, masked, **TOL)


@pytest.mark.parametrize("need_weights", [True, False])
def test_fully_masked_rows_match_torch(need_weights):
    """A row whose keys are all masked: NaN with need_weights (softmax), 0 without (torch's SDPA)."""
    ref, ours = make_pair(seed=7)
    inputs = make_inputs(9)
    kpm = torch.zeros(N, S, dtype=torch.bool)
    kpm[0] = True
    out_r, _ = ref(*inputs, key_padding_mask=kpm, need_weights=need_weights)
    out_o, _ = ours(*inputs, key_padding_mask=kpm, need_weights=need_weights)
    torch.testing.assert_close(out_o, out_r, equal_nan=True, **TOL)
    assert out_o[:, 0].isnan().all() == need_weights
    if not need_weights:
        assert_same(ref, ours, inputs, key_padding_mask=kpm, need_weights=False)


def test_dropout_scales_weights_in_training_only():
    p = 0.5
    torch.manual_seed(0)
    ours = anm.MultiheadAttention(E, H, dropout=p, dtype=DT)
    ref = torch.nn.MultiheadAttention(E, H, dropout=p, dtype=DT)
    ref.load_state_dict(ours.state_dict())  # and the other way round
    inputs = make_inputs(10)
    ours.eval()
    ref.eval()
    clean_o, clean_w = ours(*inputs, average_attn_weights=False)
    again_o, again_w = ours(*inputs, average_attn_weights=False)
    assert torch.equal(clean_o, again_o) and torch.equal(clean_w, again_w)
    torch.testing.assert_close(clean_w, ref(*inputs, average_attn_weights=False)[1], **TOL)
    ours.train()
    torch.manual_seed(1)
    _, dropped = ours(*inputs, average_attn_weights=False)
    kept = dropped != 0
    assert 0 < kept.sum() < kept.numel()
    torch.testing.assert_close(dropped[kept], clean_w[kept] / (1 - p), **TOL)
    # the output is the out-projection of the dropped weights times the values
    torch.manual_seed(1)
    out, _ = ours(*inputs, need_weights=False)
    torch.manual_seed(1)
    out_w, _ = ours(*inputs)
    torch.testing.assert_close(out, out_w, **TOL)
    assert not torch.allclose(out, clean_o)


def test_train_mode_without_dropout_matches_torch():
    ref, ours = make_pair(seed=8, add_bias_kv=True, kdim=KDIM)
    ref.train()
    ours.train()
    assert_same(ref, ours, make_inputs(11, kdim=KDIM), **masks("both_bool"))


@pytest.mark.parametrize("separate_dims", [False, True])
@pytest.mark.parametrize("bias,add_bias_kv", [(True, True), (False, False)])
def test_parameters_init_and_state_dict_match_torch(separate_dims, bias, add_bias_kv):
    dims = {"kdim": KDIM, "vdim": VDIM} if separate_dims else {}
    kwargs = {"bias": bias, "add_bias_kv": add_bias_kv, **dims}
    torch.manual_seed(11)
    ref = torch.nn.MultiheadAttention(E, H, **kwargs)
    torch.manual_seed(11)
    ours = anm.MultiheadAttention(E, H, **kwargs)
    sd_r, sd_o = ref.state_dict(), ours.state_dict()
    assert list(sd_o) == list(sd_r)
    for k in sd_r:
        assert torch.equal(sd_o[k], sd_r[k]), k
    assert ours._qkv_same_embed_dim == (not separate_dims)
    assert (ours.in_proj_weight is None) == separate_dims
    assert isinstance(ours.out_proj, torch.nn.Linear)
    torch.manual_seed(12)
    ref._reset_parameters()
    torch.manual_seed(12)
    ours._reset_parameters()
    for k, v in ref.state_dict().items():
        assert torch.equal(ours.state_dict()[k], v), k
    # round trip: ours -> torch
    with torch.no_grad():
        for param in ours.parameters():
            param.normal_()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(L, N, E)
    k, v = torch.randn(S, N, ours.kdim), torch.randn(S, N, ours.vdim)
    torch.testing.assert_close(ours(x, k, v)[0], ref(x, k, v)[0])


def test_constructor_attributes_and_device_dtype():
    m = anm.MultiheadAttention(E, H, dropout=0.1, kdim=KDIM, batch_first=True, dtype=torch.float64, device="cpu")
    assert (m.embed_dim, m.num_heads, m.head_dim, m.kdim, m.vdim, m.dropout, m.batch_first) == (
        E, H, E // H, KDIM, E, 0.1, True,
    )  # fmt: skip
    assert all(p.dtype == torch.float64 for p in m.parameters())
    assert m.bias_k is None and m.bias_v is None


def error_cases():
    x = torch.randn(L, N, E, dtype=DT)
    k = torch.randn(S, N, E, dtype=DT)
    return {
        "query_1d": ((x[0, 0], x[0, 0], x[0, 0]), {}),
        "query_4d": ((x[None], k[None], k[None]), {}),
        "key_2d_for_batched": ((x, k[:, 0], k[:, 0]), {}),
        "key_3d_for_unbatched": ((x[:, 0], k, k), {}),
        "kpm_wrong_rank": ((x, k, k), {"key_padding_mask": torch.zeros(S, dtype=torch.bool)}),
        "kpm_wrong_batch": ((x, k, k), {"key_padding_mask": torch.zeros(N + 1, S, dtype=torch.bool)}),
        "kpm_wrong_length": ((x, k, k), {"key_padding_mask": torch.zeros(N, S + 1, dtype=torch.bool)}),
        "attn_mask_4d": ((x, k, k), {"attn_mask": torch.zeros(1, N * H, L, S, dtype=torch.bool)}),
        "attn_mask_2d_shape": ((x, k, k), {"attn_mask": torch.zeros(L, S + 1, dtype=torch.bool)}),
        "attn_mask_3d_shape": ((x, k, k), {"attn_mask": torch.zeros(N, L, S, dtype=torch.bool)}),
        "attn_mask_3d_unbatched": ((x[:, 0], k[:, 0], k[:, 0]), {"attn_mask": torch.zeros(1, L, S, dtype=torch.bool)}),
        "attn_mask_int": ((x, k, k), {"attn_mask": torch.zeros(L, S, dtype=torch.int64)}),
        "kpm_int": ((x, k, k), {"key_padding_mask": torch.zeros(N, S, dtype=torch.int32)}),
        "query_embed_dim": ((x[..., :-2], k, k), {}),
        "key_value_mismatch": ((x, k, k[:-1]), {}),
        "key_embed_dim": ((x, k[..., :-1], k[..., :-1]), {}),
        "is_causal_without_mask": ((x, k, k), {"is_causal": True}),
        "key_batch_size": ((x, k[:, :1], k[:, :1]), {}),
    }


@pytest.mark.parametrize("case", list(error_cases()))
def test_bad_inputs_raise_like_torch(case):
    args, kwargs = error_cases()[case]
    ref, ours = make_pair(seed=9)
    with pytest.raises(Exception) as torch_error:
        ref(*args, **kwargs)
    with pytest.raises(type(torch_error.value)) as our_error:
        ours(*args, **kwargs)
    assert str(our_error.value)


@pytest.mark.parametrize(
    "args,expected",
    [((0, 2), ValueError), ((8, 0), ValueError), ((8, 3), AssertionError)],
)
def test_bad_constructor_arguments(args, expected):
    with pytest.raises(expected):
        torch.nn.MultiheadAttention(*args)
    with pytest.raises(expected, match="embed_dim"):
        anm.MultiheadAttention(*args)


def test_separate_weights_of_wrong_shape_raise():
    ours = anm.MultiheadAttention(E, H, kdim=KDIM, vdim=VDIM)
    x, k, v = torch.randn(L, N, E), torch.randn(S, N, KDIM + 1), torch.randn(S, N, VDIM)
    with pytest.raises(AssertionError, match="key weights shape"):
        ours(x, k, v)
    with pytest.raises(AssertionError, match="sequence and batch dims"):
        ours(x, k[:, :1], v)


def test_mismatched_mask_types_warn_like_torch():
    ref, ours = make_pair(seed=10)
    inputs = make_inputs(12)
    kwargs = {
        "attn_mask": masks("attn_float_2d")["attn_mask"],
        "key_padding_mask": masks("kpm_bool")["key_padding_mask"],
    }
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask is deprecated"):
        ref(*inputs, **kwargs)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask is deprecated"):
        ours(*inputs, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours(*inputs, **masks("both_bool"))  # matching types: silent
        assert_same(ref, ours, inputs, **masks("both_float"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(ref, ours, inputs, **kwargs)


def test_no_torch_attention_or_softmax_is_called(monkeypatch):
    """The scores go through actlab's softmax; torch's attention kernels and softmax are never used."""

    def forbidden(*args, **kwargs):
        raise AssertionError("torch attention/softmax called")

    for name in ("multi_head_attention_forward", "scaled_dot_product_attention", "softmax"):
        monkeypatch.setattr(torch.nn.functional, name, forbidden)
    monkeypatch.setattr(torch, "softmax", forbidden)
    monkeypatch.setattr(torch, "_native_multi_head_attention", forbidden)
    calls = []
    real = attention_module.AF.softmax
    monkeypatch.setattr(attention_module.AF, "softmax", lambda *a, **k: calls.append(1) or real(*a, **k))
    ours = anm.MultiheadAttention(E, H, batch_first=True).eval()
    x = torch.randn(N, L, E)
    with torch.no_grad():
        ours(x, x, x)
        ours(x, x, x, need_weights=False)
    assert len(calls) == 2


@pytest.mark.parametrize("need_weights", [True, False])
def test_gradcheck_and_gradgradcheck(need_weights):
    """First and second derivatives of the whole module (through actlab's softmax) by finite differences."""
    torch.manual_seed(13)
    m = anm.MultiheadAttention(4, 2, add_bias_kv=True, dtype=DT)
    q, k = torch.randn(2, 1, 4, dtype=DT, requires_grad=True), torch.randn(3, 1, 4, dtype=DT, requires_grad=True)
    kpm = torch.tensor([[False, True, False]])

    def f(q, k):
        out, weights = m(q, k, k, key_padding_mask=kpm, need_weights=need_weights)
        return out if weights is None else (out, weights)

    assert torch.autograd.gradcheck(f, (q, k))
    assert torch.autograd.gradgradcheck(f, (q, k))
