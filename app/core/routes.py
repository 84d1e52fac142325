"""Health check and the home page."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect
from flask_login import current_user, login_required

from app.core.navigation import landing
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
    """Each role lands where its work is (app.core.navigation.LANDINGS)."""
    return redirect(landing(current_user))
