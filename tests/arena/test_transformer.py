"""The tiny character transformer: equal FFN parameter counts, shared initial weights, causality,
and bits per character that fall during training."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from actlab import declaration
from actlab.arena import TASKS, train
from actlab.arena.corpus import VOCAB
from actlab.arena.transformer import CharTransformer, ffn_parameters

FFN = ("ReLU", "GELU", "SiLU", "GLU", "SwiGLU", "GeGLU", "ReGLU")


def test_feed_forward_layers_have_equal_parameter_counts():
    counts = {n: ffn_parameters(CharTransformer(declaration(n), VOCAB, seed=0)) for n in FFN}
    assert set(counts.values()) == {2 * 6 * 64 * 64}  # 2 layers x 6 d^2, gated or not
    widths = {
        n: CharTransformer(declaration(n), VOCAB, seed=0).blocks[0].ffn.fc2.in_features for n in ("ReLU", "SwiGLU")
    }
    assert widths == {"ReLU": 192, "SwiGLU": 128}


def test_activations_share_every_initial_weight_outside_the_feed_forward():
    relu, swiglu, gelu = (CharTransformer(declaration(n), VOCAB, seed=4) for n in ("ReLU", "SwiGLU", "GELU"))
    shared = [k for k in relu.state_dict() if ".ffn." not in k]
    assert len(shared) > 10
    for k in shared:
        assert torch.equal(relu.state_dict()[k], swiglu.state_dict()[k]), k
    for k, v in relu.state_dict().items():  # non-gated activations share the FFN weights too
        assert torch.equal(v, gelu.state_dict()[k]), k


def test_the_model_is_causal():
    model = CharTransformer(declaration("GELU"), VOCAB, context=16, seed=0)
    ids = torch.randint(0, VOCAB, (2, 16), generator=torch.Generator().manual_seed(0))
    changed = ids.clone()
    changed[:, 10:] = (changed[:, 10:] + 1) % VOCAB
    torch.testing.assert_close(model(ids)[:, :10], model(changed)[:, :10])
    assert not torch.allclose(model(ids)[:, 10:], model(changed)[:, 10:])
    with pytest.raises(ValueError, match="longer than the context"):
        model(torch.zeros(1, 17, dtype=torch.int64))


def test_bits_per_character_fall_during_training():
    name = "SwiGLU"
    task = dataclasses.replace(TASKS["lm"], steps=30, evals=3, batch_size=8, eval_windows=32)
    untrained = task.score(task.build(declaration(name), 0), task.data(), "val")
    assert untrained > math.log2(VOCAB) - 0.5  # a fresh model guesses about uniformly (6.6 bits)
    run = train(task, declaration(name), 0, 1e-2)
    assert run.val_curve[-1] < run.val_curve[0] < untrained
    assert run.val < untrained - 2.0 and run.test < untrained - 2.0
