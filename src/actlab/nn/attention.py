r"""Multi-head attention from matmuls and actlab's softmax, drop-in for ``torch.nn.MultiheadAttention``.

.. math::
    \mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(h_1, \dots, h_H) W^O,\quad
    h_i = \mathrm{softmax}\!\Big(\frac{Q W_i^Q (K W_i^K)^\top}{\sqrt{d_h}} + M\Big) V W_i^V

Same constructor, parameter names, initialisation, ``state_dict`` keys, forward signature, mask
semantics (bool masks become ``-inf``, float masks are added, ``key_padding_mask`` is merged into
``attn_mask``), ``is_causal`` hint and argument errors as torch 2.13's slow path
(``F.multi_head_attention_forward``). The scores are ``q @ k^T``, the weights
:func:`actlab.functional.softmax`; no torch attention kernel is called.

torch quirks kept on purpose:

* ``need_weights=True`` runs the plain softmax, so a row with every key masked is NaN;
  ``need_weights=False`` runs torch's SDPA path, whose "safe" softmax gives such a row 0.
* ``is_causal=True`` needs an ``attn_mask``; with no ``key_padding_mask`` and ``need_weights=False``
  the mask is then ignored and a top-left causal mask ``tril(ones(L, S))`` is used instead.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch import Tensor, nn
from torch.nn.init import constant_, xavier_normal_, xavier_uniform_

from .. import functional as AF
from ..errors import ParameterAssertionError, ShapeError

__all__ = ["MultiheadAttention", "AttentionAssertionError"]


class AttentionAssertionError(ValueError, AssertionError):
    """A bad input shape or mask where torch's attention raises ``AssertionError``."""


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """:math:`x W^\\top + b`."""
    y = x @ weight.transpose(0, 1)
    return y if bias is None else y + bias


def _mha_shape_check(
    query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None, attn_mask: Tensor | None, heads: int
) -> bool:
    """Check the ranks of the inputs and masks; return whether the input is batched."""
    if query.dim() not in (2, 3):
        raise AttentionAssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor"
        )
    batched = query.dim() == 3
    kind, rank = ("batched (3-D)", 3) if batched else ("unbatched (2-D)", 2)
    if key.dim() != rank or value.dim() != rank:
        raise AttentionAssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {rank}-D"
            f" but found {key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != rank - 1:
        raise AttentionAssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {rank - 1}-D"
            f" but found {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AttentionAssertionError(
                f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.dim()}-D tensor instead"
            )
        if not batched and attn_mask.dim() == 3:
            expected = (heads, query.shape[0], key.shape[0])
            if attn_mask.shape != expected:
                raise AttentionAssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
    return batched


def _canonical_mask(
    mask: Tensor | None,
    name: str,
    other_type: torch.dtype | None,
    other_name: str,
    target_type: torch.dtype,
    check_other: bool = True,
) -> Tensor | None:
    """Bool mask -> additive float mask (True -> -inf); float masks pass through unchanged."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or None, got {type(mask).__name__}")
    is_float = torch.is_floating_point(mask)
    if mask.dtype != torch.bool and not is_float:
        raise AttentionAssertionError(f"only bool and floating types of {name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both instead.",
            stacklevel=3,
        )
    if not is_float:
        mask = torch.zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _dtype_of(mask: Tensor | None) -> torch.dtype | None:
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"attn_mask must be a torch.Tensor or None, got {type(mask).__name__}")
    return mask.dtype


def _dropout(weights: Tensor, p: float) -> Tensor:
    """Inverted dropout: zero each weight with probability p, scale the rest by 1 / (1 - p)."""
    if p <= 0.0:
        return weights
    if p >= 1.0:
        return torch.zeros_like(weights)
    keep = torch.rand_like(weights) >= p
    return weights * keep / (1.0 - p)


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim, but 0 (not NaN) on rows where every score is -inf (torch's SDPA)."""
    dead = (scores == float("-inf")).all(-1, keepdim=True)
    weights = AF.softmax(torch.where(dead, torch.zeros_like(scores), scores), dim=-1)
    return torch.where(dead, torch.zeros_like(weights), weights)


def _check_attn_mask_shape(attn_mask: Tensor, bsz: int, heads: int, tgt_len: int, src_len: int) -> Tensor:
    """Return the mask as 3-D (1 or bsz*heads, L, S), with torch's errors."""
    if attn_mask.dim() == 2:
        if attn_mask.shape != (tgt_len, src_len):
            raise ShapeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if attn_mask.shape != (bsz * heads, tgt_len, src_len):
            raise ShapeError(
                f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be {(bsz * heads, tgt_len, src_len)}."
            )
        return attn_mask
    raise ShapeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """Append one zero (= "may attend") column for an added key."""
    if mask is None:
        return None
    return torch.cat([mask, mask.new_zeros((*mask.shape[:-1], 1))], dim=-1)


def _in_projection(mha: MultiheadAttention, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v = query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v."""
    E = mha.embed_dim
    b = mha.in_proj_bias
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    if mha._qkv_same_embed_dim:
        if key.shape != value.shape:
            raise AttentionAssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if key.size(-1) != E:
            raise ShapeError(f"expected key and value to have embedding dimension {E}, but got {key.size(-1)}")
        w_q, w_k, w_v = mha.in_proj_weight.chunk(3)
    else:
        if key.shape[:2] != value.shape[:2]:
            raise AttentionAssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}"
            )
        w_q, w_k, w_v = mha.q_proj_weight, mha.k_proj_weight, mha.v_proj_weight
        for what, w, x in (("key", w_k, key), ("value", w_v, value)):
            if w.shape != (E, x.size(-1)):
                raise AttentionAssertionError(f"expecting {what} weights shape of {(E, x.size(-1))}, but got {w.shape}")
    return _linear(query, w_q, b_q), _linear(key, w_k, b_k), _linear(value, w_v, b_v)


class _OutProjection(nn.Linear):
    """The output projection (torch's ``NonDynamicallyQuantizableLinear``: a plain Linear)."""


class MultiheadAttention(nn.Module):
    r"""Multi-head attention (Vaswani et al., 2017, "Attention Is All You Need").

    .. math::
        \mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(h_1, \dots, h_H) W^O,\quad
        h_i = \mathrm{softmax}\!\Big(\frac{Q W_i^Q (K W_i^K)^\top}{\sqrt{d_h}} + M\Big) V W_i^V

    Args:
        embed_dim: model dimension E (split over ``num_heads``, so E must be divisible by it).
        num_heads: number of heads H; head dimension :math:`d_h = E / H`.
        dropout: dropout probability on the attention weights (training only). Default 0.0.
        bias: add biases to the input and output projections. Default True.
        add_bias_kv: append learned ``bias_k``/``bias_v`` to the key/value sequences. Default False.
        add_zero_attn: append a zero key/value after projection. Default False.
        kdim, vdim: key/value feature sizes (default E); if either differs from E the projections are
            separate ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` instead of ``in_proj_weight``.
        batch_first: inputs/outputs are (N, L, E) instead of (L, N, E). Default False.

    Shape:
        query (L, E) | (L, N, E) | (N, L, E); key (S, kdim) ...; value (S, vdim) ...;
        key_padding_mask (S) | (N, S); attn_mask (L, S) | (N*H, L, S).
        Output (L, E) | (L, N, E) | (N, L, E); weights (L, S) | (N, L, S), or per head (H, L, S) | (N, H, L, S).

    Examples::

        >>> mha = MultiheadAttention(8, 2, batch_first=True)
        >>> x = torch.randn(3, 5, 8)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        (torch.Size([3, 5, 8]), torch.Size([3, 5, 5]))
    """

    __constants__ = ["batch_first"]
    bias_k: Tensor | None
    bias_v: Tensor | None

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0,"
                f" got embed_dim={embed_dim} and num_heads={num_heads} instead"
            )
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ParameterAssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = nn.Parameter(torch.empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = nn.Parameter(torch.empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = nn.Parameter(torch.empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = nn.Parameter(torch.empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = _OutProjection(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = nn.Parameter(torch.empty((1, 1, embed_dim), **factory))
            self.bias_v = nn.Parameter(torch.empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, Xavier-normal ``bias_k``/``bias_v`` (as torch)."""
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def __setstate__(self, state: dict) -> None:
        # checkpoints pickled before kdim/vdim existed (torch 1.1) are packed
        state.setdefault("_qkv_same_embed_dim", True)
        super().__setstate__(state)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``; return (output, weights or None)."""
        for name, x in (("query", query), ("key", key), ("value", value)):
            if not isinstance(x, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a torch.Tensor, got {type(x).__name__}")
        key_padding_mask = _canonical_mask(
            key_padding_mask, "key_padding_mask", _dtype_of(attn_mask), "attn_mask", query.dtype
        )
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        batched = query.dim() == 3
        if self.batch_first and batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = self._attend(
            query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal
        )
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights

    def _attend(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None,
        need_weights: bool,
        attn_mask: Tensor | None,
        average_attn_weights: bool,
        is_causal: bool,
    ) -> tuple[Tensor, Tensor | None]:
        """Sequence-first attention (torch's ``multi_head_attention_forward``)."""
        H = self.num_heads
        batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, H)
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
        key_padding_mask = _canonical_mask(
            key_padding_mask, "key_padding_mask", _dtype_of(attn_mask), "attn_mask", query.dtype
        )
        if is_causal and attn_mask is None:
            raise ShapeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
                "`generate_square_subsequent_mask` to create this mask."
            )
        causal = is_causal and key_padding_mask is None and not need_weights
        if causal:
            attn_mask = None  # torch hands the hint to SDPA and ignores the mask
        else:
            attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if embed_dim != self.embed_dim:
            raise AttentionAssertionError(f"was expecting embedding dimension of {self.embed_dim}, but got {embed_dim}")

        q, k, v = _in_projection(self, query, key, value)
        if key.shape[1] != bsz:
            raise ShapeError(f"key and value batch size {key.shape[1]} does not match query batch size {bsz}")
        if attn_mask is not None:
            attn_mask = _check_attn_mask_shape(attn_mask, bsz, H, tgt_len, src_len)
        if self.bias_k is not None and self.bias_v is not None:
            k = torch.cat([k, self.bias_k.repeat(1, bsz, 1)])
            v = torch.cat([v, self.bias_v.repeat(1, bsz, 1)])
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)

        d = self.head_dim
        q = q.reshape(tgt_len, bsz * H, d).transpose(0, 1)  # (N*H, L, d)
        k = k.reshape(k.shape[0], bsz * H, d).transpose(0, 1)  # (N*H, S, d)
        v = v.reshape(v.shape[0], bsz * H, d).transpose(0, 1)
        if self.add_zero_attn:
            zeros = torch.zeros((bsz * H, 1, d), dtype=k.dtype, device=k.device)
            k, v = torch.cat([k, zeros], dim=1), torch.cat([v, zeros], dim=1)
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        src_len = k.size(1)

        if key_padding_mask is not None:
            if key_padding_mask.shape[0] != bsz:
                raise AttentionAssertionError(
                    f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}"
                )
            if key_padding_mask.shape[1] != src_len:
                raise AttentionAssertionError(
                    f"Expected key_padded_mask.shape[1] to be {src_len}, but got {key_padding_mask.shape[1]}"
                )
            kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, H, -1, -1).reshape(bsz * H, 1, src_len)
            attn_mask = kpm if attn_mask is None else attn_mask + kpm
        if causal:
            allowed = torch.ones(tgt_len, src_len, dtype=torch.bool, device=q.device).tril()
            attn_mask = torch.zeros(tgt_len, src_len, dtype=q.dtype, device=q.device).masked_fill_(~allowed, -math.inf)

        scores = (q * math.sqrt(1.0 / d)) @ k.transpose(-2, -1)  # (N*H, L, S)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = AF.softmax(scores, dim=-1) if need_weights else _safe_softmax(scores)
        weights = _dropout(weights, self.dropout if self.training else 0.0)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = _linear(out, self.out_proj.weight, self.out_proj.bias).reshape(tgt_len, bsz, embed_dim)
        if not batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        weights = weights.reshape(bsz, H, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights
