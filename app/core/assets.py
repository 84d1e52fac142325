"""The app's own static files: addressed by their content, so browsers may keep them for a year.

A caseworker on a weak link downloads the stylesheet and script once; a new release changes
their address (the `v` digest), never a cached copy's meaning.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

ONE_YEAR = 365 * 24 * 3600


def asset_url(filename: str) -> str:
    path = Path(current_app.static_folder or "", filename)
    return url_for("static", filename=filename, v=_digest(path, path.stat().st_mtime_ns))


@cache
def _digest(path: Path, _modified: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _cache_static(response: Response) -> Response:
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


def register(app: Flask) -> None:
    app.add_template_global(asset_url)
    app.after_request(_cache_static)
