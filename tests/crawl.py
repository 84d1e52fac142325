"""Walking a signed-in user's pages the way a person would: from a start page, every local link
followed, once each. Tests read what every page answered and what it points to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Attributes that make a browser fetch, navigate to or post to an address.
ADDRESS_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "srcset"}
CSS_ADDRESS = re.compile(r"url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)")


class _Addresses(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.links: list[str] = []  # where an <a> leads: what a person may follow by a click

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ADDRESS_ATTRIBUTES and value:
                self.addresses.extend(v.strip().split(" ")[0] for v in value.split(","))
            if name == "style" and value:
                self.addresses.extend(a or b for a, b in CSS_ADDRESS.findall(value))
            if tag == "a" and name == "href" and value:
                self.links.append(value)


def read_page(html: str) -> _Addresses:
    parser = _Addresses()
    parser.feed(html)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL)
    parser.addresses += [a or b for css in styles for a, b in CSS_ADDRESS.findall(css)]
    return parser


@dataclass
class Visit:
    status: int
    addresses: list[str] = field(default_factory=list)  # every address the page refers to
    came_from: str = ""  # the first page found linking here


def _local(path: str, address: str) -> str | None:
    target = urlsplit(urljoin(path, address))
    if target.netloc or not target.path.startswith("/"):
        return None
    if target.path.startswith(("/static/", "/logout")):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def crawl(browser, start: str, limit: int = 80, follow: str = "addresses") -> dict[str, Visit]:
    """Every page reachable from `start` (up to `limit`), by any address on a page
    (`follow="addresses"`) or by its links only (`follow="links"`)."""
    seen: dict[str, Visit] = {}
    queue = [(start, "")]
    while queue and len(seen) < limit:
        path, came_from = queue.pop(0)
        if path in seen:
            continue
        response = browser.get(path)
        seen[path] = Visit(response.status_code, came_from=came_from)
        if response.mimetype != "text/html":
            continue
        page = read_page(response.get_data(as_text=True))
        seen[path].addresses = page.addresses
        for address in page.links if follow == "links" else page.addresses:
            target = _local(path, address)
            if target is not None and target not in seen:
                queue.append((target, path))
    return seen
