"""One family, one name: every declaration's family is the module that declares it, and the same
name is its 128-bit reference's module, its kernels' C++ file and its tests' file (the table of
actlab/activations/__init__.py). The C++ structs are named exactly as the declarations' classes and
live in the family's .cpp; csrc/list.h, the one list of kernels, agrees with the registry. And
every catalog declaration is wired up: a module, a functional form, a formula, a reference."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import torch

import actlab
from actlab import activations, native
from actlab import functional as F
from actlab.analysis import reference
from actlab.kinds import Elementwise

BUILTIN = [d for d in actlab.declarations() if not d.user_defined]
FAMILIES = sorted({d.family for d in BUILTIN})
CSRC = Path(native.__file__).parent / "csrc"
INFRASTRUCTURE = {"autograd.cpp", "register.cpp", "loop.cpp", "tables.cpp"}  # not a family's
# row kernels beside (or without) <family>.cpp
PARTS = {
    "sparse.cpp": "normalizer",
    "entmax_bisect.cpp": "normalizer",
    "softmax_maps.cpp": "normalizer",
    "sorted_groups.cpp": "grouped",
    "selections.cpp": "grouped",
}
TESTS = Path(__file__).parent
LIST_H = (CSRC / "list.h").read_text() + (CSRC / "parametric_list.h").read_text()


def _entries(macro: str) -> list[tuple[str, str]]:
    """(op name, struct) of each X(...) line of list.h's (or parametric_list.h's) ``macro``."""
    body = LIST_H[LIST_H.index(f"#define {macro}(X)") :].split("\n\n")[0]
    return re.findall(r"X\((\w+),\s*(\w+)", body)


def _by_function(name: str) -> type:
    return next(d for d in BUILTIN if d.function == name)


def test_a_family_is_the_module_that_declares_it() -> None:
    for d in BUILTIN:
        assert d.__module__ == f"actlab.activations.{d.family}", d.name
    assert FAMILIES == sorted(
        ["sigmoidal", "rectifier", "exponential", "gated", "shrinkage", "normalizer", "periodic", "radial",
         "logarithmic", "learnable", "grouped", "scaled"]
    )  # fmt: skip


def _table() -> dict[str, list[str]]:
    """family -> [reference, kernels, tests] ("—": none) from the table of actlab/activations/__init__.py."""
    rows = [line.split() for line in activations.__doc__.splitlines()]
    return {r[0]: r[1:] for r in rows if len(r) == 4 and r[0] in FAMILIES}


def test_the_activations_packages_table_is_what_is_on_disk() -> None:
    table = _table()
    assert sorted(table) == FAMILIES
    refs = Path(reference.__file__).parent
    for family, (ref, kernels, tests) in table.items():
        assert (Path(activations.__file__).parent / f"{family}.py").exists()
        assert ref == ("—" if not (refs / f"{family}.py").exists() else f"{family}.py"), family
        assert kernels == ("—" if not (CSRC / f"{family}.cpp").exists() else f"{family}.cpp"), family
        assert tests == ("—" if not (TESTS / f"test_{family}.py").exists() else f"test_{family}.py"), family


def test_every_family_has_its_reference_and_its_tests() -> None:
    """A reference module where the family has references (the normalizers: their rows), a test
    file where it has members torch.nn lacks, a .cpp where it has kernels (list.h)."""
    refs = Path(reference.__file__).parent
    listed = _entries("ACTLAB_ELEMENTWISE") + _entries("ACTLAB_PARAMETRIC")
    with_kernels = {_by_function(op).family for op, _ in listed} | {"normalizer"}
    for family in FAMILIES:
        members = [d for d in BUILTIN if d.family == family]
        assert (refs / f"{family}.py").exists() == (
            family == "normalizer" or any(d.name in reference.REFERENCES for d in members)
        )
        assert (TESTS / f"test_{family}.py").exists() == any(not d.in_torch for d in members), family
        assert (CSRC / f"{family}.cpp").exists() == (family in with_kernels), family


def test_the_kernel_files_are_the_families() -> None:
    for cpp in CSRC.glob("*.cpp"):
        assert cpp.name in INFRASTRUCTURE or cpp.stem in FAMILIES or PARTS.get(cpp.name) in FAMILIES, cpp.name


# (op, struct, the driver template that instantiates it): list.h's elementwise kernels and
# parametric_list.h's learnable ones
KERNELS = [(op, st, "Elementwise") for op, st in _entries("ACTLAB_ELEMENTWISE")] + [
    (op, st, "ParametricOps") for op, st in _entries("ACTLAB_PARAMETRIC")
]


@pytest.mark.parametrize("op, struct, driver", KERNELS)
def test_each_kernel_is_its_declarations_struct_in_its_familys_file(op: str, struct: str, driver: str) -> None:
    decl = _by_function(op)
    assert struct == decl.name, f"{op} is struct {struct}, its declaration class is {decl.name}"
    source = (CSRC / f"{decl.family}.cpp").read_text()
    assert re.search(rf"^struct {struct}\b", source, re.M), f"struct {struct} is not in {decl.family}.cpp"
    assert re.search(rf"^template struct {driver}<{struct}\b", source, re.M), f"{struct} is not instantiated"


@pytest.mark.parametrize("op, gate", _entries("ACTLAB_SPLIT_GATES"))
def test_each_split_gate_kernel_is_its_gates_struct(op: str, gate: str) -> None:
    decl = _by_function(op)
    assert gate == decl.gate.name, f"list.h: {op} gates with {gate}, its declaration with {decl.gate.name}"
    source = (CSRC / f"{decl.gate.family}.cpp").read_text()
    assert re.search(rf"^template struct SplitGate<{gate}\b", source, re.M), f"{op}: not in {decl.gate.family}.cpp"


def test_every_instantiated_struct_is_a_declaration_of_its_file() -> None:
    listed = {s for _, s in _entries("ACTLAB_ELEMENTWISE") + _entries("ACTLAB_PARAMETRIC")}
    for cpp in CSRC.glob("*.cpp"):
        for struct in re.findall(r"^template struct (?:Elementwise|ParametricOps)<(\w+)", cpp.read_text(), re.M):
            decl = actlab.declaration(struct)
            assert decl.name == struct and decl.family == cpp.stem and struct in listed, (cpp.name, struct)


CATALOG = [d for d in BUILTIN if not d.in_torch]


def _module_arguments(decl: type) -> dict:
    """The required constructor arguments (FReLU's in_channels: 1 of each type)."""
    return {k: p.type(1) for k, p in decl.params.items() if p.required}


@pytest.mark.parametrize("decl", CATALOG, ids=[d.name for d in CATALOG])
def test_every_catalog_declaration_has_a_module_a_functional_form_and_its_documents(decl: type) -> None:
    assert decl.formula and decl.reference and decl.family
    module = actlab.get(decl.name, **_module_arguments(decl))
    assert isinstance(module, decl.module_class) and isinstance(module, torch.nn.Module)
    assert decl.function in F.__all__ and callable(getattr(F, decl.function))
    if issubclass(decl, Elementwise) and decl.kinks(**decl.defaults()):
        assert decl.kink_convention


def test_actlab_list_shows_every_declaration(capsys: pytest.CaptureFixture[str]) -> None:
    from actlab.commands import list as list_command

    list_command.run(argparse.Namespace(family=None))
    out = capsys.readouterr().out
    for decl in BUILTIN:
        assert f"\n{decl.name} " in out or out.startswith(f"{decl.name} "), decl.name
