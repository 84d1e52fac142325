"""Pages that receive files larger than a form: each raises the request's size limit for
itself alone; every other request keeps the app's small `MAX_CONTENT_LENGTH`."""

from __future__ import annotations

from flask import Flask, request


def allow_uploads(app: Flask, endpoints: frozenset[str], megabytes_setting: str) -> None:
    """Let `endpoints` receive bodies of up to twice `app.config[megabytes_setting]` MB: a
    file a little too large is read far enough to be told so beside its field, with what was
    typed kept; beyond that, the page's 413 handler says so. Runs before any other
    before-request function, so before the CSRF check reads the body."""

    def raise_limit() -> None:
        if request.endpoint in endpoints:
            request.max_content_length = 2 * app.config[megabytes_setting] * 1024 * 1024

    app.before_request_funcs.setdefault(None, []).insert(0, raise_limit)
