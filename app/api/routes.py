"""/api/v1: the caller's account, and households as the caller's pages show them. Every
household comes through the access policy's scoped query (`registry.queries.case_query`) and
is cut to the caller's field groups (`registry.extract`); every call is audited like the page
it mirrors."""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask import g, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint, abort

from app.access import Action, can, visible_groups
from app.audit import services as audit
from app.core.db import MAX_ID, as_utc
from app.extensions import csrf, db
from app.registry.extract import extract
from app.registry.models import Household, Member
from app.registry.queries import CaseFilters, case_query

from . import household_schemas, schemas
from .core import API_PREFIX, PARSER, at_version, authenticate, if_match, needs
from .household_writes import register, saved, update
from .limits import limit_blueprint

bp = Blueprint(
    "api", __name__, url_prefix=API_PREFIX, description="Awda's JSON API for partner systems"
)
bp.ARGUMENTS_PARSER = PARSER  # before any route: every text sent is cleaned first
csrf.exempt(bp)
limit_blueprint(bp)
bp.before_request(authenticate)


@bp.route("/me")
class Me(MethodView):
    @needs("account:read")
    @bp.response(200, schemas.Account)
    def get(self):
        """The account of the token's user, and the token's scopes."""
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
        if not 0 <= value <= MAX_ID:  # beyond any row: the database would refuse the number
            raise ValueError(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        told = str(_l("This cursor was not written by Awda: start from the first page."))
        # 400, not 422: the query meets its schema; told at its field as a 422 would be.
        abort(400, message=told, errors={"query": {"cursor": [told]}})
    return value


def next_cursor(page: list, limit: int, found: int) -> str | None:
    """The cursor of the page after `page` (rows with an `id`), or None when it was the last
    (`found`: rows read, one more than `limit` when there are more)."""
    if found <= limit or not page:
        return None
    return base64.urlsafe_b64encode(str(page[-1].id).encode()).decode().rstrip("=")


@bp.route("/households")
class Households(MethodView):
    @needs("households:read", Action.HOUSEHOLD_LIST)
    @bp.arguments(schemas.ListArgs, location="query")
    @bp.response(200, schemas.HouseholdPage)
    def get(self, args):
        """The households the caller sees, oldest first, `limit` at a time. Filters: `stage`,
        and `q` (a case number, camp ID, name or phone) as the case list reads it."""
        after = cursor_after(args["cursor"])
        filters = CaseFilters(q=args["q"] or "", stage=args["stage"])
        # Counted by the database: loading a page's members to count them cost more than the
        # rest of the request (bench/api.py).
        members = (
            sa.select(sa.func.count())
            .where(Member.household_id == Household.id, Member.merged_into_id.is_(None))
            .correlate(Household)
            .scalar_subquery()
        )
        stmt = (
            case_query(current_user, filters)
            .add_columns(members)
            .where(Household.id > after)
            .order_by(Household.id)
            .limit(args["limit"] + 1)
        )
        found = db.session.execute(stmt).all()
        rows = found[: args["limit"]]
        audit.record("api.households", rows=len(rows))
        return {
            "items": [
                {
                    "case_number": h.case_number,
                    "stage": h.stage,
                    "members": count,
                    "version": h.version,
                }
                for h, count in rows
            ],
            "next_cursor": next_cursor([h for h, _count in rows], args["limit"], len(found)),
        }

    @needs("households:write", Action.HOUSEHOLD_CREATE)
    @bp.arguments(household_schemas.NewHousehold)
    @bp.response(201, schemas.Household)
    @bp.alt_response(409, schema=household_schemas.DuplicatesProblem, description="Duplicates?")
    def post(self, sent):
        """Register a household in the caller's team, as the registration form does. When
        its members may already be registered, 409 names them (those the caller may open):
        send again with their ids in `duplicates_seen` once a person has checked."""
        household = saved(lambda: register(sent), sent["duplicates_seen"])
        audit.record("api.household.create", household_id=household.id)
        return _household_body(household), 201, _version_headers(household)


def _found_household(case_number: str, *loads) -> Household:
    """The household with `case_number` in the caller's scope (loaded with the options
    `loads`), or 404."""
    stmt = case_query(current_user, CaseFilters()).where(Household.case_number == case_number)
    stmt = stmt.options(*loads)
    household = db.session.scalar(stmt)
    if household is None:
        abort(404, message=str(_l("No household with this case number is yours to see.")))
    return household


def _household_body(household: Household) -> dict:
    data = extract(household, visible_groups(current_user, household))
    return {**data, "stage": household.stage, "version": household.version}


def _version_headers(household: Household) -> dict:
    return {
        "ETag": f'"{household.version}"',
        "Location": url_for("api.OneHousehold", case_number=household.case_number),
    }


@bp.route("/households/<case_number>")
class OneHousehold(MethodView):
    @needs("households:read", Action.HOUSEHOLD_VIEW)
    @bp.response(200, schemas.Household)
    def get(self, case_number: str):
        """One household, cut to the caller's field groups exactly as its page is."""
        # Its members' documents and needs in one statement each, not two a member.
        members = sa.orm.selectinload(Household.members)
        household = _found_household(
            case_number, members.selectinload(Member.documents), members.selectinload(Member.needs)
        )
        audit.record("api.household", household_id=household.id)
        return _household_body(household), 200, {"ETag": f'"{household.version}"'}

    @needs("households:write", Action.HOUSEHOLD_EDIT)
    @bp.arguments(household_schemas.HouseholdChange)
    @bp.response(200, schemas.Household)
    @bp.alt_response(409, schema=household_schemas.DuplicatesProblem, description="Duplicates?")
    @bp.alt_response(412, schema=schemas.Problem, description="The version is not the latest")
    @bp.alt_response(428, schema=schemas.Problem, description="If-Match is missing")
    def patch(self, sent, case_number: str):
        """Change a household as its edit form does, sending `If-Match` with its version: the
        fields sent replace the stored ones, members are changed by id, added without one,
        removed with `remove_members`; everything else is kept."""
        household = _found_household(case_number)
        if not can(current_user, Action.HOUSEHOLD_EDIT, household):
            abort(403, message=str(_l("You may read this household but not change it.")))
        missing = str(_l("Send If-Match with the household's version."))
        tags = if_match(missing)
        stale = (
            _l("Someone changed this household since: read it again.")
            if any(tag.isdigit() for tag in tags) or "*" in tags
            else _l(
                "If-Match names no version of a household (a whole number, as its ETag gives): "
                "read it and send its ETag."
            )
        )
        at_version(household, lambda h: str(h.version), missing, str(stale))
        digests = {m.id: m.identity_digest for m in household.members}
        saved(lambda: update(household, sent), sent["duplicates_seen"], digests)
        audit.record("api.household.update", household_id=household.id)
        return _household_body(household), 200, _version_headers(household)
