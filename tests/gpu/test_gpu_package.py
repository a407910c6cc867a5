"""The gpu package in the main process: importing actlab without CUDA imports no Triton; with CUDA
(and Triton) it registers the kernels itself, unless ACTLAB_GPU=0; without Triton nothing
changes; ``register("CUDA")`` puts the kernels on the CUDA key of every op
it serves (checked on this CPU-only machine: registering needs no GPU); the ``gpu`` extra."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).parents[2]


def python(code: str) -> str:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_importing_actlab_without_cuda_imports_no_triton() -> None:
    out = python(
        "import sys, torch, actlab, actlab.functional as AF, actlab.nn\n"
        "AF.gelu(torch.randn(3)); actlab.nn.SiLU()(torch.randn(2))\n"
        "print(torch.cuda.is_available(), 'triton' in sys.modules)\n"
        "import actlab.gpu\n"
        "print('triton' in sys.modules)"
    )
    assert out.split() == ["False", "False", "False"]


CUDA_REPORTED = "import torch; torch.cuda.is_available = lambda: True\nimport actlab, actlab.gpu.registration as R\n"


def test_importing_actlab_with_cuda_registers_the_kernels_unless_actlab_gpu_is_0() -> None:
    pytest.importorskip("triton")
    dump = "'CUDA:' in torch._C._dispatch_dump('actlab::gelu')"
    code = CUDA_REPORTED + f"print(len(R._REGISTERED.get('CUDA', ())), {dump})"
    count, on_cuda = python(code).split()
    assert int(count) > 150 and on_cuda == "True"
    env = {**os.environ, "ACTLAB_GPU": "0"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == ["0", "False"]


def test_without_triton_actlab_is_unaffected_and_register_says_why() -> None:
    out = python(
        "import sys; sys.modules['triton'] = None\n"
        "import torch, actlab, actlab.functional as AF, actlab.gpu\n"
        "x = torch.randn(5, dtype=torch.float64, requires_grad=True)\n"
        "assert torch.autograd.gradcheck(AF.mish, (x,))\n"
        "print(actlab.gpu.register_cuda())\n"
        "try:\n    actlab.gpu.register('CUDA')\nexcept ImportError:\n    print('ImportError')"
    )
    assert out.split() == ["()", "ImportError"]


def test_register_cuda_puts_the_kernels_on_the_cuda_key() -> None:
    pytest.importorskip("triton")
    out = python(
        "import torch, actlab.functional, actlab.gpu\n"
        "names = actlab.gpu.register('CUDA')\n"
        "assert actlab.gpu.register('CUDA') == names  # a second call registers nothing twice\n"
        "print(len(names))\n"
        "for n in ('gelu', 'gelu_double_backward_x', 'softmax_backward', 'glu_double_backward', 'prelu', 'relu_'):\n"
        "    line = torch._C._dispatch_dump('actlab::' + n).split('CUDA:')[1].splitlines()[0]\n"
        "    print('registration.py' in line)\n"
        "print('CUDA:' in torch._C._dispatch_dump('actlab::gelu_triple_backward'))"
    )
    count, *flags, triple = out.split()
    assert int(count) > 150 and all(f == "True" for f in flags) and triple == "False"


def test_the_gpu_extra_and_dev_hold_triton() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(r.startswith("triton") for r in extras["gpu"])
    assert any(r.startswith("triton") for r in extras["dev"])
