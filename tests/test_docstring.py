"""Docstring reading (actlab.docstring) and LaTeX as terminal text (actlab.latex_text)."""

from __future__ import annotations

import pytest

import actlab
from actlab import docstring
from actlab.latex_text import to_text


def test_parse_paragraphs_and_math() -> None:
    doc = """Randomized leaky ReLU: in training each x <= 0 gets its own slope from
    U(lower, upper); in evaluation ``lower``.

    .. math:: f(x) = x,\\quad
              f' = 1;\\ f'' = 0

    Afterwards *this*.
    """
    d = docstring.parse(doc)
    assert d.paragraphs[0].endswith("in evaluation ``lower``.") and "from U(lower" in d.paragraphs[0]
    assert d.paragraphs[1] == "Afterwards *this*."
    assert d.math == ("f(x) = x,\\quad f' = 1;\\ f'' = 0",)
    assert docstring.math_lines(d.math[0]) == ["f(x) = x", "f' = 1", "f'' = 0"]
    assert docstring.summary(doc).endswith("in evaluation lower.")
    assert docstring.first_sentence("A b. C d.") == "A b."
    assert docstring.math_lines(r"\frac{a,\quad b}{c}\quad d") == [r"\frac{a,\quad b}{c}", "d"]  # braces kept


def test_list_prints_whole_first_sentences(capsys) -> None:
    from actlab.cli import main

    assert main(["list"]) == 0
    rrelu = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("RReLU"))
    assert rrelu.rstrip().endswith("in evaluation the slope is (lower + upper) / 2.")
    assert "``" not in rrelu


@pytest.mark.parametrize("name", actlab.names())
def test_formula_as_text(name: str) -> None:
    text = to_text(actlab.declaration(name).formula)
    assert "\\" not in text and "{" not in text and text


def test_text_examples() -> None:
    elu = to_text(actlab.declaration("ELU").formula)
    assert elu == "ELU(x) = x if x > 0; α (e^x − 1) if x ≤ 0"
    assert to_text(r"\frac{1}{\beta}\log(1 + e^{\beta x})") == "1/β log(1 + e^(β x))"
    assert to_text(r"J^\top g") == "Jᵀ g"
