"""/api/v1: the caller's account, and households as the caller's pages show them. Every
household comes through the access policy's scoped query (`registry.queries.case_query`) and
is cut to the caller's field groups (`registry.extract`); every call is audited like the page
it mirrors."""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint, abort

from app.access import Action, require, visible_groups
from app.audit import services as audit
from app.core.db import as_utc
from app.extensions import csrf, db
from app.registry.extract import extract
from app.registry.models import Household
from app.registry.queries import CaseFilters, case_query

from . import schemas
from .core import API_PREFIX, authenticate, require_scope
from .limits import limit_blueprint

bp = Blueprint(
    "api", __name__, url_prefix=API_PREFIX, description="Awda's JSON API for partner systems"
)
csrf.exempt(bp)
limit_blueprint(bp)
bp.before_request(authenticate)


@bp.route("/me")
class Me(MethodView):
    @bp.response(200, schemas.Account)
    def get(self):
        """The account of the token's user, and the token's scopes."""
        require_scope("account:read")
        team = current_user.team
        return {
            "username": current_user.username,
            "full_name": current_user.full_name,
            "roles": sorted(str(r) for r in current_user.roles),
            "agency": current_user.agency.code,
            "team": team.name if team else None,
            "locale": current_user.locale,
            "scopes": sorted(g.api_token.scope_set),
            "token_expires_at": as_utc(g.api_token.expires_at),
        }


def cursor_after(cursor: str | None) -> int:
    """The last id of the previous page (0: the first page). 400 for a cursor Awda did not
    write."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(
            400, message=str(_l("This cursor was not written by Awda: start from the first page."))
        )
    return value


def next_cursor(page: list, limit: int, found: int) -> str | None:
    """The cursor of the page after `page` (rows with an `id`), or None when it was the last
    (`found`: rows read, one more than `limit` when there are more)."""
    if found <= limit or not page:
        return None
    return base64.urlsafe_b64encode(str(page[-1].id).encode()).decode().rstrip("=")


@bp.route("/households")
class Households(MethodView):
    @bp.arguments(schemas.ListArgs, location="query")
    @bp.response(200, schemas.HouseholdPage)
    def get(self, args):
        """The households the caller sees, oldest first, `limit` at a time. Filters: `stage`,
        and `q` (a case number, camp ID, name or phone) as the case list reads it."""
        require_scope("households:read")
        require(current_user, Action.HOUSEHOLD_LIST)
        after = cursor_after(args["cursor"])
        filters = CaseFilters(q=args["q"] or "", stage=args["stage"])
        stmt = (
            case_query(current_user, filters)
            .where(Household.id > after)
            .order_by(Household.id)
            .limit(args["limit"] + 1)
            .options(sa.orm.selectinload(Household.members))
        )
        found = list(db.session.scalars(stmt))
        page = found[: args["limit"]]
        audit.record("api.households", rows=len(page))
        return {
            "items": [
                {
                    "case_number": h.case_number,
                    "stage": h.stage,
                    "members": len(h.members),
                    "version": h.version,
                }
                for h in page
            ],
            "next_cursor": next_cursor(page, args["limit"], len(found)),
        }


@bp.route("/households/<case_number>")
class OneHousehold(MethodView):
    @bp.response(200, schemas.Household)
    def get(self, case_number: str):
        """One household, cut to the caller's field groups exactly as its page is."""
        require_scope("households:read")
        require(current_user, Action.HOUSEHOLD_VIEW)
        filters = CaseFilters()
        stmt = case_query(current_user, filters).where(Household.case_number == case_number)
        household = db.session.scalar(stmt)
        if household is None:
            abort(404, message=str(_l("No household with this case number is yours to see.")))
        audit.record("api.household", household_id=household.id)
        data = extract(household, visible_groups(current_user, household))
        return {**data, "stage": household.stage, "version": household.version}
