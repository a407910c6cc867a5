"""actlab's import graph has no cycle: every ``import`` and ``from ... import`` of an actlab module
in the package's sources, those inside functions included, read statically (docs/operators.md,
"Import graph"). An edge goes to the module named (``from . import ops``: actlab.ops; ``from .ops.base
import Rule``: actlab.ops.base), not to the packages above it, whose ``__init__`` runs first anyway."""

from __future__ import annotations

import ast
from pathlib import Path

import actlab

PACKAGE = Path(actlab.__file__).parent


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package's __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


def _imported(module: str, package: bool, node: ast.AST, known: dict) -> list[str]:
    """The actlab modules one import statement names."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = module.split(".") if package else module.split(".")[:-1]
        if node.level:
            base = base[: len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        names = [f"{target}.{a.name}" if f"{target}.{a.name}" in known else target for a in node.names]
    else:
        return []
    out = []
    for name in names:
        while name not in known and "." in name:  # `import actlab.ops.base as b`, a name from a module
            name = name.rsplit(".", 1)[0]
        if name in known and name != module:
            out.append(name)
    return out


def import_graph() -> dict[str, set[str]]:
    known = _modules()
    return {
        m: {t for node in ast.walk(ast.parse(path.read_text())) for t in _imported(m, package, node, known)}
        for m, (path, package) in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_actlab_imports_without_a_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 100 and "actlab.losses" in graph["actlab.functional"]  # the graph is read
    assert cycles(graph) == []


# docs/operators.md's order, low to high (the modules it does not name placed where they fit)
LAYERS = [
    {"errors", "binding", "_math", "docstring", "latex_text", "plugins", "_quiet_import"},
    {"kinds"},
    {"registry"},
    {"activations", "spec", "user"},
    {"native", "gpu"},
    {"ops"},
    {"forms", "autograd"},
    {"losses"},
    {"functional"},
    {"nn"},
    {"modules", "convert", "mappings"},
    {"analysis", "bench", "arena"},
    {"report", "docsite", "stubs"},
    {"commands"},
    {"cli"},
    {"__init__", "__main__"},
]


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(i for i, layer in enumerate(LAYERS) if top in layer)


def test_the_layers_import_one_way() -> None:
    """Data flows one way: no module imports one of a higher layer (e.g. nothing below
    ``functional`` imports it; the declarations and operators import no analysis or report)."""
    graph = import_graph()
    up = [(m, t) for m, targets in graph.items() for t in targets if _layer(t) > _layer(m)]
    assert up == []
