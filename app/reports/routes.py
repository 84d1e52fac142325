"""URL rules of the figures: a report page and its downloads."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, Role, can, require
from app.audit import services as audit
from app.core.dates import local_today
from app.reports import dashboard as figures
from app.reports import exports
from app.reports.aggregates import cross_table
from app.reports.forms import ReportForm

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")
dashboard_bp = Blueprint("dashboard", __name__, template_folder="templates")

FORMATS = {
    "csv": ("text/csv", "csv"),
    "hxl": ("text/csv", "hxl.csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


@bp.get("/")
@login_required
def report():
    require(current_user, Action.REPORTS)
    form = ReportForm(request.args)
    if not request.args:
        return _render(form, None, 200)
    return _render(form, cross_table(current_user, form.request()) if form.validate() else None)


def _render(form: ReportForm, table, status: int | None = None):
    published = table.published(current_app.config["MIN_CELL"]) if table else None
    page = render_template(
        "reports/report.html",
        form=form,
        table=table,
        published=published,
        # Those who see no record see figures only as they may leave the system.
        exact=not current_user.has_role(*SYSTEM_WIDE),
    )
    return page, status or (422 if form.errors else 200)


@bp.get("/download/<fmt>")
@login_required
def download(fmt: str):
    require(current_user, Action.REPORTS)
    if fmt not in FORMATS:
        abort(404)
    form = ReportForm(request.args)
    if not form.validate():
        return _render(form, None, 422)  # say what is wrong, send nothing
    table = cross_table(current_user, form.request())
    published = table.published(current_app.config["MIN_CELL"])
    lines = exports.table_rows(table, published, _("Total"))
    audit.record("report.download", format=fmt, filters=form.described(), rows=len(lines) - 2)
    mimetype, extension = FORMATS[fmt]
    if fmt == "xlsx":
        body: str | bytes = exports.as_xlsx(lines, right_to_left=_is_rtl())
    elif fmt == "hxl":
        body = exports.as_hxl_csv(table, lines)
    else:
        body = exports.as_csv(lines)
    response = Response(body, mimetype=mimetype)
    filename = f"awda-{form.rows.data}-{local_today():%Y%m%d}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _is_rtl() -> bool:
    from flask_babel import get_locale

    from app.core.i18n import text_direction

    return text_direction(str(get_locale() or "en")) == "rtl"


@dashboard_bp.get("/dashboard")
@login_required
def dashboard():
    require(current_user, Action.DASHBOARD)
    user = current_user
    return render_template(
        "reports/dashboard.html",
        mine=figures.my_figures(user) if can(user, Action.MY_CASES) else None,
        team=figures.team_figures(user) if can(user, Action.TEAM_VIEW) else None,
        system=figures.system_figures(user) if user.has_role(*SYSTEM_WIDE) else None,
    )


SYSTEM_WIDE = (Role.REPORTING_OFFICER, Role.ADMIN)
