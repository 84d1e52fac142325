"""The browser side of the load test (bench/load.py): one logged-in person over plain HTTP.

The standard library's http.client, one thread per person: it costs the client about 0.2 ms of
CPU a request, against 0.75 ms for requests (measured on this machine against /healthz). On two
cores the load generator shares the CPU with the server it measures, so a costlier client would
lower the do-nothing floor most and flatter the ratio of pages to it. No keep-alive: gunicorn's
sync workers close every connection, as they would behind a proxy.
"""

from __future__ import annotations

import gzip
import html
import http.client
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import brotli

TIMEOUT = 60  # seconds: a request slower than this is an error, and the run still ends
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


class Refused(Exception):
    """The server answered something a person would see as an error."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """Cookies and a base address; every call returns the whole answer, decompressed."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str) -> Answer:
        return self.send("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Answer:
        body = urlencode(fields).encode()
        return self.send("POST", path, body, "application/x-www-form-urlencoded")

    def send(self, method: str, path: str, body: bytes | None = None, kind: str = "") -> Answer:
        headers = {"Accept-Encoding": "br, gzip", "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if kind:
            headers["Content-Type"] = kind
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, dict(response.headers.items()), _decoded(response, raw))


def _decoded(response, raw: bytes) -> bytes:
    encoding = response.headers.get("Content-Encoding", "")
    if encoding == "br":
        return brotli.decompress(raw)
    if encoding == "gzip":
        return gzip.decompress(raw)
    return raw


def expect(answer: Answer, status: int, what: str) -> Answer:
    """The answer if its status is the one a working page gives, else Refused."""
    if answer.status != status:
        raise Refused(f"{what}: HTTP {answer.status}, expected {status}")
    return answer


def csrf_token(page: Answer, what: str) -> str:
    found = CSRF.search(page.text())
    if not found:
        raise Refused(f"{what}: no CSRF token on the page")
    return html.unescape(found.group(1))


def log_in(browser: Browser, username: str, password: str) -> None:
    """The login form, as a person fills it in; Refused unless it lets them in."""
    token = csrf_token(expect(browser.get("/login"), 200, "login page"), "login page")
    sent = browser.post(
        "/login", [("username", username), ("password", password), ("csrf_token", token)]
    )
    if sent.status != 302 or "/login" in sent.headers.get("Location", ""):
        raise Refused(f"login of {username}: HTTP {sent.status}")


def local_path(answer: Answer) -> str:
    """The path of a redirect's Location (absolute or not), without the scheme and host."""
    location = answer.headers.get("Location", "")
    return re.sub(r"^https?://[^/]+", "", location)


# --- reading a form as a browser would submit it ------------------------------------------------

TAG = re.compile(r"<(/?)(input|select|option|textarea)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([\w:-]+)(?:\s*=\s*"([^"]*)")?')
TEMPLATE = re.compile(r"<template\b.*?</template>", re.IGNORECASE | re.DOTALL)
FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)
SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


def form_fields(page: str, marker: str) -> list[tuple[str, str]]:
    """The fields a browser would post from the first form containing `marker` (a string of
    its HTML), pressing no named button: text, hidden and ticked inputs, each select's chosen
    option(s) (else its first), textareas. Rows inside a <template> are not part of the form."""
    form = next((m.group(1) for m in FORM.finditer(page) if marker in m.group(1)), None)
    if form is None:
        raise Refused(f"no form with {marker!r} on the page")
    return _Reader(TEMPLATE.sub("", form)).fields


class _Reader:
    def __init__(self, form: str) -> None:
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._multiple = False
        closing_textarea = 0
        for match in TAG.finditer(form):
            if match.start() < closing_textarea:
                continue
            closing, tag, attributes = match.group(1), match.group(2).lower(), match.group(3)
            values = {k.lower(): html.unescape(v or "") for k, v in ATTRIBUTE.findall(attributes)}
            if tag == "textarea" and not closing:
                end = form.lower().find("</textarea>", match.end())
                text = form[match.end() : end].removeprefix("\n")
                self._add(values, html.unescape(text))
                closing_textarea = end
            else:
                self._tag(tag, closing, values)

    def _tag(self, tag: str, closing: str, values: dict[str, str]) -> None:
        if tag == "input" and values.get("type", "text").lower() not in SKIPPED_INPUTS:
            ticked = values.get("type", "").lower() in {"checkbox", "radio"}
            if not ticked or "checked" in values:
                self._add(values, values.get("value", "on" if ticked else ""))
        elif tag == "select" and not closing:
            self._select, self._options = values.get("name"), []
            self._multiple = "multiple" in values
        elif tag == "option" and self._select is not None:
            self._options.append((values.get("value", ""), "selected" in values))
        elif tag == "select" and closing and self._select is not None:
            chosen = [v for v, on in self._options if on] or (
                [] if self._multiple else [v for v, _ in self._options[:1]]
            )
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None

    def _add(self, values: dict[str, str], value: str) -> None:
        if values.get("name") and "disabled" not in values:
            self.fields.append((values["name"], value))


def replaced(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """The fields with `name`'s value changed (added if missing)."""
    kept = [(k, v) for k, v in fields if k != name]
    return [*kept, (name, value)]


def timed(function) -> tuple[float, object]:
    """Milliseconds a call took, and what it returned."""
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result
