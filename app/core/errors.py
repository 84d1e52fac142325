"""Error pages in the layout, or JSON when the client asked for JSON."""

from __future__ import annotations

import logging
import secrets
from contextlib import nullcontext

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from app.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("This page does not exist, or you may not see it."),
    405: _l("This action is not allowed here."),
    409: _l("This record was changed by someone else."),
    422: _l("Some values were refused: see what is said of each field."),
    413: _l("What you sent is too large to be read. Nothing was saved."),
    429: _l("Too many requests. Wait as long as Retry-After says, then try again."),
    500: _l("Something went wrong on our side. Nothing was saved. Please try again."),
}


# A problem's `title`, the status's name, in the reader's language: every status the API answers
# (a status not listed keeps its English name).
TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    412: _l("Precondition Failed"),
    413: _l("Request Entity Too Large"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Entity"),
    428: _l("Precondition Required"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}
# Under `app.extensions`: a function giving the language of the caller of the JSON API when the
# request has not found it itself (`app.api.core.token_language`), or None.
PROBLEM_LANGUAGE = "awda_problem_language"
# Answers that look for no caller, and so speak the language the request asks for: no valid
# token (401); a rate limit, which sheds load before any database read (429); an error on our
# side, where the database may be what failed (500, 503).
_NO_CALLER_LOOKUP = frozenset({401, 429, 500, 503})


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def problem(
    status: int,
    detail: str,
    errors: dict | None = None,
    headers: dict | None = None,
    extensions: dict | None = None,
):
    """An error of the JSON API as RFC 9457 problem details: `title` the status's name (in
    the reader's language, as RFC 9457 allows), `detail` what to do, `errors` field by field
    where the request's values were refused ({"location": {"field": ["message"]}} as webargs
    reports them), and `extensions` as further members of the problem (RFC 9457 section 3.2),
    such as the possible duplicates of a 409."""
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status) or HTTP_STATUS_CODES.get(status, "Error")),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = _messages_listed(errors)
    body.update(extensions or {})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.update(headers or {})
    return response


def _messages_listed(errors):
    """`errors` with every field's messages as a list of plain strings (a lazy message, made
    translatable, is rendered now; marshmallow leaves one that is not a `str` unlisted)."""
    if isinstance(errors, dict):
        return {str(key): _messages_listed(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [str(message) for message in errors]
    return [str(errors)]


def render_error(
    status: int, message: str | None = None, headers: dict | None = None, errors=None, **extensions
):
    if request.path.startswith("/api/"):
        with _callers_language(status):
            message = message or str(MESSAGES.get(status, MESSAGES[500]))
            return problem(status, message, errors, headers, extensions)
    message = message or str(MESSAGES.get(status, MESSAGES[500]))
    if wants_json():
        return jsonify(error=status, message=message), status, headers or {}
    page = render_template("errors/error.html", status=status, message=message)
    return page, status, headers or {}


def _callers_language(status: int):
    """Where the API has not yet read who calls (a URL that matches no rule, a method its rule
    does not take: its blueprint never ran), the caller's language while the problem is
    written; nothing to do, and no database read, where it has."""
    find = current_app.extensions.get(PROBLEM_LANGUAGE)
    language = find() if find and status not in _NO_CALLER_LOOKUP else None
    return force_locale(language) if language else nullcontext()


def _http_error(error: HTTPException):
    status = error.code or 500
    # Keep what the error says about itself, such as Allow on a 405.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data = getattr(error, "data", None) or {}  # what the API's abort (webargs) adds
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages")
    extensions = data.get("extensions") or {}
    return render_error(status, data.get("message"), headers, errors, **extensions)


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return _http_error(error)
    db.session.rollback()
    # An incident number ties what the user reports to the log entry, without showing them
    # anything of the error itself.
    incident = secrets.token_hex(4)
    log.exception("Incident %s: unhandled error on %s %s", incident, request.method, request.path)
    message = _l(
        "%(message)s Incident number: %(incident)s.", message=MESSAGES[500], incident=incident
    )
    return render_error(500, str(message))


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
