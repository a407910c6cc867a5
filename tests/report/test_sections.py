"""The Speed, Arena and Accuracy sections rendered from small files in every format they accept."""

from __future__ import annotations

import re
from pathlib import Path

from report_data import arena_new, arena_old, bench_new, bench_old

from actlab.report import accuracy_section, arena_section, speed_section
from actlab.report.sections import Context

CTX = Context(Path("out"), ("ELU", "GELU", "Swish", "ReLU"), "2.13.0+cpu")


def _text(html_: str) -> str:
    return re.sub(r"<[^>]+>", " ", html_)


def test_speed_old_format() -> None:
    page = speed_section.render(bench_old(), CTX)
    assert "native kernels used (79 ready)" in page and "median of the default rounds" in page
    titles = re.findall(r"<h3>([^<]+)</h3>", page)
    assert titles == [
        "forward, 4M elements, float32, 1 thread",
        "forward, 64K elements, float32, 1 thread",
        "forward + backward, 4M elements, float32, 1 thread",
        "forward + backward, 64K elements, float32, 1 thread",
    ]
    assert page.count("class='bar faster'") == 4 and page.count("class='bar slower'") == 4  # ELU 0.9, GELU 1.6
    assert "no torch counterpart; vs the naive formula 0.50×" in page
    assert "repeats p10–p90" in page and "not recorded" in page  # the old file has no spreads
    assert "0.262 / 0.262" in page  # saved-for-backward MB, actlab / torch
    assert "Not in this file: ReLU." in page


def test_speed_says_which_activations_have_no_torch_counterpart() -> None:
    ctx = Context(CTX.out, ("ELU", "Snake", "SwiGLU"), CTX.torch_version)
    page = speed_section.render(bench_old(), ctx)
    assert "Not in this file" not in page  # ELU is there; Snake and SwiGLU have nothing to compare with
    assert "2 activations without a torch.nn counterpart are not in this file" in page


def test_speed_charts_the_catalog_against_silu_by_family() -> None:
    """Rows without torch but with torch's SiLU (the catalog): their own charts, grouped by the
    declarations' families, cheapest first, green up to 3x SiLU, the textbook ratio in the table."""
    data = bench_old()
    for name, ratio in (("TanhExp", 4.5), ("Mish", 0.8), ("Snake", 2.0), ("SiLU", 1.2), ("Elliott", 0.9)):
        for numel in (65_536, 4_000_000):
            ms = {"actlab": ratio, "silu": 1.0, "naive": 3.0}
            row = {
                "name": name,
                "numel": numel,
                "pass": "fwdbwd",
                "ms": ms,
                "ratio": {"silu": ratio, "naive": ratio / 3},
            }
            data["results"].append(row)
    page = speed_section.render(data, CTX)
    assert "The catalog against torch's SiLU" in page
    catalog = page[
        page.index("The catalog, forward + backward, 4M") : page.index("The catalog, forward + backward, 64K")
    ]
    families = re.findall(r"<div class='bar-family'>([^<]+)</div>", catalog)
    assert families == ["gated (3)", "periodic (1)", "sigmoidal (1)"]  # Mish, SiLU and TanhExp are gated
    gated = re.findall(r"<span class='bar-name'>(\w+)</span>", catalog.split("periodic (1)")[0])
    assert gated == ["Mish", "SiLU", "TanhExp"]  # cheapest first
    assert catalog.count("class='bar slower'") == 1  # TanhExp: 4.5 > 3x SiLU
    assert "4 of 5 within 3× SiLU" in catalog and "1.50×" in catalog  # TanhExp / its textbook composition


def test_speed_new_format_and_escaping() -> None:
    page = speed_section.render(bench_new(), CTX)
    assert "Stale: measured with torch 0.0-other" in page
    assert "double backward, 64K elements, float32, 2 threads" in page
    assert page.count("class='whisker'") == 6  # the spread of the repeats, one per row
    assert "&lt;b&gt;Evil&lt;/b&gt;" in page and "<b>Evil</b>" not in page
    assert "(noisy)" in page  # p90 / p10 = 1.67 > 1.2
    assert "native kernels used" in page


def test_arena_new_format_ranked_with_ci_and_significance() -> None:
    page = arena_section.render(arena_new(), CTX)
    digits, pinn = page.split("<h3>pinn</h3>")
    order = [
        m
        for m in re.findall(r"<td>(\w+)(?: <span class='badge'>|</td>)", digits)
        if m in ("ReLU", "GELU", "Tanh", "ELU", "SiLU")
    ]
    assert order == ["GELU", "ELU", "ReLU", "SiLU", "Tanh"]  # higher is better
    porder = [
        m for m in re.findall(r"<td>(\w+)(?: <span class='badge'>|</td>)", pinn) if m in ("ReLU", "GELU", "Tanh", "ELU")
    ]
    assert porder == ["Tanh", "GELU", "ELU", "ReLU"]  # lower is better
    assert "97.00% ± 1.00%" in digits and "95% CI" in digits
    assert "p = 0.01 *" in digits and "(lower is better)" in pinn
    assert digits.count("best in family") == 1 and "<tr class='best'><td>1</td><td>GELU" in digits  # GELU > SiLU
    assert "best in family" not in pinn  # no family has two members there
    assert digits.count('<svg class="chart"') == 1 and "Only" not in page  # curves drawn from the records
    assert "Learning rate: 0.01" in page


def test_arena_few_seeds_and_old_format() -> None:
    page = arena_section.render(arena_new(seeds=1), CTX)
    assert "Only 1 seed: the ranking is not reliable" in page and "one seed: no spread" in page
    assert "± " not in _text(page)
    old = arena_section.render(arena_old(), CTX)
    assert old.index("Mish") < old.index("ReLU") and "81.00%" in old and "test accuracy" in old


def test_accuracy_current_format() -> None:
    rec = {
        "op": "GELU",
        "kind": "forward",
        "actlab_max_ulp": 0.5,
        "torch_max_ulp": "inf",
        "where": -3.4,
        "torch_where": "-inf",
        "actlab_mean_ulp": 0.1,
        "torch_mean_ulp": "inf",
        "n_points": 10,
        "torch_finite_max_ulp": 1.7e7,
        "torch_finite_where": -7.6,
        "profile": {
            "axis": "x",
            "bin": 0.5,
            "x": [-10.0, -1e-5, 0.0, 1.0],
            "actlab": [0.5, 0, 0, 0.2],
            "torch": ["inf", 2.0, 0, 0.3],
        },
    }
    data = {"meta": {"names": ["GELU"], "size": "reduced", "torch": "2.13.0+cpu", "time": "t"}, "records": [rec]}
    page = accuracy_section.render(data, CTX)
    assert "Reduced sweep of GELU" in page and "Not covered by this file: ELU, Swish, ReLU." in page
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert cells[:8] == ["GELU", "0.50", "-3.4", "inf", "−inf", "1.7e+07", "-7.6", "0.10 / inf"]
    assert page.count('<svg class="chart"') == 1 and "torch" in page
    assert accuracy_section.where(None, 0.0) == "—" and accuracy_section.where("nan", 3.0) == "NaN input"
