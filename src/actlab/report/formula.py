r"""Render a declaration's LaTeX formula to SVG with matplotlib's mathtext (no JavaScript, no CDN).

mathtext covers most of LaTeX math but not environments or a few macros, so :func:`to_mathtext`
rewrites those first: ``\begin{cases} a & c \\ b & d \end{cases}`` becomes a left brace over a
``\substack`` of rows "a, if c"; ``\tfrac`` -> ``\frac``, ``\operatorname*`` -> ``\operatorname``,
``\lVert``/``\rVert`` -> ``\Vert``, ``\le``/``\ge`` -> ``\leq``/``\geq``; ``\textstyle`` is dropped.
A formula that still fails is shown as its LaTeX source in the report (:func:`render` returns None and says why).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.mathtext import math_to_image  # noqa: E402

SIMPLE = {
    r"\tfrac": r"\frac",
    r"\dfrac": r"\frac",
    r"\operatorname*": r"\operatorname",
    r"\lVert": r"\Vert",
    r"\rVert": r"\Vert",
    r"\textstyle": "",
    r"\displaystyle": "",
}
CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.S)


def _cases(m: re.Match[str]) -> str:
    rows = []
    for row in re.split(r"\\\\", m.group(1)):
        cells = [c.strip() for c in row.split("&")]
        if len(cells) == 2 and cells[1]:
            cond = cells[1]
            word = "" if cond.startswith(r"\text{otherwise}") else r"\mathrm{if}\ "
            rows.append(f"{cells[0]},\\quad {word}{cond}")
        else:
            rows.append(cells[0])
    return r"\left\{\substack{" + r" \\ ".join(rows) + r"}\right."


def to_mathtext(tex: str) -> str:
    """The formula rewritten into the subset of LaTeX that mathtext parses."""
    for a, b in SIMPLE.items():
        tex = tex.replace(a, b)
    tex = re.sub(r"\\(le|ge)(?![a-zA-Z])", r"\\\1q", tex)  # \le -> \leq (mathtext lacks the short forms)
    return CASES.sub(_cases, tex)


def render(tex: str, path: str | Path, fontsize: int = 15) -> str | None:
    """Write ``tex`` as an SVG to ``path``; None on success, else the parser's complaint."""
    if not tex:
        return "no formula declared"
    try:
        from matplotlib.font_manager import FontProperties

        math_to_image(f"${to_mathtext(tex)}$", str(path), prop=FontProperties(size=fontsize), format="svg")
    except ValueError as exc:
        Path(path).unlink(missing_ok=True)
        return str(exc).strip().splitlines()[-1] if str(exc).strip() else "mathtext could not parse it"
    return None
