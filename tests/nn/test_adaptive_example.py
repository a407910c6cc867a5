"""Runs the worked example of docs/adaptive_lm.md: a tiny language model (embedding -> GRU ->
actlab.nn.AdaptiveLogSoftmaxWithLoss) trained on Zipf-distributed text generated on the spot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import actlab.nn as anm

DOC = Path(__file__).resolve().parents[2] / "docs" / "adaptive_lm.md"


def code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


@pytest.fixture(scope="module")
def example() -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: threads only contend on a shared CPU
    try:
        namespace: dict = {"__name__": "adaptive_lm_example"}
        exec(compile(code_blocks()[0], str(DOC), "exec"), namespace)  # noqa: S102  (our own doc)
    finally:
        torch.set_num_threads(threads)
    return namespace


def test_the_doc_has_the_training_and_the_swap_examples():
    blocks = code_blocks()
    assert len(blocks) == 2
    assert "AdaptiveLogSoftmaxWithLoss" in blocks[0] and "loss.backward()" in blocks[0]


def test_text_is_zipf_ranked(example):
    counts = torch.bincount(example["text"], minlength=example["VOCAB"])
    assert counts[:10].sum() > counts[-100:].sum()  # frequent words have small ids
    assert int(counts.argmax()) < 10


def test_loss_decreases_below_the_unigram_entropy(example):
    losses, unigram = example["losses"], example["unigram_nats"]
    assert isinstance(example["model"].head, anm.AdaptiveLogSoftmaxWithLoss)
    assert len(losses) == example["STEPS"]
    assert losses[0] > 0.8 * torch.log(torch.tensor(float(example["VOCAB"]))).item()  # starts near uniform
    last = sum(losses[-10:]) / 10
    assert last < 0.6 * losses[0]
    assert last < unigram  # it used the context, not just word frequencies


def test_state_dict_swaps_with_torch(example):
    namespace = dict(example)
    exec(compile(code_blocks()[1], str(DOC), "exec"), namespace)  # noqa: S102
    model, ref = namespace["model"], namespace["ref"]
    with torch.no_grad():
        hidden, _ = model.rnn(model.embed(example["text"][None, :50]))
        hidden = hidden[0]
        torch.testing.assert_close(model.head.log_prob(hidden), ref.log_prob(hidden))
        torch.testing.assert_close(model.head.predict(hidden), ref.predict(hidden))
        target = example["text"][1:51]
        torch.testing.assert_close(model.head(hidden, target).loss, ref(hidden, target).loss)
