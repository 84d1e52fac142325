"""/api/v1/figures: a report's table as it may leave the system, for a partner's dashboard.

The choices are checked by the report page's own form (`reports.forms.ReportForm`), the figures
counted by its own query (`reports.aggregates.cross_table`, which starts from what the caller may
count), and what is answered is always the published table: small cells suppressed and every
figure rounded (`reports.publication`), whoever asks. Exact figures never leave through the API.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import abort
from werkzeug.datastructures import MultiDict

from app.access import Action
from app.audit import services as audit
from app.reports import exports
from app.reports.aggregates import UNITS, cross_table, offered_periods, published
from app.reports.dimensions import DIMENSIONS
from app.reports.forms import UNIT_LABELS, ReportForm

from .core import needs
from .messages import at_most, one_of
from .routes import bp


class FigureArgs(ma.Schema):
    """The report page's choices: what to count, by what, and for which period."""

    unit = ma.fields.String(required=True, validate=one_of(UNITS))
    rows = ma.fields.String(required=True, validate=one_of(DIMENSIONS))
    columns = ma.fields.String(load_default=None, validate=one_of(DIMENSIONS))
    period = ma.fields.String(
        required=True,
        validate=at_most(10),
        metadata={"description": "a month (2026-07), quarter (2026-Q3) or year that has ended"},
    )


class About(ma.Schema):
    label = ma.fields.String(required=True)
    value = ma.fields.String(required=True)


class Figures(ma.Schema):
    """The published table: `header`, then `lines` of names (and p-codes where the rows are
    places) and figures; a figure is a count or the mark that hides it ("<5", "x")."""

    about = ma.fields.List(ma.fields.Nested(About), required=True)
    header = ma.fields.List(ma.fields.String(), required=True)
    lines = ma.fields.List(ma.fields.List(ma.fields.Raw()), required=True)


@bp.route("/figures")
class PublishedFigures(MethodView):
    @needs("figures:read", Action.REPORTS)
    @bp.arguments(FigureArgs, location="query")
    @bp.response(200, Figures)
    def get(self, args):
        """A table of counts as the report page downloads it: suppressed and rounded."""
        chosen = {key: value for key, value in args.items() if value is not None}
        form = ReportForm(MultiDict(chosen), periods=offered_periods(current_user))
        if not form.validate():
            abort(422, errors={"query": form.errors})
        request = form.request()
        table = cross_table(current_user, request)
        unit = str(UNIT_LABELS[request.unit])
        period = request.period.label() if request.period else ""
        file = exports.download(table, published(table), period, unit, isolate=False)
        audit.record("api.figures", filters=form.described(), rows=len(file.lines) - 1)
        return {
            "about": [{"label": label, "value": value} for label, value in file.about],
            "header": file.header,
            "lines": file.lines,
        }
