"""The explorer's precomputed grids (actlab.report.explorer) are the declarations' own f, f', f''."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch

import actlab
from actlab.analysis.sampling import sample
from actlab.report import explorer


def _curves(entry: dict) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(entry["data"]), dtype=np.float32)
    return raw.reshape(len(entry["valid"]), 3, entry["x"][2])


@pytest.mark.parametrize("name", ["ELU", "Softplus", "Hardtanh", "GELU", "Sparsemax", "Snake", "SiLU"])
def test_grid_is_the_declaration(name: str) -> None:
    decl = actlab.spec(name)
    entry = explorer.grid(decl)
    lo, hi, n = entry["x"]
    x = np.linspace(lo, hi, n)
    curves = _curves(entry)
    sizes = [len(p["values"]) for p in entry["params"]]
    assert curves.shape[0] == int(np.prod(sizes)) and all(entry["valid"])
    for k in (0, curves.shape[0] - 1):  # first and last combination, row-major over the sliders
        idx = np.unravel_index(k, sizes) if sizes else ()
        p = {**decl.plot_params[0], **{q["name"]: q["values"][i] for q, i in zip(entry["params"], idx)}}
        s = sample(decl, x, **p)
        for got, want in zip(curves[k], (s.f, s.df, s.d2f)):
            ok = ~np.isnan(got)  # NaN only at the kinks
            assert (~ok).sum() <= 4
            np.testing.assert_allclose(got[ok], want[ok].astype(np.float32), rtol=1e-6, atol=1e-6)


def test_sliders() -> None:
    elu = explorer.grid(actlab.spec("ELU"))
    (alpha,) = elu["params"]
    assert alpha["name"] == "alpha" and alpha["values"][alpha["index"]] == 1.0  # starts at torch's default
    assert {0.5, 2.0} <= set(alpha["values"])  # the plot values are among the positions
    assert [p["name"] for p in explorer.grid(actlab.spec("Softplus"))["params"]] == ["beta", "threshold"]
    assert explorer.grid(actlab.spec("GELU"))["params"][0]["values"] == ["none", "tanh"]
    assert explorer.grid(actlab.spec("Softmax"))["params"] == []  # dim is no slider
    assert not explorer._valid(actlab.spec("Hardtanh"), {"min_val": 2.0, "max_val": 1.0})


def test_payload_is_safe_in_a_script_element() -> None:
    text = explorer.payload([{"name": "</script><script>alert(1)</script>", "error": "x & y"}])
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["activations"][0]["name"].startswith("</script>")


def test_broken_activation_becomes_an_error_entry(monkeypatch) -> None:
    decl = actlab.spec("ELU")
    monkeypatch.setattr(explorer, "grid", lambda d: (_ for _ in ()).throw(RuntimeError("broken core")))
    assert explorer.entry(decl) == {"name": "ELU", "error": "RuntimeError: broken core"}


def test_float32_is_enough_for_the_readout() -> None:
    entry = explorer.grid(actlab.spec("Tanh"))
    f = _curves(entry)[0, 0]
    x = torch.linspace(*entry["x"][:2], entry["x"][2], dtype=torch.float64)
    assert np.max(np.abs(f - torch.tanh(x).numpy())) < 1e-6
