"""One commit per request, rollback on error, and the headers every response carries."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, current_app, request

from app import jobs
from app.access import Action, FieldGroup, can, visible_groups
from app.audit import services as audit
from app.core import refusals
from app.core.dates import local_today
from app.core.i18n import current_language, in_reader_script, language_name, text_direction
from app.core.navigation import main_menu
from app.extensions import db
from app.reference.lists import lists

# No inline scripts, no other hosts: everything the page needs is served by the app.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register(app: Flask) -> None:
    app.after_request(_finish_transaction)
    app.after_request(_security_headers)
    app.teardown_request(_rollback_on_exception)
    app.context_processor(_layout_context)
    # Globals, not context variables: macros imported without context use them too.
    app.add_template_global(in_reader_script)
    app.add_template_global(lists, "reference_lists")


def _finish_transaction(response: Response) -> Response:
    """Commit what a successful request did; anything answered as an error is undone.

    The request's audit entries land with it: changes only if they were committed, views,
    logins and refusals in any case (a refused request is rolled back, its refusal is kept,
    with what it set aside to keep: `app.core.refusals`).
    """
    if response.status_code < 400:
        audit.write_buffer(committed=True)
        db.session.commit()
        jobs.launch_committed()
    else:
        db.session.rollback()
        jobs.discard_launches()
        kept = refusals.write_kept()
        if audit.write_buffer(committed=False) or kept:
            db.session.commit()
    return response


def _rollback_on_exception(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()
        jobs.discard_launches()


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if response.mimetype == "text/html":
        # Case files must not linger in shared browsers' caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _layout_context() -> dict:
    language = current_language()
    return {
        "page_language": language,
        "page_direction": text_direction(language),
        "other_languages": [
            (code, language_name(code), text_direction(code))
            for code in current_app.config["LANGUAGES"]
            if code != language
        ],
        "this_page": _this_page,
        "main_menu": main_menu,
        "can": can,
        "Action": Action,
        "FieldGroup": FieldGroup,
        "visible_groups": visible_groups,
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        "today": local_today(),
    }


def _this_page() -> str:
    """Where the language switch comes back to: this address if it was fetched (not posted),
    less any `q`, which the case list never takes from a URL (no name is put back in a page)."""
    if request.method != "GET":
        return request.path
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "q"])
    return f"{request.path}?{query}" if query else request.path
