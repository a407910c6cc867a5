"""The docstrings' reStructuredText as Markdown (what mkdocstrings renders)."""

from __future__ import annotations

from actlab.docsite import rst


def test_roles_become_markdown() -> None:
    text = r"Calls :func:`~actlab.forms.form_for` on :math:`J^\top g` and :class:`.Param`."
    assert rst.inline(text) == r"Calls `actlab.forms.form_for` on $J^\top g$ and `Param`."


def test_math_block_is_split_into_equations() -> None:
    doc = "Intro.\n\n.. math:: f(x) = x,\\quad\n          f' = 1\n\nAfter."
    lines = [line for line in rst.to_markdown(doc).splitlines() if line]
    assert lines == ["Intro.", "$$", "f(x) = x", "$$", "$$", "f' = 1", "$$", "After."]
    assert "$$\n$$" not in rst.to_markdown(doc)  # blank lines between blocks (adjacent ones merge into one)


def test_simple_table_is_preformatted_and_closed() -> None:
    doc = "\n".join(["====  ======", "op    rule", "====  ======", "``a``   :mod:`b`", "====  ======", "", "text"])
    out = rst.to_markdown(doc).splitlines()
    assert out[0] == "```text" and out[6] == "```" and out[4] == "a   b" and out[-1] == "text"
