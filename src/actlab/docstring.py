r"""Read a declaration's docstring: prose paragraphs, ``.. math::`` blocks, a one-line summary.

The docstrings use a little reStructuredText: ``code``, *emphasis*, :math:`inline TeX` and
``.. math::`` blocks (the math may continue on indented lines). :func:`plain` strips that markup
for a terminal; :mod:`actlab.report.markup` turns it into HTML.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

MATH = re.compile(r"^\s*\.\. math::\s?(.*)$")
ROLE = re.compile(r":math:`([^`]*)`")
LITERAL = re.compile(r"``([^`]+)``")
EMPH = re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])")


@dataclass(frozen=True)
class Docstring:
    """The prose paragraphs (lines joined) and the math blocks (TeX, lines joined), in order."""

    paragraphs: tuple[str, ...]
    math: tuple[str, ...]


def parse(doc: str | None) -> Docstring:
    """Split a docstring into prose paragraphs and ``.. math::`` blocks."""
    lines = inspect.cleandoc(doc or "").splitlines()
    paragraphs: list[str] = []
    math: list[str] = []
    current: list[str] = []
    in_math = False
    for line in [*lines, ""]:
        m = MATH.match(line)
        if m:
            if current:
                paragraphs.append(" ".join(current))
            current, in_math = [m.group(1).strip()] if m.group(1).strip() else [], True
        elif not line.strip():
            if current:
                (math if in_math else paragraphs).append(" ".join(current))
            current, in_math = [], False
        elif in_math and not line.startswith((" ", "\t")):  # the math block ended unindented
            math.append(" ".join(current))
            current, in_math = [line.strip()], False
        else:
            current.append(line.strip())
    return Docstring(tuple(paragraphs), tuple(m for m in math if m))


def plain(text: str) -> str:
    """``code`` -> code, *emphasis* -> emphasis, :math:`t` -> t (for a terminal)."""
    text = ROLE.sub(lambda m: m.group(1), text)
    text = LITERAL.sub(lambda m: m.group(1), text)
    return EMPH.sub(lambda m: m.group(1), text)


def summary(doc: str | None, fallback: str = "") -> str:
    """The first paragraph of the docstring, its lines joined, markup stripped."""
    paras = parse(doc).paragraphs
    return plain(paras[0]) if paras else fallback


def first_sentence(text: str) -> str:
    """Up to and including the first full stop that ends a sentence (the whole text if none)."""
    m = re.search(r"[.!?](\s|$)", text)
    return text[: m.start() + 1] if m else text


def _separator(tex: str, i: int) -> int:
    r"""Length of an equation separator at ``tex[i]``: ``\quad`` or ``;`` (0 if none)."""
    if tex.startswith(r"\quad", i) and not tex[i + 5 : i + 6].isalpha():
        return 5
    return 1 if tex[i] == ";" else 0


def _clean(piece: str) -> str:
    piece = piece.strip().rstrip(",;").strip()
    while piece.startswith(("\\ ", "\\,", "\\;")):
        piece = piece[2:].strip()
    return piece


def math_lines(tex: str) -> list[str]:
    r"""A math block split into its equations at top-level ``\quad`` and ``;`` separators (braces
    balanced, trailing commas dropped), so each renders on its own line."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (sep := _separator(tex, i)):
            piece = _clean(tex[start:i])
            if piece:
                parts.append(piece)
            start = i + sep
            i += sep
            continue
        i += 1
    tail = _clean(tex[start:])
    if tail:
        parts.append(tail)
    return parts
