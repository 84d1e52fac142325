"""The case list as a spreadsheet: the user's own households and field groups only,
pseudonymised unless an identifiable export is asked for (with permission, purpose and
password). Rows are read and written in batches, so memory stays flat however many there are."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
import xlsxwriter
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.access import FieldGroup
from app.core.dates import local_today
from app.core.spreadsheets import BOM, csv_row, neutralised
from app.extensions import db
from app.registry.models import Household, Member
from app.registry.phone import local_form
from app.workflow.stages import Stage

BATCH = 1000


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    group: FieldGroup
    identifying: bool
    value: Callable[[Household, Members], object]


@dataclass
class Members:
    """What the export needs of a household's members, counted by the database per batch
    rather than loaded member by member."""

    count: int = 0
    females: int = 0
    children: int = 0
    head_ar: str = ""
    head_en: str = ""


def _members(ids: list[int]) -> dict[int, Members]:
    adult_from = _years_before(local_today(), 18)
    counts = db.session.execute(
        sa.select(
            Member.household_id,
            sa.func.count(),
            sa.func.sum(sa.case((Member.sex == "F", 1), else_=0)),
            sa.func.sum(sa.case((Member.birth_date > adult_from, 1), else_=0)),
        )
        .where(Member.household_id.in_(ids))
        .group_by(Member.household_id)
    )
    found = {hid: Members(n, int(f or 0), int(c or 0)) for hid, n, f, c in counts}
    heads = db.session.scalars(
        sa.select(Member).where(Member.household_id.in_(ids), Member.relationship == "head")
    )
    for head in heads:
        facts = found.setdefault(head.household_id, Members())
        facts.head_ar, facts.head_en = head.name_ar, head.name_en
    return found


def _years_before(day, years: int):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column(
            "case_number",
            _l("Case number"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.case_number,
        ),
        Column(
            "stage", _l("Stage"), FieldGroup.IDENTITY, False, lambda h, _m: Stage(h.stage).label
        ),
        Column("camp", _l("Camp of origin"), FieldGroup.IDENTITY, False, lambda h, _m: h.camp.name),
        Column(
            "batch",
            _l("Return batch"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.batch.number if h.batch else "",
        ),
        Column(
            "origin",
            _l("Governorate of origin"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.origin_governorate.name,
        ),
        Column("members", _l("Members"), FieldGroup.IDENTITY, False, lambda _h, m: m.count),
        Column(
            "females",
            _l("Females"),
            FieldGroup.IDENTITY,
            False,
            lambda _h, m: m.females,
        ),
        Column(
            "children",
            _l("Children under 18"),
            FieldGroup.IDENTITY,
            False,
            lambda _h, m: m.children,
        ),
        Column(
            "destination",
            _l("Intended destination"),
            FieldGroup.CONTACT,
            False,
            lambda h, _m: h.destination_governorate.name if h.destination_governorate else "",
        ),
        Column(
            "caseworker",
            _l("Caseworker"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.assigned_to.full_name if h.assigned_to else "",
        ),
        Column(
            "head_name_ar",
            _l("Head's name (Arabic)"),
            FieldGroup.IDENTITY,
            True,
            lambda _h, m: m.head_ar,
        ),
        Column(
            "head_name_en",
            _l("Head's name (Latin)"),
            FieldGroup.IDENTITY,
            True,
            lambda _h, m: m.head_en,
        ),
        Column(
            "camp_ref", _l("Camp household ID"), FieldGroup.IDENTITY, True, lambda h, _m: h.camp_ref
        ),
        # The national form (07...): how people read it, and no leading "+" for a spreadsheet.
        Column(
            "phone", _l("Phone"), FieldGroup.CONTACT, True, lambda h, _m: local_form(h.phone) or ""
        ),
    )
}
DEFAULT_COLUMNS = ("case_number", "stage", "camp", "origin", "members", "females", "children")


def header(columns: list[Column]) -> list[str]:
    return [str(c.label) for c in columns]


def _rows(stmt: sa.Select, columns: list[Column]) -> Iterator[list[object]]:
    loads = (
        selectinload(Household.camp),
        selectinload(Household.batch),
        selectinload(Household.origin_governorate),
        selectinload(Household.destination_governorate),
        selectinload(Household.assigned_to),
    )
    ids = stmt.with_only_columns(Household.id).order_by(Household.id)
    last = 0
    while chunk := list(db.session.scalars(ids.where(Household.id > last).limit(BATCH))):
        last = chunk[-1]
        households = db.session.scalars(
            sa.select(Household)
            .where(Household.id.in_(chunk))
            .order_by(Household.id)
            .options(*loads)
        )
        members = _members(chunk)
        for household in households:
            facts = members.get(household.id, Members())
            yield [c.value(household, facts) for c in columns]
        db.session.expunge_all()  # what was written need not stay in memory


def csv_lines(
    app: Flask, stmt: sa.Select, columns: list[Column], locale_header: list[str]
) -> Iterator[str]:
    """The file, read in batches while it is sent, in an app context of its own (the request's
    is gone by then)."""
    yield BOM + csv_row(locale_header)
    with app.app_context():
        for row in _rows(stmt, columns):
            yield csv_row(row)


def xlsx_file(stmt: sa.Select, columns: list[Column], locale_header: list[str], rtl: bool):
    """Written row by row to a temporary file (XlsxWriter's constant-memory mode)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - sent, then closed, by the response
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("Awda")
    if rtl:
        sheet.right_to_left()
    for c, text in enumerate(locale_header):
        sheet.write_string(0, c, neutralised(text))
    for r, row in enumerate(_rows(stmt, columns), start=1):
        for c, cell in enumerate(row):
            if isinstance(cell, int):
                sheet.write_number(r, c, cell)
            else:
                sheet.write_string(r, c, neutralised(cell))
    book.close()
    out.seek(0)
    return out


def count(stmt: sa.Select) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(stmt.with_only_columns(Household.id).subquery())
        )
        or 0
    )


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
    unknown = [k for k in keys if k not in COLUMNS]
    chosen = [COLUMNS[k] for k in keys if k in COLUMNS]
    if unknown:
        errors.add("columns", _l("Unknown column: %(names)s.", names=", ".join(unknown)))
    elif not chosen:
        errors.add("columns", _l("Choose at least one column."))
    allowed = exportable_groups(user)
    barred = [str(c.label) for c in chosen if c.group not in allowed]
    if barred:
        errors.add("columns", _l("Your role may not export: %(names)s.", names=", ".join(barred)))
    naming = [str(c.label) for c in chosen if c.identifying]
    if naming and not identifiable:
        errors.add(
            "columns",
            _l(
                "These name people; tick an identifiable export: %(names)s.",
                names=", ".join(naming),
            ),
        )
    if identifiable:
        if not can(user, Action.EXPORT_IDENTIFIABLE):
            # Not offered to this role, so said above the form, not beside a hidden field.
            errors.add(None, _l("Your role may export pseudonymised lists only."))
        if len((purpose or "").strip()) < 10:
            errors.add(
                "purpose", _l("Say what the identifiable list is for (a sentence at least).")
            )
        require_password(user, password, "identifiable_export", errors, "password")
    errors.raise_if_any()
    return chosen
