r"""LaTeX formulas as plain Unicode text for a terminal (``actlab show``):
``\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0\end{cases}`` ->
``ELU(x) = x if x > 0; α(e^(x) − 1) if x ≤ 0``. Covers the macros the declarations use; an
unknown macro keeps its name without the backslash.
"""

from __future__ import annotations

import re

SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "pi": "π",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "Phi": "Φ",
    "Delta": "Δ",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "neq": "≠",
    "approx": "≈",
    "cdot": "·",
    "times": "×",
    "otimes": "⊗",
    "odot": "⊙",
    "in": "∈",
    "infty": "∞",
    "sum": "Σ",
    "prod": "Π",
    "partial": "∂",
    "sim": "~",
    "pm": "±",
    "to": "→",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "langle": "⟨",
    "rangle": "⟩",
    "top": "ᵀ",
    "prime": "′",
    "max": "max",
    "min": "min",
    "log": "log",
    "exp": "exp",
    "tanh": "tanh",
    "sin": "sin",
    "cos": "cos",
    "sech": "sech",
    "erf": "erf",
    "sign": "sign",
    "argmin": "argmin",
    "argmax": "argmax",
}
SPACES = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "  "}
DROP = ("left", "right", "textstyle", "displaystyle", "big", "Big", "mathcal", "operatorname*")


def _group(s: str, i: int) -> tuple[str, int]:
    """The brace group (or single token) starting at s[i]: (content, index after it)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            return (m.group(0), i + len(m.group(0))) if m else (s[i], i + 1)
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1 : j], j + 1
    return s[i + 1 :], len(s)


def _wrap(t: str) -> str:
    return t if re.fullmatch(r"[\w.′]+", t) else f"({t})"


def _cases(body: str) -> str:
    rows = []
    for row in re.split(r"\\\\", body):
        cells = [to_text(c).strip() for c in row.split("&")]
        if len(cells) == 2 and cells[1]:
            cond = cells[1]
            rows.append(f"{cells[0]} {cond}" if cond.startswith("otherwise") else f"{cells[0]} if {cond}")
        elif cells[0]:
            rows.append(cells[0])
    return "; ".join(rows)


def to_text(tex: str) -> str:
    """``tex`` in Unicode text (see the module docstring)."""
    tex = re.sub(r"\\begin\{cases\}(.*?)\\end\{cases\}", lambda m: _cases(m.group(1)), tex, flags=re.S)
    out: list[str] = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+\*?|.)", tex[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name in ("frac", "tfrac", "dfrac"):
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                out.append(f"{_wrap(to_text(a))}/{_wrap(to_text(b))}")
            elif name == "sqrt":
                a, i = _group(tex, i)
                out.append(f"√{_wrap(to_text(a))}")
            elif name in ("mathrm", "text", "operatorname", "operatorname*", "mathbf", "mathit", "overline"):
                a, i = _group(tex, i)
                out.append(to_text(a) if name != "text" else a)
            elif name in SPACES:
                out.append(SPACES[name])
            elif name in DROP:
                continue
            else:
                sym = SYMBOLS.get(name, name)
                out.append(f" {sym} " if len(sym) > 1 and sym.isalpha() else sym)  # log x, not logx
        elif c in "^_":
            a, i = _group(tex, i + 1)
            t = to_text(a)
            if c == "^" and t in ("ᵀ", "′", "″"):
                out.append(t)
            else:
                out.append(("^" if c == "^" else "_") + (t if len(t) == 1 else f"({t})"))
        elif c in "{}":
            i += 1
        else:
            out.append(c)
            i += 1
    text = "".join(out).replace(" ^", "^")
    text = text.replace(" - ", " − ").replace("''", "″")
    text = re.sub(r"([A-Za-z]) ([(\[])", r"\1\2", text)  # tanh(x), not tanh (x)
    text = re.sub(r"([(\[]) ", r"\1", text)
    return re.sub(r"[ ]{2,}", " ", text).strip()
