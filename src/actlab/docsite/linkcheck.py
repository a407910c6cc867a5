"""Broken internal links and anchors of a built site: every ``href``/``src`` of every HTML page
that is not external must name a file of the site, and its ``#fragment`` an ``id`` of that page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src", "source": "src"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []  # what the page loads: scripts, stylesheets, images

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(str(values[key]))
        link = values.get(ATTRIBUTES.get(tag, ""))
        if link:
            self.links.append(link)
            if tag != "a":
                self.resources.append(link)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def external(link: str) -> bool:
    """A link to another site or scheme (http:, mailto:, data: ...), which the check leaves alone."""
    parts = urlsplit(link)
    return bool(parts.scheme) or link.startswith("//")


def broken(site: Path) -> list[str]:
    """``page: link`` for every internal link whose file or anchor the site lacks."""
    root = site.resolve()
    pages = {p.resolve(): _parse(p) for p in site.rglob("*.html")}
    out = []
    for path, page in pages.items():
        for link in page.links:
            if external(link):
                continue
            parts = urlsplit(link)
            base = root if parts.path.startswith("/") else path.parent  # 404.html's links start at the root
            target = (base / unquote(parts.path).lstrip("/")).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                out.append(f"{path.relative_to(site.resolve())}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in pages[target].ids:
                    out.append(f"{path.relative_to(site.resolve())}: {link} (no such anchor)")
    return out


def external_resources(site: Path) -> list[str]:
    """Scripts, stylesheets and images a page loads from another host (the site must need none)."""
    out = []
    for path in site.rglob("*.html"):
        loaded = _parse(path).resources
        out += [f"{path.relative_to(site)}: {r}" for r in loaded if external(r) and not r.startswith("data:")]
    return out
