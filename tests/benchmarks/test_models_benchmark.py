"""benchmarks/models.py: the paired ratio and one short timed run of the two small vision models
(the transformers models and the real round counts run in the benchmark itself)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from torch import nn

import actlab

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "models.py"


@pytest.fixture(scope="module")
def models():
    spec = importlib.util.spec_from_file_location("actlab_models_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_ratio_pairs_the_two_steps_of_each_round(models) -> None:
    """The machine slows down 3x between the two steps of round 3 and stays slow: each round's pair
    still reads 1.1 but for that one, while the ratio of the medians reads 3.3."""
    times = {"torch": [10.0, 10.0, 10.0, 30.0, 30.0], "actlab": [11.0, 11.0, 33.0, 33.0, 33.0]}
    assert models.paired_ratio(times) == pytest.approx(1.1)
    assert models.statistics.median(times["actlab"]) / models.statistics.median(times["torch"]) == pytest.approx(3.3)


def test_a_short_run_swaps_the_activations_and_times_both(models) -> None:
    build, loss = models.models()["efficientnet"]
    original = build().train()
    converted, report = actlab.convert(original, return_report=True, inplace=False)
    assert dict(report.counts()) == {"SiLU": 13, "Sigmoid": 4}
    assert not any(isinstance(m, nn.SiLU) for m in converted.modules())
    times = models.time_steps(original, converted, loss, repeats=1)
    assert len(times["torch"]) == len(times["actlab"]) == 1 and models.paired_ratio(times) > 0
