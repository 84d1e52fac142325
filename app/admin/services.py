"""Administration: accounts and reference data. These check the rules, flush, and leave the commit
to the caller; account rules themselves live in app.auth.services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access.roles import Role
from app.admin.vocab import AGENCY_KINDS, COUNTRIES
from app.audit import services as audit
from app.auth.models import User
from app.auth.services import UserInput, update_user
from app.caseload.services import release_work
from app.core.validation import ErrorCollector, ValidationFailed
from app.extensions import db
from app.reference.models import Agency, Camp, ReturnBatch, Team

log = logging.getLogger(__name__)


# --- accounts -----------------------------------------------------------------------------


def update_account(actor: User, user: User, data: UserInput, password: str | None) -> User:
    """Edit an account. An admin may not lock themselves out: with no other admin left, nobody
    could undo it from the web."""
    if user.id == actor.id:
        errors = ErrorCollector()
        if not data.active:
            errors.add("active", _l("You cannot deactivate your own account."))
        if data.role != Role.ADMIN:
            errors.add("role", _l("You cannot remove your own administrator role."))
        if (data.second_role or None) != user.second_role:
            # Separation of duties: case access for an administrator is another's decision.
            errors.add("second_role", _l("Another administrator must change your case role."))
        # Raised before update_user, which would otherwise apply the change to the logged-in user.
        errors.raise_if_any()
    user = update_user(user, data, password or None)
    # Access follows the user's team and roles at every request; what was assigned to them
    # goes back to the team it belongs to, so that nothing waits on someone who cannot act.
    release_work(user, actor)
    log.info("%s updated user %s", actor.username, user.username)
    return user


# --- reference data -----------------------------------------------------------------------

Values = dict[str, Any]
Check = Callable[[Values, Any, ErrorCollector], None]


@dataclass(frozen=True)
class ReferenceRules:
    """What may be written to one reference table and what must hold before it is."""

    model: type
    fields: tuple[str, ...]  # the only attributes a caller may set
    required: tuple[str, ...]
    unique: tuple[str, ...]
    check: Check
    codes: tuple[str, ...] = ()  # stored upper-case, so that "momd" cannot become a second MOMD


def _check_camp(values: Values, camp: Camp | None, errors: ErrorCollector) -> None:
    if values["country"] and values["country"] not in COUNTRIES:
        errors.add("country", _l("Choose Syria or Iraq."))
    if values["is_centre"] and values["country"] != "IQ":
        errors.add("is_centre", _l("A reception centre must be in Iraq."))
    if camp is not None and camp.is_centre and not values["is_centre"]:
        arriving = sa.select(ReturnBatch.id).where(ReturnBatch.destination_camp_id == camp.id)
        if db.session.scalar(arriving.limit(1)) is not None:
            errors.add(
                "is_centre",
                _l("Return batches arrive at this camp, so it must stay a reception centre."),
            )


def _check_agency(values: Values, agency: Agency | None, errors: ErrorCollector) -> None:
    if values["kind"] and values["kind"] not in AGENCY_KINDS:
        errors.add("kind", _l("Choose a kind of agency from the list."))


def _check_team(values: Values, team: Team | None, errors: ErrorCollector) -> None:
    agency = db.session.get(Agency, values["agency_id"]) if values["agency_id"] else None
    if agency is None:
        errors.add("agency_id", _l("Choose an agency from the list."))
        return
    if team is None or team.agency_id == agency.id:
        return
    # A user's team must belong to the user's agency; moving the team would break that.
    members = sa.select(sa.func.count(User.id)).where(
        User.team_id == team.id, User.agency_id != agency.id
    )
    if db.session.scalar(members):
        errors.add(
            "agency_id",
            _l("Users of this team belong to another agency; move them to another team first."),
        )


def _check_batch(values: Values, batch: ReturnBatch | None, errors: ErrorCollector) -> None:
    origin_id, destination_id = values["origin_camp_id"], values["destination_camp_id"]
    if origin_id and db.session.get(Camp, origin_id) is None:
        errors.add("origin_camp_id", _l("Choose a camp from the list."))
    destination = db.session.get(Camp, destination_id) if destination_id else None
    if destination_id and destination is None:
        errors.add("destination_camp_id", _l("Choose a camp from the list."))
    elif destination is not None and not destination.is_centre:
        errors.add("destination_camp_id", _l("The destination must be a reception centre."))
    if origin_id and origin_id == destination_id:
        errors.add("destination_camp_id", _l("The destination must differ from the origin."))


CAMP_RULES = ReferenceRules(
    Camp,
    fields=("code", "name_en", "name_ar", "country", "is_centre", "active"),
    required=("code", "name_en", "name_ar", "country"),
    unique=("code",),
    check=_check_camp,
    codes=("code",),
)
AGENCY_RULES = ReferenceRules(
    Agency,
    fields=("code", "kind", "name_en", "name_ar", "active"),
    required=("code", "kind", "name_en", "name_ar"),
    unique=("code",),
    check=_check_agency,
    codes=("code",),
)
TEAM_RULES = ReferenceRules(
    Team,
    fields=("name", "agency_id", "active"),
    required=("name", "agency_id"),
    unique=("name",),
    check=_check_team,
)
BATCH_RULES = ReferenceRules(
    ReturnBatch,
    fields=("number", "departure_date", "origin_camp_id", "destination_camp_id", "notes"),
    required=("number", "departure_date", "origin_camp_id", "destination_camp_id"),
    unique=("number",),
    check=_check_batch,
    codes=("number",),
)


def _cleaned(rules: ReferenceRules, values: Values) -> Values:
    cleaned = {}
    for name in rules.fields:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip()
            value = value.upper() if name in rules.codes else value or None
        cleaned[name] = value
    return cleaned


def _check_unique(rules: ReferenceRules, row: Any, values: Values, errors: ErrorCollector) -> None:
    """Refuse a taken value by name here; the database's constraint would only answer a 500."""
    model = rules.model
    for name in rules.unique:
        value = values[name]
        if not value:
            continue
        # Case-insensitive, so that "Team A" and "team a" are not two teams.
        taken = sa.select(model.id).where(sa.func.lower(getattr(model, name)) == value.lower())
        if row is not None:
            taken = taken.where(model.id != row.id)
        if db.session.scalar(taken.limit(1)) is not None:
            errors.add(name, _l("%(value)s is already in use; choose another.", value=value))


def save_reference(rules: ReferenceRules, row: Any | None, values: Values) -> Any:
    """Create (row None) or update a reference row from plain values keyed by attribute name."""
    values = _cleaned(rules, values)
    errors = ErrorCollector()
    for name in rules.required:
        if values[name] in (None, ""):
            errors.add(name, _l("This field is required."))
    _check_unique(rules, row, values, errors)
    rules.check(values, row, errors)
    errors.raise_if_any()
    is_new = row is None
    row = rules.model() if is_new else row
    for name, value in values.items():
        setattr(row, name, value)
    if is_new:
        db.session.add(row)
    _flush_or_refuse()
    audit.record(
        "reference.save",
        target=f"{rules.model.__tablename__}:{row.id}",
        change=True,
        created=is_new,
        values={k: _plain(v) for k, v in values.items()},
    )
    log.info("%s %s %s", "Created" if is_new else "Updated", rules.model.__tablename__, row.id)
    return row


def _plain(value: Any) -> Any:
    """JSON-safe: dates as ISO text."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _flush_or_refuse() -> None:
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another admin saved the same code between our check and our write. The request did
        # nothing else, so undoing all of it loses nothing.
        db.session.rollback()
        message = _l("Someone else saved the same value a moment ago. Check and try again.")
        raise ValidationFailed({None: [str(message)]}) from None
