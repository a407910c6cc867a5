r"""A tiny character-level transformer whose feed-forward activation is the variable.

Pre-norm GPT blocks: :math:`h \leftarrow h + \mathrm{Attn}(\mathrm{LN}(h))`,
:math:`h \leftarrow h + \mathrm{FFN}(\mathrm{LN}(h))`, causal multi-head attention
(``scaled_dot_product_attention``), learned positions, bias-free feed-forward layers.

Feed-forward at equal parameter count (Shazeer 2020 keeps the count by shrinking the gated width
to 2/3): an ordinary activation gets :math:`W_2\,\mathrm{act}(W_1 x)` with width 3d
(2 * d * 3d = 6d^2 weights); a gated one gets :math:`W_2\,(xV \otimes \mathrm{gate}(xW))` with
width 2d (3 * d * 2d = 6d^2 weights). Parametric activations add their own few parameters
(PReLU: one per unit).

Initial weights: the seed draws embeddings, attention, norms and the output layer first, then
the feed-forward layers, so every activation shares the non-FFN weights, and all non-gated ones
share the FFN weights too.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..kinds import Activation
from .layers import hidden_activation, is_gated


class FeedForward(nn.Module):
    """``fc2(act(fc1(x)))`` on the flattened tokens (parametric activations act on dim 1)."""

    def __init__(self, decl: type[Activation], d: int) -> None:
        super().__init__()
        width = 2 * d if is_gated(decl) else 3 * d
        self.act, factor = hidden_activation(decl, width)
        self.fc1 = nn.Linear(d, int(factor * width), bias=False)
        self.fc2 = nn.Linear(width, d, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        flat = x.reshape(-1, x.shape[-1])
        return self.fc2(self.act(self.fc1(flat))).reshape(x.shape)


class SelfAttention(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        if d % heads:
            raise ValueError(f"width {d} is not divisible by {heads} heads")
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.out = nn.Linear(d, d, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, attention: SelfAttention, ffn: FeedForward, d: int) -> None:
        super().__init__()
        self.ln1, self.attn, self.ln2, self.ffn = nn.LayerNorm(d), attention, nn.LayerNorm(d), ffn

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class CharTransformer(nn.Module):
    """Token and position embeddings, ``layers`` blocks, final norm, linear read-out to the vocabulary."""

    def __init__(
        self,
        decl: type[Activation],
        vocab: int,
        d: int = 64,
        layers: int = 2,
        heads: int = 4,
        context: int = 64,
        seed: int = 0,
    ) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.context = context
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(context, d)
        for emb in (self.tok, self.pos):
            nn.init.normal_(emb.weight, std=0.02)
        attention = [SelfAttention(d, heads) for _ in range(layers)]
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        ffns = [FeedForward(decl, d) for _ in range(layers)]  # drawn last: see the module docstring
        self.blocks = nn.ModuleList(Block(a, f, d) for a, f in zip(attention, ffns))

    def forward(self, ids: Tensor) -> Tensor:
        t = ids.shape[1]
        if t > self.context:
            raise ValueError(f"sequence of {t} tokens is longer than the context ({self.context})")
        h = self.tok(ids) + self.pos(torch.arange(t, device=ids.device))
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln(h))


def ffn_parameters(model: CharTransformer) -> int:
    """Parameters in the feed-forward layers (projections and any activation parameters)."""
    return sum(p.numel() for b in model.blocks for p in b.ffn.parameters())
