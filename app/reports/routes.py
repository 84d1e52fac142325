"""URL rules of the figures: a report page and its downloads."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, Role, can, require
from app.audit import services as audit
from app.core.dates import local_today
from app.core.forms import place_errors
from app.core.i18n import is_right_to_left
from app.core.pdf import PDF_MIMETYPE, pdf_response
from app.core.replica import replica_configured
from app.core.validation import ValidationFailed
from app.registry import saved_search
from app.registry.list_form import CaseListForm
from app.registry.queries import case_query
from app.reports import case_export as case_export_service
from app.reports import case_files, exports
from app.reports import dashboard as figures
from app.reports.aggregates import cross_table, offered_periods, published
from app.reports.case_export import DEFAULT_COLUMNS
from app.reports.forms import UNIT_LABELS, CaseExportForm, ReportForm

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")
dashboard_bp = Blueprint("dashboard", __name__, template_folder="templates")

FORMATS = {
    "csv": ("text/csv", "csv"),
    "hxl": ("text/csv", "hxl.csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": (PDF_MIMETYPE, "pdf"),
}


@bp.get("/")
@login_required
def report():
    require(current_user, Action.REPORTS)
    form = _report_form()
    if not request.args:
        return _render(form, None, 200)
    return _render(form, cross_table(current_user, form.request()) if form.validate() else None)


def _report_form() -> ReportForm:
    return ReportForm(request.args, periods=offered_periods(current_user))


def _render(form: ReportForm, table, status: int | None = None):
    page = render_template(
        "reports/report.html",
        form=form,
        table=table,
        published=published(table) if table else None,
        caption=_caption(form, table) if table else "",
        # Those who see no record see figures only as they may leave the system.
        exact=not current_user.has_role(*SYSTEM_WIDE),
        from_replica=replica_configured(),
    )
    return page, status or (422 if form.errors else 200)


def _caption(form: ReportForm, table) -> str:
    """ "Households by Stage, registered in July 2026"."""
    chosen = form.request()
    return _(
        "%(title)s, registered in %(period)s",
        title=exports.title(table, str(UNIT_LABELS[chosen.unit])),
        period=chosen.period.label() if chosen.period else "",
    )


@bp.get("/download/<fmt>")
@login_required
def download(fmt: str):
    require(current_user, Action.REPORTS)
    if fmt not in FORMATS:
        abort(404)
    form = _report_form()
    if not form.validate():
        return _render(form, None, 422)  # say what is wrong, send nothing
    chosen = form.request()
    table = cross_table(current_user, chosen)
    figures_out = published(table)
    unit = str(UNIT_LABELS[chosen.unit])
    period = chosen.period.label() if chosen.period else ""
    rtl = is_right_to_left()
    # A PDF isolates "<5" with markup; a file for a right-to-left reader with U+2066/U+2069.
    file = exports.download(table, figures_out, period, unit, isolate=rtl and fmt != "pdf")
    audit.record("report.download", format=fmt, filters=form.described(), rows=len(file.lines) - 1)
    mimetype, extension = FORMATS[fmt]
    filename = f"awda-{form.rows.data}-{form.period.data}.{extension}"
    if fmt == "pdf":
        return pdf_response(
            "reports/report_print.html", filename, table=table, published=figures_out, file=file
        )
    if fmt == "xlsx":
        body: str | bytes = exports.as_xlsx(file, right_to_left=rtl)
    elif fmt == "hxl":
        body = exports.as_hxl_csv(table, figures_out, file, unit)
    else:
        body = exports.as_csv(file)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
        from_replica=replica_configured(),
    )


SYSTEM_WIDE = (Role.REPORTING_OFFICER, Role.ADMIN)


# --- the case list as a spreadsheet -------------------------------------------------------------


@bp.route("/cases", methods=["GET", "POST"])
@login_required
def case_export():
    require(current_user, Action.EXPORT_CASES)
    filters_form, forged, stmt, expired = _listed_cases()
    form = CaseExportForm(data=None if request.method == "POST" else {"columns": DEFAULT_COLUMNS})
    may_identify = can(current_user, Action.EXPORT_IDENTIFIABLE)
    if not may_identify:  # not on this role's form: whatever a crafted post puts there is unread
        del form.purpose, form.password
    # A search no longer kept would widen the file to the whole list: nothing is sent.
    if form.validate_on_submit() and not forged and not expired:
        try:
            columns = case_export_service.check_choice(
                current_user,
                list(form.columns.data or []),
                bool(form.identifiable.data),
                (form.purpose.data or "") if may_identify else "",
                form.password.data if may_identify else None,
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            return _send_cases(form, filters_form, stmt, columns)
    page = render_template(
        "reports/case_export.html",
        form=form,
        filters_form=filters_form,
        expired=expired,
        rows=case_export_service.count(stmt),
        may_identify=may_identify,
        from_replica=replica_configured(),
    )
    return page, 422 if form.is_submitted() else 200


def _listed_cases():
    """The households of the case list as filtered (scoped like the list itself): the filters'
    form, the filters not offered to this user, the query, and whether the list's search is
    no longer kept (its token has lapsed, so the query no longer holds it)."""
    args, expired = saved_search.list_arguments(request.args)
    filters_form = CaseListForm(args, user=current_user)
    # A filter given a value not offered to this user (another team's caseworker, say) is named.
    stmt = case_query(current_user, filters_form.filters())
    return filters_form, filters_form.refused, stmt, expired


def _send_cases(form, filters_form, stmt, columns):
    identifiable = bool(form.identifiable.data)
    audit.record(
        "export.cases",
        format=form.format.data,
        identifiable=identifiable,
        purpose=(form.purpose.data or "").strip() or None if "purpose" in form else None,
        columns=[c.key for c in columns],
        filters={k: v for k, v in request.args.items() if k not in {"q", "search"}},
        searched=bool(request.args.get("search")),
        rows=case_export_service.count(stmt),
    )
    head = case_export_service.header(columns)
    kind = "identifiable" if identifiable else "pseudonymised"
    name = f"awda-cases-{kind}-{local_today():%Y%m%d}"
    if form.format.data == "xlsx":
        file = case_files.xlsx_file(stmt, columns, head, is_right_to_left())
        response = Response(file, mimetype=FORMATS["xlsx"][0], direct_passthrough=True)
        response.call_on_close(file.close)
        extension = "xlsx"
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response = Response(case_files.csv_lines(app, stmt, columns, head), mimetype="text/csv")
        extension = "csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
