"""The language-model corpus: the Python standard library's own source files, read from disk.

The top-level ``*.py`` files of the running interpreter's standard library (the directory of
``os.py``), sorted by name, concatenated and cut at ``size`` characters; split in contiguous
blocks 90 / 5 / 5 into train, validation and test. Characters are bytes of a fixed vocabulary
(tab, newline and printable ASCII 32..126; anything else maps to one extra id), so the encoding
does not depend on the text. The text differs between Python versions: records state the version
and the corpus's SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch
from torch import Tensor

ALPHABET = "\t\n" + "".join(chr(c) for c in range(32, 127))
OTHER = len(ALPHABET)  # id of every character outside the alphabet
VOCAB = len(ALPHABET) + 1
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def encode(text: str) -> Tensor:
    """Character ids (int64) of ``text``."""
    return torch.tensor([_INDEX.get(c, OTHER) for c in text], dtype=torch.int64)


def stdlib_dir() -> Path:
    return Path(os.__file__).resolve().parent


@dataclass(frozen=True)
class Corpus:
    """Encoded train / validation / test character ids and a description of the source."""

    train: Tensor
    val: Tensor
    test: Tensor
    description: str
    sha256: str


@cache
def stdlib_corpus(size: int = 1_000_000) -> Corpus:
    """The first ``size`` characters of the sorted standard-library sources, split 90/5/5."""
    if size < 10_000:
        raise ValueError(f"corpus size must be at least 10000 characters, got {size}")
    parts, total, files = [], 0, 0
    for path in sorted(stdlib_dir().glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        parts.append(f"# file: {path.name}\n{text}\n")
        total, files = total + len(parts[-1]), files + 1
        if total >= size:
            break
    text = "".join(parts)[:size]
    if len(text) < size:
        raise ValueError(f"the standard library at {stdlib_dir()} has only {len(text)} characters of *.py")
    ids = encode(text)
    a, b = int(0.9 * size), int(0.95 * size)
    desc = f"Python {platform.python_version()} stdlib: first {size} chars of {files} top-level *.py files (sorted)"
    return Corpus(ids[:a], ids[a:b], ids[b:], desc, hashlib.sha256(text.encode()).hexdigest())
