"""Pages of token management: a user lists, makes and revokes their own API tokens (the new
token is shown once); an administrator lists everyone's and revokes any, and lists the
machine clients (made with `flask api-client create`) and revokes any."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, can, require
from app.audit import services as audit
from app.core.forms import place_errors
from app.core.validation import ValidationFailed
from app.extensions import db

from . import tokens
from .forms import RevokeForm, TokenForm
from .models import ApiClient, ApiToken

pages = Blueprint("api_tokens", __name__, template_folder="templates")


# Personal tokens only: a machine client's hour-long tokens are listed as their client.
PERSONAL = sa.select(ApiToken).where(ApiToken.client_id.is_(None))


def _own_tokens() -> list[ApiToken]:
    stmt = PERSONAL.where(ApiToken.user_id == current_user.id)
    return list(db.session.scalars(stmt.order_by(ApiToken.created_at.desc())))


@pages.route("/account/tokens", methods=["GET", "POST"])
@login_required
def own():
    form = TokenForm(user=current_user)
    shown_once = None
    if form.validate_on_submit():
        try:
            shown_once, _row = tokens.create_token(
                current_user, form.name.data, form.scopes.data, form.days.data
            )
        except ValidationFailed as refused:
            place_errors(form, refused.errors)
        else:
            db.session.commit()
            form = TokenForm(formdata=None, user=current_user)
    elif request.method == "GET":
        audit.record("api.tokens", user=current_user)
    page = render_template(
        "api/tokens.html",
        form=form,
        listed=_own_tokens(),
        shown_once=shown_once,
        revoke_form=RevokeForm(),
        everyone=False,
        scope_labels=tokens.SCOPES,
    )
    return page, 422 if form.errors else 200


@pages.route("/admin/tokens")
@login_required
def everyone():
    require(current_user, Action.MANAGE_USERS)
    audit.record("api.tokens", user=current_user, everyone=True)
    listed = db.session.scalars(PERSONAL.order_by(ApiToken.created_at.desc()))
    clients = db.session.scalars(sa.select(ApiClient).order_by(ApiClient.created_at.desc()))
    return render_template(
        "api/tokens.html",
        form=None,
        listed=list(listed),
        clients=list(clients),
        shown_once=None,
        revoke_form=RevokeForm(),
        everyone=True,
        scope_labels=tokens.SCOPES,
    )


@pages.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Its owner or an administrator revokes a token; anyone else finds no such token."""
    row = db.session.get(ApiToken, token_id)
    administrator = can(current_user, Action.MANAGE_USERS)
    if row is None or not (row.user_id == current_user.id or administrator):
        abort(404)
    if RevokeForm().validate_on_submit():
        tokens.revoke(row, current_user)
        db.session.commit()
        flash(_("The token is revoked: it opens nothing any more."), "success")
    back = "api_tokens.everyone" if row.user_id != current_user.id else "api_tokens.own"
    return redirect(url_for(back))


@pages.route("/admin/api-clients/<int:client_id>/revoke", methods=["POST"])
@login_required
def revoke_client(client_id: int):
    """An administrator revokes a machine client, and with it every token it holds (the user
    it acts as cannot: the client is the administrators' to manage)."""
    require(current_user, Action.MANAGE_USERS)
    row = db.session.get(ApiClient, client_id)
    if row is None:
        abort(404)
    if RevokeForm().validate_on_submit():
        tokens.revoke_client(row, current_user)
        db.session.commit()
        flash(_("The client is revoked: its tokens open nothing any more."), "success")
    return redirect(url_for("api_tokens.everyone"))
