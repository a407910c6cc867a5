"""The explorer's precomputed grids (actlab.report.explorer) are the declarations' own f, f', f''."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import actlab
from actlab.analysis.sampling import sample
from actlab.report import explorer


def _curves(entry: dict) -> np.ndarray:
    return explorer.decode(entry)


def _close(got: np.ndarray, want: np.ndarray) -> None:
    """Within the encoding's promise: TOLERANCE of the curve's span plus half a uint16 step
    (float32 ends), NaN at the same points."""
    ok = np.isfinite(want)
    np.testing.assert_array_equal(np.isnan(got), ~ok)
    span = float(np.ptp(want[ok])) if ok.any() else 0.0
    bound = (explorer.TOLERANCE + 1.0 / explorer.LEVELS) * span + 1e-6 * np.abs(want[ok]) + 1e-30
    assert np.all(np.abs(got[ok] - want[ok]) <= bound), np.max(np.abs(got[ok] - want[ok]) - bound)


@pytest.mark.parametrize("name", ["ELU", "Softplus", "Hardtanh", "GELU", "Sparsemax", "Snake", "SiLU"])
def test_grid_is_the_declaration(name: str) -> None:
    decl = actlab.declaration(name)
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
        cut = explorer._curves(decl, x, p)  # the samples with NaN at the kinks
        for got, want, full in zip(curves[k], cut, (s.f, s.df, s.d2f)):
            assert np.isnan(got).sum() <= 4  # NaN only at the kinks
            np.testing.assert_array_equal(want[~np.isnan(want)], full[~np.isnan(want)])
            _close(got, want)


def test_sliders() -> None:
    elu = explorer.grid(actlab.declaration("ELU"))
    (alpha,) = elu["params"]
    assert alpha["name"] == "alpha" and alpha["values"][alpha["index"]] == 1.0  # starts at torch's default
    assert {0.5, 2.0} <= set(alpha["values"])  # the plot values are among the positions
    assert [p["name"] for p in explorer.grid(actlab.declaration("Softplus"))["params"]] == ["beta", "threshold"]
    assert explorer.grid(actlab.declaration("GELU"))["params"][0]["values"] == ["none", "tanh"]
    assert explorer.grid(actlab.declaration("Softmax"))["params"] == []  # dim is no slider
    assert not explorer._valid(actlab.declaration("Hardtanh"), {"min_val": 2.0, "max_val": 1.0})


def test_payload_is_safe_in_a_script_element() -> None:
    text = explorer.payload([{"name": "</script><script>alert(1)</script>", "error": "x & y"}])
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["activations"][0]["name"].startswith("</script>")


def test_broken_activation_becomes_an_error_entry(monkeypatch) -> None:
    decl = actlab.declaration("ELU")
    monkeypatch.setattr(explorer, "grid", lambda d: (_ for _ in ()).throw(RuntimeError("broken core")))
    assert explorer.entry(decl) == {"name": "ELU", "error": "RuntimeError: broken core"}


def test_encoding_error_is_below_the_plot_resolution() -> None:
    entry = explorer.grid(actlab.declaration("Tanh"))
    f = _curves(entry)[0, 0]
    x = torch.linspace(*entry["x"][:2], entry["x"][2], dtype=torch.float64)
    assert np.max(np.abs(f - torch.tanh(x).numpy())) < 2 * (explorer.TOLERANCE + 1 / explorer.LEVELS)  # span 2
    relu = explorer.grid(actlab.declaration("ReLU"))  # straight pieces: a handful of points
    assert len(base64.b64decode(relu["data"])) < 3 * (8 + 26 + 2 * 8)
    f, x = _curves(relu)[0, 0], np.linspace(*relu["x"][:2], relu["x"][2])
    assert np.isnan(f).sum() == 1  # the kink at 0
    np.testing.assert_allclose(f[~np.isnan(f)], np.maximum(x, 0)[~np.isnan(f)], atol=x[-1] / explorer.LEVELS)


def test_encode_decode_round_trip() -> None:
    n = explorer.POINTS
    x = np.linspace(-3, 3, n)
    rows = np.stack([np.sin(5 * x) * 1e3, np.where(x > 0, 1.0, np.nan), np.full(n, 2.5)])
    rows[0, 50] = np.inf  # not finite: drawn as a break, like NaN
    data = np.stack([rows, -rows])
    entry = {"x": [-3, 3, n], "valid": [True, False, True], "data": base64.b64encode(explorer.encode(data)).decode()}
    got = explorer.decode(entry)
    assert np.isnan(got[1]).all()  # an invalid setting has no bytes and decodes to NaN
    want = np.where(np.isfinite(data), data, np.nan)
    for k, g in ((0, 0), (2, 1)):
        for c in range(3):
            _close(got[k, c], want[g, c])
    assert (got[0, 2] == np.float32(2.5)).all()  # a constant curve is exact


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_decoder_agrees(tmp_path) -> None:
    """explorer.js's decode (run by node) gives the same curves as explorer.decode."""
    entries = [explorer.grid(actlab.declaration(n)) for n in ("ELU", "Hardtanh", "Sparsemax")]
    src = (Path(explorer.__file__).parent / "assets" / "explorer.js").read_text()
    fn = re.search(r"function decode\(a\) \{.*?\n  \}\n", src, re.S).group(0)
    script = tmp_path / "decode.js"
    script.write_text(
        "global.atob = (s) => Buffer.from(s, 'base64').toString('binary');\n"
        + fn
        + "const acts = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        + "const out = acts.map((a) => Array.from(decode(a), (v) => (isNaN(v) ? null : v)));\n"
        + "process.stdout.write(JSON.stringify(out));\n"
    )
    run = subprocess.run(["node", str(script)], input=json.dumps(entries), capture_output=True, text=True, check=True)
    for entry, js in zip(entries, json.loads(run.stdout)):
        got = np.array([np.nan if v is None else v for v in js]).reshape(len(entry["valid"]), 3, -1)
        want = explorer.decode(entry)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.nanmax(np.abs(want)))
