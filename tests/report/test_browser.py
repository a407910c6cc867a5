"""The atlas in a real browser: headless Chromium via selenium loads index.html from file://,
every <img> decodes (naturalWidth > 0) and the console has no errors.

Skips only when chromium or chromedriver is not installed (Debian: chromium chromium-driver)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not CHROMIUM or not DRIVER:
        pytest.skip("headless browser test needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield drv
    drv.quit()


def test_report_loads_in_chromium(driver, tmp_path: Path) -> None:
    from actlab.report import build

    index = build(tmp_path, only=["ReLU", "Softmax", "SwiGLU"], jobs=1, progress=False)
    driver.get(index.resolve().as_uri())
    driver.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    driver.set_script_timeout(30)
    widths = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const imgs = Array.from(document.images);
        Promise.all(imgs.map(i => i.decode().catch(() => null)))
          .then(() => done(imgs.map(i => [i.getAttribute('src'), i.naturalWidth])));"""
    )
    assert len(widths) >= 9  # 3 gallery + 3 formulas + 3 plots
    assert all(w > 0 for _, w in widths), [s for s, w in widths if w == 0]
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    assert "actlab activation atlas" in driver.title
