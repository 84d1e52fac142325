"""URL rules of the administration: users and reference data. Views check the access policy,
call a service, render."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, require
from app.admin import queries
from app.admin.forms import NewUserForm, UserForm, UserListForm, user_values
from app.admin.kinds import KINDS, Kind, kind_or_404
from app.admin.services import save_reference, update_account
from app.auth.models import User
from app.auth.reauth import password_problem
from app.auth.services import create_user
from app.core.forms import place_errors
from app.core.pagination import page_number
from app.core.validation import ValidationFailed
from app.extensions import db

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


@bp.url_defaults
def _keep_kind(endpoint: str, values: dict) -> None:
    """A reference page's links to itself keep its kind, so the shared pager works here too."""
    if "kind" in values or not has_request_context() or not request.view_args:
        return
    if "kind" in request.view_args and current_app.url_map.is_endpoint_expecting(endpoint, "kind"):
        values["kind"] = request.view_args["kind"]


def _unless_posted(stored):
    """A posted form stands alone: a field left out is empty, never the stored value, so that a
    truncated post is refused rather than saved half from the database."""
    return None if request.method == "POST" else stored


def _confirmed(form, role_changes: bool) -> bool:
    """Giving or changing a role needs the administrator's own password again."""
    if not role_changes:
        return True
    problem = password_problem(current_user, form.your_password.data, "role_change")
    if problem is None:
        return True
    form.your_password.errors = [
        str(problem)
        if form.your_password.data
        else _("Enter your own password to give or change a role.")
    ]
    return False


def _roles_change(form, user: User) -> bool:
    return (form.role.data, form.second_role.data or None) != (user.role, user.second_role)


def _status(form) -> int:
    """A refused form answers 422, so the request cycle rolls back whatever was begun."""
    return 422 if form.is_submitted() else 200


# --- users --------------------------------------------------------------------------------


@bp.get("/users")
@login_required
def users():
    require(current_user, Action.MANAGE_USERS)
    form = UserListForm(request.args)
    page = queries.users_page(queries.user_filters(request.args))
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    require(current_user, Action.MANAGE_USERS)
    form = NewUserForm()
    if form.validate_on_submit() and _confirmed(form, role_changes=True):
        try:
            user = create_user(form.to_input(), form.password.data or "")
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    require(current_user, Action.MANAGE_USERS)
    user = db.get_or_404(User, user_id)
    form = UserForm(data=_unless_posted(user_values(user)), account=user)
    if form.validate_on_submit() and _confirmed(form, role_changes=_roles_change(form, user)):
        try:
            update_account(current_user, user, form.to_input(), form.password.data)
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), _status(form)


# --- reference data -----------------------------------------------------------------------


@bp.get("/reference")
@login_required
def reference_index():
    require(current_user, Action.MANAGE_REFERENCE)
    counts = {slug: queries.count(kind.model) for slug, kind in KINDS.items()}
    return render_template(
        "admin/reference_index.html", kinds=KINDS, counts=counts, shipped=queries.shipped_counts()
    )


@bp.get("/reference/<kind>")
@login_required
def reference_list(kind: str):
    require(current_user, Action.MANAGE_REFERENCE)
    definition = kind_or_404(kind)
    page = queries.reference_page(definition, page_number(request.args.get("page")))
    return render_template("admin/reference_list.html", kind=definition, page=page)


@bp.route("/reference/<kind>/new", methods=["GET", "POST"])
@login_required
def reference_new(kind: str):
    require(current_user, Action.MANAGE_REFERENCE)
    return _reference_form(kind_or_404(kind), None)


@bp.route("/reference/<kind>/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def reference_edit(kind: str, item_id: int):
    require(current_user, Action.MANAGE_REFERENCE)
    definition = kind_or_404(kind)
    return _reference_form(definition, db.get_or_404(definition.model, item_id))


def _reference_form(kind: Kind, item):
    form = kind.form(obj=_unless_posted(item), row=item)
    if form.validate_on_submit():
        try:
            row = save_reference(kind.rules, item, form.values())
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            flash(_("%(name)s saved.", name=str(row)), "success")
            return redirect(url_for("admin.reference_list", kind=kind.slug))
    page = render_template("admin/reference_form.html", kind=kind, form=form, item=item)
    return page, _status(form)
