"""Health check and the home page."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user, login_required

from app.access import Action, can
from app.extensions import csrf, db

log = logging.getLogger(__name__)
bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # the point is to answer, whatever the database does
        log.exception("Health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/")
@login_required
def home():
    if can(current_user, Action.HOUSEHOLD_LIST):
        return redirect(url_for("registry.case_list"))
    if can(current_user, Action.MANAGE_USERS):
        return redirect(url_for("admin.users"))
    if can(current_user, Action.DASHBOARD):
        return redirect(url_for("dashboard.dashboard"))
    return redirect(url_for("auth.account"))
