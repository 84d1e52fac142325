"""Break-the-glass: asking for access, and the auditors' review list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import emergency
from app.access.forms import EmergencyAccessForm
from app.access.policy import Action, require
from app.core.forms import place_errors
from app.core.validation import ValidationFailed

bp = Blueprint("access", __name__, template_folder="templates")


@bp.app_context_processor
def _banner() -> dict:
    """Every page says which emergency accesses are open, and until when."""

    def emergency_grants():
        if not getattr(current_user, "is_authenticated", False):
            return []
        return emergency.active_for(current_user)

    return {"emergency_grants": emergency_grants}


@bp.route("/break-glass", methods=["GET", "POST"])
@login_required
def break_glass():
    require(current_user, Action.BREAK_GLASS)
    form = EmergencyAccessForm()
    if form.validate_on_submit():
        try:
            grant = emergency.open_access(
                current_user, form.case_number.data, form.reason.data, form.password.data
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("Emergency access opened for four hours. It is recorded and reviewed."), "info")
            return redirect(url_for("registry.view", household_id=grant.household_id))
    status = 422 if form.is_submitted() else 200
    return render_template("access/break_glass.html", form=form), status


@bp.get("/break-glass/review")
@login_required
def review():
    require(current_user, Action.BREAK_GLASS_REVIEW)
    return render_template("access/review.html", grants=emergency.for_review())
