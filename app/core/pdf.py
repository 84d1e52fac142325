"""Pages printed to PDF. WeasyPrint shapes Arabic and lays it out right to left through Pango.

A printed page is self-contained: its styles are inline and the fetcher may read only `data:`
addresses, so a PDF never makes a request, to the app or to any other host.
"""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.core.db import utcnow
from app.core.formatting import moment

PDF_MIMETYPE = "application/pdf"


def html_to_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint takes half a second to load and most requests print nothing.
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_response(template: str, filename: str, **context: object) -> Response:
    """`template` rendered and printed, with the footer naming who printed it and when, sent as
    a download that no cache keeps."""
    body = html_to_pdf(render_template(template, footer=_printed_by(), **context))
    response = Response(body, mimetype=PDF_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _printed_by() -> str:
    """The footer of every printed page: who printed it, and when."""
    return _(
        "Printed by %(name)s on %(when)s",
        name=current_user.full_name,
        when=moment(utcnow()),
    )
