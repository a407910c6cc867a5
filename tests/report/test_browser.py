"""The atlas in a real browser: headless Chromium via selenium loads index.html from file://;
every image decodes, the explorer selects, slides and redraws, the hover readout shows x, f, f',
f'', a user-supplied name full of markup stays text, and the console has no errors.

Skips only when chromium or chromedriver is not installed (Debian: chromium chromium-driver)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import actlab
from actlab.registry import unregister
from headless_chromium import open_driver

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=window.pwned=1>"


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Iterator:
    drv = open_driver(tmp_path_factory.mktemp("chromium-profile"))
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def page(driver, tmp_path_factory) -> Iterator:
    """A small report with a user activation whose name and docstring are markup, opened."""

    class Leaky(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.where(x > 0, x, 0.1 * x)

    evil = type(EVIL, (Leaky,), {"__doc__": "<script>window.pwned=2</script> a ``leaky`` one."})
    actlab.plot_activation_module(evil)
    try:
        from actlab.report import build

        index = build(tmp_path_factory.mktemp("atlas"), only=["ELU", "Softplus", EVIL], jobs=1, progress=False)
    finally:
        unregister(EVIL)
    driver.get(index.resolve().as_uri())
    yield driver


def _paths(driver, panel: str = "ex-f") -> list[str]:
    return driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{panel} path.curve')).map(p => p.getAttribute('d'))"
    )


def test_images_decode_and_no_injection(page) -> None:
    page.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    page.set_script_timeout(30)
    widths = page.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const imgs = Array.from(document.images);
        Promise.all(imgs.map(i => i.decode().catch(() => null)))
          .then(() => done(imgs.map(i => [i.getAttribute('src'), i.naturalWidth])));"""
    )
    assert len(widths) >= 6  # 3 gallery + 3 plots
    assert all(w > 0 for _, w in widths), [s for s, w in widths if w == 0]
    assert page.execute_script("return window.pwned === undefined")
    names = page.execute_script("return Array.from(document.querySelectorAll('.acts a')).map(a => a.textContent)")
    assert EVIL in names  # shown as text
    assert "actlab activation atlas" in page.title


def test_explorer_select_slide_hover(page) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert page.find_element(By.ID, "ex-pick-0").get_attribute("value") == "ELU"
    before = _paths(page)
    assert len(before) == 2 and all(d.count("L") > 100 for d in before)  # ELU and Softplus drawn

    Select(page.find_element(By.ID, "ex-pick-2")).select_by_value(EVIL)
    assert len(_paths(page)) == 3
    legend = page.find_element(By.CSS_SELECTOR, "#explorer .ex-legend").text
    assert EVIL in legend

    slider = page.find_element(By.ID, "ex-s0-0")  # ELU's alpha
    assert slider.get_attribute("data-param") == "alpha"
    elu_f, elu_df = _paths(page)[0], _paths(page, "ex-df")[0]
    slider.send_keys(Keys.ARROW_LEFT)  # alpha 1 -> 0.75: f and f' (alpha e^x on x < 0) change shape
    assert _paths(page)[0] != elu_f and _paths(page, "ex-df")[0] != elu_df  # redrawn at once
    assert "alpha = " in page.find_element(By.CSS_SELECTOR, "#explorer .ex-controls").text

    softplus = page.find_element(By.ID, "ex-s1-0")  # Softplus's beta
    sp_f = _paths(page)[1]
    softplus.send_keys(Keys.END)
    assert _paths(page)[1] != sp_f

    svg = page.find_element(By.ID, "ex-df")
    ActionChains(page).move_to_element_with_offset(svg, 40, 0).perform()
    read = (
        "return Array.from(document.querySelectorAll('#explorer .ex-readout tr')).map(r => "
        "Array.from(r.children).map(c => c.textContent))"
    )
    # the pointer event is handled asynchronously: the readout appears within a frame or two (once, on a loaded
    # machine, not yet when read at once)
    rows = WebDriverWait(page, 10).until(lambda d: d.execute_script(read) or None)
    assert rows[0] == ["activation", "x", "f", "f′", "f″"] and len(rows) == 4
    x = float(rows[1][1])
    assert 0 < x < 5 and all(r[1] == rows[1][1] for r in rows[1:])
    elu = next(r for r in rows if r[0].startswith("ELU"))
    assert float(elu[2]) == pytest.approx(x, rel=0.02)  # ELU(x) = x for x > 0
    assert float(elu[3]) == pytest.approx(1.0, abs=1e-6)


def test_filter_box(page) -> None:
    from selenium.webdriver.common.by import By

    box = page.find_element(By.ID, "filter")
    box.send_keys("softp")
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('.acts li')).filter(l => l.offsetParent !== null)"
        ".map(l => l.textContent)"
    )
    assert shown == ["Softplus"]
    box.clear()
    box.send_keys(" ")  # clearing does not fire input in every driver: an input that matches all
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
