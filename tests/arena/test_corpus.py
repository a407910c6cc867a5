"""The language-model corpus: the standard library's sources, a fixed vocabulary, contiguous splits."""

from __future__ import annotations

import pytest

from actlab.arena import corpus


def test_encoding_uses_a_fixed_alphabet():
    ids = corpus.encode("def f(x):\n\treturn x  # é")
    assert ids.dtype.is_floating_point is False and ids.max() < corpus.VOCAB
    assert ids[-1] == corpus.OTHER  # 'é' is outside the alphabet
    assert "".join(corpus.ALPHABET[i] for i in ids[:-1].tolist()) == "def f(x):\n\treturn x  # "


def test_corpus_is_the_stdlib_split_90_5_5():
    c = corpus.stdlib_corpus(20_000)
    assert (len(c.train), len(c.val), len(c.test)) == (18_000, 1_000, 1_000)
    assert "stdlib" in c.description and len(c.sha256) == 64
    assert corpus.stdlib_corpus(20_000) is c  # read once per process
    first = sorted(corpus.stdlib_dir().glob("*.py"))[0]
    head = f"# file: {first.name}\n" + first.read_text(encoding="utf-8", errors="replace")
    assert corpus.encode(head[:200]).tolist() == c.train[:200].tolist()


def test_too_small_a_corpus_is_rejected():
    with pytest.raises(ValueError, match="at least"):
        corpus.stdlib_corpus(100)
