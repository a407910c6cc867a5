"""The documentation site, built as CI builds it (``mkdocs build --strict``: any warning fails):
no broken internal link or anchor, nothing loaded from another host, a page per registered
activation, every public name in the reference; and in headless Chromium (as the report's test):
the home page, a search for "GELU" that reaches its page, rendered math, no console errors.

Skips when mkdocs is not installed (the ``docs`` extra); the browser tests when chromium or
chromedriver is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import actlab
from actlab import functional, nn
from actlab.docsite import activation_pages, linkcheck, reference
from actlab.stubs import functional_names, nn_names
from headless_chromium import open_driver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env["NO_MKDOCS_2_WARNING"] = "1"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return out


def test_no_broken_internal_link_or_anchor(site: Path) -> None:
    assert linkcheck.broken(site) == []


def test_nothing_loaded_from_another_host(site: Path) -> None:
    assert linkcheck.external_resources(site) == []
    assert (site / "assets" / "katex" / "katex.min.js").exists()
    assert (site / "search" / "search_index.js").exists()  # the offline plugin's inlined index


# every element the pages use (the theme's, Markdown's, the figures' SVG): text such as <gg, y> outside
# code reaches the page as a tag and disappears from it
ELEMENTS = set(
    "a article aside blockquote body br button code details div em figcaption figure footer form g h1 h2 h3 h4 h5 h6 "
    "head header hr html img input label li link main meta nav ol p path pre script small span strong sub summary "
    "sup svg table tbody td th thead title tr ul".split()
)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)


def test_no_text_is_taken_for_an_html_tag(site: Path) -> None:
    unknown = {}
    for page in site.rglob("*.html"):
        parser = _Tags()
        parser.feed(page.read_text(encoding="utf-8"))
        if parser.tags - ELEMENTS:
            unknown[str(page.relative_to(site))] = sorted(parser.tags - ELEMENTS)
    assert not unknown, unknown


def test_every_registered_activation_has_its_page(site: Path) -> None:
    index = (site / "activations" / "index.html").read_text()
    for name in actlab.names():
        page = site / activation_pages.page_path(name).replace(".md", ".html")
        assert page.exists(), name
        text = page.read_text()
        assert "<h1" in text and name in text
        assert f'href="{page.name}"' in index, name


def test_every_public_name_is_in_the_reference(site: Path) -> None:
    api = site / "api"
    ids = {}
    for page in api.glob("*.html"):
        parsed = linkcheck._parse(page)
        ids.update(dict.fromkeys(parsed.ids, page.name))
    expected = [f"actlab.{n}" for n in reference.TOP_LEVEL]
    expected += [f"actlab.nn.{n}" for n in nn_names()]
    expected += [f"actlab.functional.{n}" for n in functional_names()]
    expected += [f"actlab.kinds.{n}" for n in reference.DECLARATION_CLASSES]
    expected += ["actlab.bench", "actlab.arena", "actlab.report", "actlab.report.build", "actlab.convert"]
    missing = [n for n in expected if n not in ids]
    assert not missing, missing
    assert set(nn_names()) <= set(dir(nn)) and set(functional_names()) <= set(dir(functional))
    autograd = (api / "autograd.html").read_text()
    operators = (api / "operators.html").read_text()
    for d in actlab.declarations():
        assert f"{d.name}Function" in autograd, d.name
        assert f"actlab::{d.function}(" in operators, d.function


@pytest.fixture(scope="module")
def browser(site: Path, tmp_path_factory) -> Iterator:
    drv = open_driver(tmp_path_factory.mktemp("chromium-profile"))
    yield drv
    drv.quit()


RAW_MATH = """const main = document.querySelector('article').cloneNode(true);
main.querySelectorAll('.katex-mathml').forEach(e => e.remove());
return [main.querySelectorAll('.katex').length, main.querySelectorAll('.katex-error').length,
        document.querySelectorAll('.arithmatex').length, main.textContent];"""


@pytest.mark.browser
def test_search_gelu_reaches_its_page_with_rendered_math(site: Path, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((site / "index.html").as_uri())
    assert browser.title.startswith("actlab")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys("GELU")
    wait = WebDriverWait(browser, 30)

    def gelu_link(drv):
        links = drv.find_elements(By.CSS_SELECTOR, ".md-search-result__item a")
        hits = [a for a in links if urlsplit(a.get_attribute("href")).path.endswith("activations/GELU.html")]
        return hits[0] if hits else None

    link = wait.until(gelu_link)
    link.click()
    wait.until(lambda drv: urlsplit(drv.current_url).path.endswith("activations/GELU.html"))
    wait.until(lambda drv: drv.execute_script("return document.querySelectorAll('article .katex').length") > 0)
    assert browser.find_element(By.CSS_SELECTOR, "article h1").text == "GELU"
    rendered, errors, spans, text = browser.execute_script(RAW_MATH)
    assert rendered >= spans >= 4 and errors == 0
    assert "\\frac" not in text and "\\(" not in text and "$$" not in text and "\\Phi" not in text
    width = browser.execute_script("return document.querySelector('article img').naturalWidth")
    assert width > 0  # the plot decodes
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe


KATEX_ERRORS = """return arguments[0].flatMap(tex => {
  try { katex.renderToString(tex, {displayMode: true, throwOnError: true}); return []; }
  catch (e) { return [[tex, String(e)]]; }
});"""


@pytest.mark.browser
def test_math_renders_without_console_errors(site: Path, browser) -> None:
    """The reference pages' docstring math renders (KaTeX logs a failure as a console error), and
    KaTeX parses every activation page's formula, f' and f'' (one page load for all of them)."""
    for page in ("api/functional.html", "api/nn.html", "api/declarations.html", "activations/index.html"):
        browser.get((site / page).as_uri())
        rendered, errors, spans, text = browser.execute_script(RAW_MATH)
        assert errors == 0 and rendered >= spans, page
        assert "\\frac" not in text, page
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe
    formulas = [t for d in actlab.declarations() for t in (d.formula, *activation_pages.math_lines(d)) if t]
    assert len(formulas) > 2 * len(actlab.declarations())
    browser.get((site / "activations" / "GELU.html").as_uri())
    assert browser.execute_script(KATEX_ERRORS, formulas) == []
    assert browser.execute_script(KATEX_ERRORS, ["\\frac{1}{"])  # the check itself reports a bad one
