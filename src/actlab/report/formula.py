r"""Render a declaration's LaTeX formula to SVG with matplotlib's mathtext (no JavaScript, no CDN).

mathtext covers most of LaTeX math but not environments or a few macros, so :func:`to_mathtext`
rewrites those first: ``\begin{cases} a & c \\ b & d \end{cases}`` becomes a left brace over a
``\substack`` of rows "a, if c"; ``\tfrac`` -> ``\frac`` (``\frac13`` -> ``\frac{1}{3}``,
``\sqrt\pi`` -> ``\sqrt{\pi}``), ``\operatorname*`` -> ``\operatorname``,
``\lVert``/``\rVert`` -> ``\Vert``, ``\le``/``\ge`` -> ``\leq``/``\geq``; ``\textstyle`` is dropped.
A formula that still fails is shown as its LaTeX source in the report (:func:`render` returns None and says why).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import _path  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.mathtext import math_to_image  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

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
    tex = re.sub(r"\\frac(\d)(\d)", r"\\frac{\1}{\2}", tex)  # \frac13 (after \tfrac -> \frac)
    tex = re.sub(r"\\sqrt(\\[a-zA-Z]+|\d)", r"\\sqrt{\1}", tex)  # \sqrt\pi
    return CASES.sub(_cases, tex)


def _minify(svg: str) -> str:
    """Drop matplotlib's metadata, comments, and indentation."""
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"\s*\n\s*", " ", svg)
    return re.sub(r">\s+<", "><", svg).strip()


def render(tex: str, path: str | Path, fontsize: int = 15) -> str | None:
    """Write ``tex`` as an SVG to ``path``; None on success, else the parser's complaint. The
    glyphs are outlines (no font needed), minified."""
    if not tex:
        return "no formula declared"
    path = Path(path)
    try:
        with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "actlab"}):
            math_to_image(f"${to_mathtext(tex)}$", str(path), prop=FontProperties(size=fontsize), format="svg")
    except ValueError as exc:
        path.unlink(missing_ok=True)
        return str(exc).strip().splitlines()[-1] if str(exc).strip() else "mathtext could not parse it"
    path.write_text(_minify(path.read_text(encoding="utf-8")), encoding="utf-8")
    return None


@dataclass(frozen=True)
class Inline:
    """A formula as inline SVG: ``body`` (the drawing, glyphs as ``<use>``), the glyph outlines
    it references (id -> ``<path>``; shared by every formula on the page), its size in CSS px."""

    body: str
    glyphs: dict[str, str]
    width: float
    height: float

    def svg(self, label: str, ids: dict[str, str] | None = None) -> str:
        """The ``<svg>`` element (the glyphs must be on the page once: :func:`glyph_defs`, with the
        same ``ids``: short names for the glyphs)."""
        body = self.body if ids is None else USE.sub(lambda m: f'href="#{ids.get(m.group(1), m.group(1))}"', self.body)
        return (
            f'<svg class="formula" viewBox="0 0 {self.width * 0.75:g} {self.height * 0.75:g}" '
            f'width="{self.width:.0f}" height="{self.height:.0f}" role="img" aria-label="{html.escape(label)}">'
            f"{body}</svg>"
        )


USE = re.compile(r'href="#([^"]+)"')
NUMBER = re.compile(r"-?\d+\.\d+")
COORDS = re.compile(r'(<use href="#[^"]+" transform="translate\(|d=")([^)"]*)')  # inside the scaled group
TRANSLATE = re.compile(r'<use (href="#[^"]+") transform="translate\((\S+) (\S+)\)"/>')


def _short(m: re.Match[str]) -> str:
    """A coordinate to a whole unit (1/100 em of the formula's font: 0.15 px, at most 0.1 CSS px off)."""
    text = f"{float(m.group(0)):.0f}"
    return "0" if text == "-0" else text


def _compact(body: str) -> str:
    """Shorter, same drawing: whole-unit coordinates, a plain translation as x/y, no empty groups."""
    body = COORDS.sub(lambda m: m.group(1) + NUMBER.sub(_short, m.group(2)), body)  # not scale(): a factor
    body = TRANSLATE.sub(r'<use \1 x="\2" y="\3"/>', body)
    body = re.sub(r' (x|y)="0"', "", body)
    while body.startswith("<g>") and body.endswith("</g>"):
        body = body[3:-4]
    return body


def short_ids(glyphs: dict[str, str]) -> dict[str, str]:
    """Short ids for the page's glyphs (``DejaVuSans-Oblique-5b`` -> ``g1f``)."""
    return {k: f"g{i:x}" for i, k in enumerate(sorted(glyphs))}


GLYPH = re.compile(r'<path id="([^"]+)"(?: d="[^"]*")?(?: transform="[^"]*")?\s*/>')  # a space has no d
VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


_T2P = TextToPath()
_PATH_CODES = [b"M", b"L", b"Q", b"C", b"z"]


def _path_data(vertices: Any, codes: Any) -> str:
    """SVG path data of a matplotlib path (as matplotlib's SVG backend writes it)."""
    text = _path.convert_to_string(MplPath(vertices, codes), None, None, False, None, 6, _PATH_CODES, False).decode()
    return re.sub(r"\s*\n\s*", " ", text)


def _num(v: float) -> str:
    return f"{v:f}".rstrip("0").rstrip(".")


def inline(tex: str, fontsize: int = 15) -> Inline | str:
    """``tex`` as an :class:`Inline` SVG, or the reason it could not be rendered. One mathtext
    parse (at matplotlib's glyph scale, whose layout its SVG backend draws), the SVG written as
    that backend writes text as paths: a group scaled to the font size, one ``<use>`` per glyph,
    rectangles (fraction bars, roots) as paths."""
    if not tex:
        return "no formula declared"
    s = f"${to_mathtext(tex)}$"
    prop = FontProperties(size=fontsize)
    try:
        info, outlines, rects = _T2P.get_glyphs_mathtext(prop, s)
    except ValueError as exc:
        return str(exc).strip().splitlines()[-1] if str(exc).strip() else "mathtext could not parse it"
    big = prop.copy()
    big.set_size(_T2P.FONT_SCALE)
    width, height, depth, *_ = _T2P.mathtext_parser.parse(s, _T2P.DPI, big)  # the cached parse
    k = fontsize / _T2P.FONT_SCALE
    w, h = math.ceil(width * k), math.ceil(height * k)  # whole points, as math_to_image's figure
    parts = [f'<g transform="translate(0 {(height - depth) * k:.2f}) scale({_num(k)} -{_num(k)})">']
    for glyph, x, y, size in info:
        move = f"translate({_num(x)} {_num(y)})" if (x, y) != (0, 0) else ""
        scale = f"scale({_num(size)})" if size != 1 else ""
        transform = " ".join(t for t in (move, scale) if t)
        parts.append(f'<use href="#{glyph}"' + (f' transform="{transform}"' if transform else "") + "/>")
    parts += [f'<path d="{_path_data(v, c)}"/>' for v, c in rects]
    parts.append("</g>")
    glyphs = {g: _glyph(g, v, c) for g, (v, c) in outlines.items()}
    return Inline(_compact("".join(parts)), glyphs, w * 4 / 3, h * 4 / 3)


def _glyph(glyph: str, vertices: Any, codes: Any) -> str:
    """A glyph outline in font units (x64: FreeType's integral units, scaled back), as matplotlib writes it."""
    if not len(vertices):  # a space
        return f'<path id="{glyph}"/>'
    return f'<path id="{glyph}" d="{_path_data(vertices * 64, codes)}" transform="scale(0.015625)"/>'


def glyph_defs(glyphs: dict[str, str], ids: dict[str, str] | None = None) -> str:
    """The hidden ``<svg>`` holding every glyph outline the page's formulas use (renamed by ``ids``)."""
    ids = ids or {}
    return (
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
        + "".join(glyphs[k].replace(f'id="{k}"', f'id="{ids.get(k, k)}"', 1) for k in sorted(glyphs))
        + "</defs></svg>"
    )
