"""URL rules of notifications: every signed-in user's own list, newest first, and marking them
read. Each is loaded through `services.visible` (the user's own, about what they may see now);
any other answers 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.audit import services as audit
from app.core.forms import AwdaForm
from app.core.navigation import count_waiting, waiting_at
from app.core.pagination import page_number
from app.notifications import services

bp = Blueprint("notifications", __name__, template_folder="templates", url_prefix="/notifications")
count_waiting("notifications.index", services.unread_count)


class ReadForm(AwdaForm):
    """Only the CSRF token."""


@bp.get("/")
@login_required
def index():
    page = services.page_of(current_user, page_number(request.args.get("page")))
    audit.record("notifications.list", page=page.page)
    return render_template(
        "notifications/list.html",
        page=page,
        rows=[(n, services.link(n)) for n in page.items],
        unread=waiting_at("notifications.index"),  # the menu's count, counted once
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    found = services.readable(current_user, notification_id)
    if found is None:
        audit.record("access.refused", attempted="notifications.read", status=404)
        abort(404)
    if not ReadForm().validate_on_submit():
        abort(400)
    services.mark_read(found)
    return redirect(services.link(found))


@bp.post("/read-all")
@login_required
def read_all():
    if not ReadForm().validate_on_submit():
        abort(400)
    if services.mark_all_read(current_user):
        flash(_("Every notification is marked as read."), "success")
    return redirect(url_for("notifications.index"))
