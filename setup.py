"""The package build's one custom step: compile actlab's native CPU kernels.

The metadata is in pyproject.toml. ``build_ext`` compiles ``src/actlab/native/csrc`` once per
vector ISA of this machine's architecture (x86_64: AVX2 and AVX-512; aarch64: NEON) against the
torch installed in the build environment, into ``actlab/native/lib/`` (in the wheel, or in the
source tree for an editable install), with ``build.json`` recording torch's version. torch must
be importable: build with ``pip install --no-build-isolation`` (as PyTorch extensions are built;
an isolated build environment has no torch, or another one). Without torch or a compiler the
package installs without kernels and says so; ``python -m actlab.native build`` compiles them
later. ``ACTLAB_NATIVE_REQUIRED=1`` makes a missing or failed variant an error (wheels for others).
Compiled objects are kept in ``build/native-objects``: a wheel built after the editable install
(or a rebuild after editing one file) compiles only what changed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1 (pyproject asks for 77)
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent.resolve()
DRIVER = ROOT / "src" / "actlab" / "native" / "build.py"


def native_build():
    """actlab/native/build.py (standard library only), loaded without importing actlab."""
    spec = importlib.util.spec_from_file_location("actlab_native_build", DRIVER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


NATIVE = native_build()
VARIANTS = NATIVE.isas_for(NATIVE.machine())


class BuildNative(build_ext):
    """Builds every variant at once (one pool of compiler processes) with actlab's driver."""

    def run(self) -> None:
        if not self.extensions:
            return
        out = Path(self.get_ext_fullpath(self.extensions[0].name)).parent
        required = os.environ.get("ACTLAB_NATIVE_REQUIRED", "") not in ("", "0")
        try:
            torch = NATIVE.Torch.current()
        except ImportError:
            self._skip(
                "torch is not importable in this build environment (pip's build isolation?): install with "
                "`pip install --no-build-isolation` or run `python -m actlab.native build` afterwards",
                required,
            )
            return
        p = NATIVE.plan(VARIANTS, torch, out, ROOT / "build" / "native-objects", jobs=self.parallel or None)
        if p is None:
            self._skip("no C++ compiler (set CXX or install g++)", required)
            return
        print(f"actlab: compiling the native kernels ({', '.join(p.isas)}) against torch {torch.version}", flush=True)
        result = NATIVE.build(p)
        self._remove_stale(out)
        print("\n".join(result.log), flush=True)
        if result.errors:
            message = f"the native kernels failed to compile for {', '.join(result.errors)} (see {out / 'build.log'})"
            if required:
                raise NATIVE.BuildError(message)
            self.warn(f"actlab: {message}; those CPUs will run the Python kernels")

    def _remove_stale(self, out: Path) -> None:
        """The library directory holds this build alone (a reused build/lib may hold older files)."""
        current = {NATIVE.RECORD, "build.log", *(i.library for i in VARIANTS)}
        for f in out.iterdir():
            if f.is_file() and f.name not in current:
                f.unlink()

    def _skip(self, why: str, required: bool) -> None:
        if required:
            raise NATIVE.BuildError(f"actlab: native kernels not built: {why}")
        self.warn(f"actlab: native kernels not built: {why}; the Python kernels will run")

    def get_ext_filename(self, fullname: str) -> str:
        return os.path.join(*fullname.split(".")) + ".so"  # a plain library, no Python ABI tag

    def get_outputs(self) -> list[str]:
        out = Path(self.get_ext_fullpath(self.extensions[0].name)).parent if self.extensions else None
        if out is None:
            return []
        names = [NATIVE.RECORD, "build.log", *(i.library for i in VARIANTS)]
        return [str(out / n) for n in names if (out / n).exists()]


class BuildPy(build_py):
    """Copies the package; the kernels' sources in build/lib are exactly the tree's (a build/lib
    reused from before a source file was renamed or removed would ship the old file too, and the
    installed package's sources would no longer be the ones its libraries record)."""

    def run(self) -> None:
        super().run()
        built = Path(self.build_lib) / "actlab" / "native" / "csrc"
        if built.is_dir():
            for f in built.iterdir():
                if f.is_file() and not (NATIVE.CSRC / f.name).exists():
                    f.unlink()


class Wheel(bdist_wheel):
    """The libraries link torch's, not Python's: one wheel per platform serves every Python 3."""

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(
    ext_modules=[Extension(f"actlab.native.lib.actlab_native_{i.name}", sources=[]) for i in VARIANTS],
    cmdclass={"build_ext": BuildNative, "build_py": BuildPy, "bdist_wheel": Wheel},
)
