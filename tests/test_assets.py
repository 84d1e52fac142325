"""Light pages that make no request to any other host: compressed, assets cached for a year
under addresses that change with their content, and nothing that points elsewhere."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from tests.crawl import CSS_ADDRESS, crawl
from tests.factories import HouseholdFactory, MemberFactory

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"
JS_ADDRESS = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def _elsewhere(address: str) -> bool:
    parts = urlsplit(address)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def _crawl(browser, start: str) -> dict[str, list[str]]:
    """Every page reachable by links from `start`, and what on each points to another host."""
    return {
        path: [a for a in visit.addresses if _elsewhere(a)]
        for path, visit in crawl(browser, start).items()
    }


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
