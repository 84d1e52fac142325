"""Pages that receive files larger than a form: each raises the request's size limit for
itself alone; every other request keeps the app's small `MAX_CONTENT_LENGTH`."""

from __future__ import annotations

from collections.abc import Callable, Collection

from flask import Blueprint, Flask, request
from flask_login import current_user

from app.core.errors import render_error


def allow_uploads(app: Flask, endpoints: frozenset[str], megabytes_setting: str) -> None:
    """Let `endpoints` receive bodies of up to twice `app.config[megabytes_setting]` MB: a
    file a little too large is read far enough to be told so beside its field, with what was
    typed kept; beyond that, the page's 413 handler says so. Runs before any other
    before-request function, so before the CSRF check reads the body."""

    def raise_limit() -> None:
        if request.endpoint in endpoints:
            request.max_content_length = 2 * app.config[megabytes_setting] * 1024 * 1024

    app.before_request_funcs.setdefault(None, []).insert(0, raise_limit)


def answer_too_large(bp: Blueprint, endpoints: Collection[str], page: Callable[[], object]) -> None:
    """Answer a body over even the raised limit on `bp`'s upload pages (`endpoints`) with
    `page()`: the page again, the reason beside its file field (what was typed is lost with
    the body that was not read). Anywhere else, or signed out, the plain 413 page."""

    @bp.errorhandler(413)
    def upload_too_large(_error):
        if request.endpoint not in endpoints or not current_user.is_authenticated:
            return render_error(413)
        return page()
