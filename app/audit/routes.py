"""URL rules of the audit trail: read and export only. No URL edits or deletes an entry."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, require
from app.audit import services as audit
from app.audit.forms import AuditFilterForm
from app.audit.labels import action_label
from app.audit.models import AuditEntry
from app.core.dates import local_today
from app.core.pagination import paginate
from app.core.spreadsheets import BOM, csv_row
from app.extensions import db

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/audit")

EXPORT_BATCH = 500


@bp.get("/")
@login_required
def entries():
    require(current_user, Action.AUDIT_VIEW)
    form = AuditFilterForm(request.args)
    return _render_entries(form)


@bp.get("/export.csv")
@login_required
def export():
    require(current_user, Action.AUDIT_VIEW)
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _render_entries(form)  # say what is wrong with the filters, export nothing
    filters = form.filters()
    stmt = audit.written_so_far(audit.filtered_entries(filters))
    audit.record("audit.export", count=audit.count(stmt), filters=filters.described())
    lines = _csv_lines(current_app._get_current_object(), stmt, _header())
    response = Response(lines, mimetype="text/csv")
    filename = f"audit-{local_today():%Y%m%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_entries(form: AuditFilterForm):
    page = None
    if form.validate():
        filters = form.filters()
        per_page = current_app.config["PAGE_SIZE"]
        page = paginate(audit.filtered_entries(filters), AuditEntry, filters.page, per_page)
    numbers = audit.case_numbers({e.household_id for e in page.items}) if page else {}
    return render_template(
        "audit/entries.html",
        form=form,
        page=page,
        case_numbers=numbers,
        summary=audit.summary,
        action_label=action_label,
    )


def _csv_lines(app: Flask, stmt: sa.Select, header: list[str]) -> Iterator[str]:
    """The file, read in batches while it is sent. The request's context (and its session) is
    gone by then, so the rows are read in an app context and a session of their own."""
    # A byte-order mark lets spreadsheet programs read the Arabic in the file as UTF-8.
    yield BOM + csv_row(header)
    with app.app_context():
        rows = db.session.scalars(stmt.execution_options(yield_per=EXPORT_BATCH))
        for batch in rows.partitions(EXPORT_BATCH):
            numbers = audit.case_numbers({entry.household_id for entry in batch})
            for entry in batch:
                yield csv_row(_csv_cells(entry, numbers))


def _header() -> list[str]:
    return [
        _("Entry"),
        _("Time (UTC)"),
        _("User ID"),
        _("User"),
        _("Client"),
        _("Action"),
        _("Case number"),
        _("Target"),
        _("Detail"),
        _("Entry hash"),
    ]


def _csv_cells(entry: AuditEntry, numbers: dict[int, str]) -> list[object]:
    return [
        entry.id,
        audit.iso_utc(entry.at),
        entry.user_id,
        entry.username,
        entry.client,
        entry.action,
        numbers.get(entry.household_id) if entry.household_id else None,
        entry.target,
        audit.canonical_json(entry.detail or {}),
        entry.entry_hash,
    ]
