"""Light pages that make no request to any other host: compressed, assets cached for a year
under addresses that change with their content, and nothing that points elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from tests.factories import HouseholdFactory, MemberFactory

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"
# Attributes that make a browser fetch, navigate to or post to an address.
ADDRESS_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "srcset"}
CSS_ADDRESS = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)")
JS_ADDRESS = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


class _Addresses(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ADDRESS_ATTRIBUTES and value:
                self.addresses.extend(v.strip().split(" ")[0] for v in value.split(","))
            if name == "style" and value:
                self.addresses.extend(a or b for a, b in CSS_ADDRESS.findall(value))


def _addresses(html: str) -> list[str]:
    parser = _Addresses()
    parser.feed(html)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL)
    return parser.addresses + [a or b for css in styles for a, b in CSS_ADDRESS.findall(css)]


def _elsewhere(address: str) -> bool:
    parts = urlsplit(address)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def _crawl(browser, start: str, limit: int = 80) -> dict[str, list[str]]:
    """Every page reachable by links from `start`, and what on each points to another host."""
    seen: dict[str, list[str]] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = browser.get(path)
        if response.mimetype != "text/html":
            seen[path] = []
            continue
        found = _addresses(response.get_data(as_text=True))
        seen[path] = [a for a in found if _elsewhere(a)]
        for address in found:
            target = urlsplit(urljoin(path, address))
            local = not target.netloc and target.path.startswith("/")
            if local and not target.path.startswith(("/static/", "/logout")):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


def _a_household(world):
    return HouseholdFactory(
        team=world.team_a, assigned_to=world.caseworker_a, members=[MemberFactory()]
    )


def test_no_page_refers_to_another_host(world, login, make_browser):
    _a_household(world)
    crawled = _crawl(make_browser(), "/login")
    for role in ("caseworker_a", "supervisor_a", "screener", "reporting", "admin", "focal"):
        crawled.update(_crawl(login(role), "/"))
    assert len(crawled) > 30, "the crawl reached too few pages to prove anything"
    offending = {path: found for path, found in crawled.items() if found}
    assert not offending


def test_no_asset_refers_to_another_host():
    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".css":
            assert not [a or b for a, b in CSS_ADDRESS.findall(text) if _elsewhere(a or b)], path
        assert not JS_ADDRESS.findall(text), path


def test_assets_are_addressed_by_content_and_kept_for_a_year(make_browser):
    page = make_browser().get("/login").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/awda\.css\?v=[0-9a-f]{12})"', page)
    assert stylesheet, "the stylesheet's address carries no content digest"
    response = make_browser().get(stylesheet.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = make_browser().get("/static/css/awda.css")  # an old or hand-typed address
    assert "immutable" not in plain.headers.get("Cache-Control", "")


def test_pages_travel_compressed(app):
    for encoding in ("br", "gzip"):
        response = app.test_client().get("/login", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
