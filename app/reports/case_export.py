"""The case list as a spreadsheet: the user's own households and field groups only,
pseudonymised unless an identifiable export is asked for (with permission, purpose and
password). The files themselves are written by `app.reports.case_files`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.access import FieldGroup
from app.core.formatting import listing
from app.core.replica import reading_connection
from app.registry.models import Household
from app.reports.case_cells import (
    Cells,
    documents_on_file,
    head_name,
    member_count,
    phone_local,
    stage_label,
    text,
)

BATCH = 5000


@dataclass(frozen=True)
class Column:
    """A column of the export: its label, the field group it shows, whether it names people,
    and its cell computed by the database (`app.reports.case_cells`)."""

    key: str
    label: object
    group: FieldGroup
    identifying: bool
    cell: Callable[[Cells], sa.ColumnElement]
    number: bool = False


def _named(table: str) -> Callable[[Cells], sa.ColumnElement]:
    return lambda cells: cells.name(getattr(cells, table)())


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column(
            "case_number",
            _l("Case number"),
            FieldGroup.IDENTITY,
            False,
            lambda _c: Household.case_number,
        ),
        Column("stage", _l("Stage"), FieldGroup.IDENTITY, False, stage_label),
        Column("camp", _l("Camp of origin"), FieldGroup.IDENTITY, False, _named("camp")),
        Column(
            "batch",
            _l("Return batch"),
            FieldGroup.IDENTITY,
            False,
            lambda cells: text(cells.batch().number),
        ),
        Column(
            "origin",
            _l("Governorate of origin"),
            FieldGroup.IDENTITY,
            False,
            _named("origin"),
        ),
        Column(
            "members",
            _l("Members"),
            FieldGroup.IDENTITY,
            False,
            lambda cells: member_count(cells, "members"),
            number=True,
        ),
        Column(
            "females",
            _l("Females"),
            FieldGroup.IDENTITY,
            False,
            lambda cells: member_count(cells, "females"),
            number=True,
        ),
        Column(
            "children",
            _l("Children under 18"),
            FieldGroup.IDENTITY,
            False,
            lambda cells: member_count(cells, "children"),
            number=True,
        ),
        Column(
            "destination",
            _l("Intended destination"),
            FieldGroup.CONTACT,
            False,
            _named("destination"),
        ),
        Column(
            "caseworker",
            _l("Caseworker"),
            FieldGroup.IDENTITY,
            False,
            lambda cells: text(cells.caseworker().full_name),
        ),
        Column(
            "head_name_ar",
            _l("Head's name (Arabic)"),
            FieldGroup.IDENTITY,
            True,
            lambda _c: head_name("ar"),
        ),
        Column(
            "head_name_en",
            _l("Head's name (Latin)"),
            FieldGroup.IDENTITY,
            True,
            lambda _c: head_name("en"),
        ),
        Column(
            "camp_ref",
            _l("Camp household ID"),
            FieldGroup.IDENTITY,
            True,
            lambda _c: Household.camp_ref,
        ),
        Column(
            "documents",
            _l("Documents on file"),
            FieldGroup.DOCUMENTS,
            False,
            documents_on_file,
        ),
        # The national form (07...): how people read it, and no leading "+" for a spreadsheet.
        Column("phone", _l("Phone"), FieldGroup.CONTACT, True, phone_local),
    )
}
DEFAULT_COLUMNS = ("case_number", "stage", "camp", "origin", "members", "females", "children")


def header(columns: list[Column]) -> list[str]:
    return [str(c.label) for c in columns]


def count(stmt: sa.Select) -> int:
    """How many households `stmt` holds, counted where the export's rows are read (the
    replica, if there is one), so that the page and the audit entry say what the file holds."""
    households = stmt.with_only_columns(Household.id).subquery()
    with reading_connection() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(households)) or 0


def check_choice(
    user,
    keys: list[str],
    identifiable: bool,
    purpose: str,
    password: str | None,
) -> list[Column]:
    """The columns asked for, if this user may take them out; else ValidationFailed."""
    from app.access import Action, can
    from app.access.policy import exportable_groups
    from app.auth.reauth import require_password
    from app.core.validation import ErrorCollector

    errors = ErrorCollector()
    keys = list(dict.fromkeys(keys))  # a column ticked twice (a crafted post) comes once
    unknown = [k for k in keys if k not in COLUMNS]
    chosen = [COLUMNS[k] for k in keys if k in COLUMNS]
    if unknown:
        errors.add("columns", _l("Unknown column: %(names)s.", names=listing(unknown)))
    elif not chosen:
        errors.add("columns", _l("Choose at least one column."))
    allowed = exportable_groups(user)
    barred = [str(c.label) for c in chosen if c.group not in allowed]
    if barred:
        errors.add("columns", _l("Your role may not export: %(names)s.", names=listing(barred)))
    naming = [str(c.label) for c in chosen if c.identifying]
    if naming and not identifiable:
        if can(user, Action.EXPORT_IDENTIFIABLE):
            told = _l(
                "These name people; tick an identifiable export: %(names)s.", names=listing(naming)
            )
        else:  # the box is not on this role's form: say what to untick instead
            told = _l(
                "These name people, and your role may export pseudonymised lists only:"
                " untick %(names)s.",
                names=listing(naming),
            )
        errors.add("columns", told)
    if identifiable and not can(user, Action.EXPORT_IDENTIFIABLE):
        # Not offered to this role, so said above the form, not beside a hidden field; its
        # purpose and password, not on the form either, are not asked for.
        errors.add(None, _l("Your role may export pseudonymised lists only."))
    elif identifiable:
        if len((purpose or "").strip()) < 10:
            errors.add(
                "purpose", _l("Say what the identifiable list is for (a sentence at least).")
            )
        require_password(user, password, "identifiable_export", errors, "password")
    errors.raise_if_any()
    return chosen
