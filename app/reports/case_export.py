"""The case list as a spreadsheet: the user's own households and field groups only,
pseudonymised unless an identifiable export is asked for (with permission, purpose and
password). Rows are read and written in batches, so memory stays flat however many there are."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
import xlsxwriter
from flask import Flask
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from app.access import FieldGroup
from app.auth.models import User
from app.core.dates import local_today, years_before
from app.core.formatting import listing
from app.core.spreadsheets import BOM, csv_row, neutralised
from app.extensions import db
from app.reference.models import Camp, Governorate, ReturnBatch
from app.registry.models import Household, Member, full_name
from app.registry.phone import local_form
from app.workflow.stages import Stage

BATCH = 1000


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    group: FieldGroup
    identifying: bool
    value: Callable[[CaseRow, Members], object]


class CaseRow(NamedTuple):
    """One household as the export reads it: plain values, names in the reader's language."""

    case_number: str
    stage: str
    camp: str
    batch: str
    origin: str
    destination: str
    caseworker: str
    camp_ref: str
    phone: str | None


@dataclass
class Members:
    """What the export needs of a household's members, counted by the database per batch
    rather than loaded member by member."""

    count: int = 0
    females: int = 0
    children: int = 0
    head_ar: str = ""
    head_en: str = ""
    documents: str = ""  # the kinds of document scanned on file (app.attachments), not content


def _documents_on_file(ids: list[int]) -> dict[int, str]:
    """Household id -> the kinds of the documents and identity attachments on its file, named
    in the reader's language ("Civil ID or unified ID card; Birth certificate")."""
    from app.attachments.models import Attachment
    from app.attachments.vocab import KINDS

    rows = db.session.execute(
        sa.select(Attachment.household_id, Attachment.kind)
        .where(
            Attachment.household_id.in_(ids),
            Attachment.group.in_([FieldGroup.DOCUMENTS.value, FieldGroup.IDENTITY.value]),
            Attachment.removed_at.is_(None),
        )
        .distinct()
        .order_by(Attachment.household_id, Attachment.kind)
    )
    kinds: dict[int, list[str]] = {}
    for household_id, kind in rows:
        kinds.setdefault(household_id, []).append(str(KINDS.get(kind, kind)))
    return {household_id: "; ".join(names) for household_id, names in kinds.items()}


def _members(ids: list[int], with_heads: bool, with_documents: bool = False) -> dict[int, Members]:
    adult_from = years_before(local_today(), 18)
    counts = db.session.execute(
        sa.select(
            Member.household_id,
            sa.func.count(),
            sa.func.sum(sa.case((Member.sex == "F", 1), else_=0)),
            sa.func.sum(sa.case((Member.birth_date > adult_from, 1), else_=0)),
        )
        .where(Member.household_id.in_(ids), Member.merged_into_id.is_(None))
        .group_by(Member.household_id)
    )
    found = {hid: Members(n, int(f or 0), int(c or 0)) for hid, n, f, c in counts}
    if with_documents:
        for household_id, kinds in _documents_on_file(ids).items():
            found.setdefault(household_id, Members()).documents = kinds
    if with_heads:  # identifiable exports only
        for row in db.session.execute(_HEADS.where(Member.household_id.in_(ids))):
            facts = found.setdefault(row[0], Members())
            facts.head_ar, facts.head_en = full_name(*row[1:5]), full_name(*row[5:])
    return found


_HEADS = sa.select(
    Member.household_id,
    Member.given_name_ar,
    Member.father_name_ar,
    Member.grandfather_name_ar,
    Member.family_name_ar,
    Member.given_name_en,
    Member.father_name_en,
    Member.grandfather_name_en,
    Member.family_name_en,
).where(Member.relationship == "head", Member.merged_into_id.is_(None))


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
        Column("stage", _l("Stage"), FieldGroup.IDENTITY, False, lambda h, _m: h.stage),
        Column("camp", _l("Camp of origin"), FieldGroup.IDENTITY, False, lambda h, _m: h.camp),
        Column(
            "batch",
            _l("Return batch"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.batch,
        ),
        Column(
            "origin",
            _l("Governorate of origin"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.origin,
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
            lambda h, _m: h.destination,
        ),
        Column(
            "caseworker",
            _l("Caseworker"),
            FieldGroup.IDENTITY,
            False,
            lambda h, _m: h.caseworker,
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
        Column(
            "documents",
            _l("Documents on file"),
            FieldGroup.DOCUMENTS,
            False,
            lambda _h, m: m.documents,
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
    """The rows in batches of household ids (keyset), each batch one query of plain columns:
    no ORM object is built, so the cost is the database's and the CSV writer's."""
    ids = stmt.with_only_columns(Household.id).order_by(Household.id)
    arabic = getattr(get_locale(), "language", None) == "ar"
    stages = {stage.value: str(stage.label) for stage in Stage}
    with_heads = any(c.key.startswith("head_") for c in columns)
    with_documents = any(c.key == "documents" for c in columns)
    last = 0
    while chunk := list(db.session.scalars(ids.where(Household.id > last).limit(BATCH))):
        last = chunk[-1]
        members = _members(chunk, with_heads, with_documents)
        for row in db.session.execute(_CASE_COLUMNS.where(Household.id.in_(chunk))):
            case = _case(row, arabic, stages)
            yield [c.value(case, members.get(row.id) or Members()) for c in columns]


def _case(row: sa.Row, arabic: bool, stages: dict[str, str]) -> CaseRow:
    def name(prefix: str) -> str:
        chosen = getattr(row, f"{prefix}_ar") if arabic else None
        return chosen or getattr(row, f"{prefix}_en") or ""

    return CaseRow(
        case_number=row.case_number,
        stage=stages.get(row.stage, row.stage),
        camp=name("camp"),
        batch=row.batch or "",
        origin=name("origin"),
        destination=name("destination"),
        caseworker=row.caseworker or "",
        camp_ref=row.camp_ref,
        phone=row.phone,
    )


def _case_columns() -> sa.Select:
    origin, destination = aliased(Governorate), aliased(Governorate)
    return (
        sa.select(
            Household.id,
            Household.case_number,
            Household.stage,
            Household.camp_ref,
            Household.phone,
            Camp.name_en.label("camp_en"),
            Camp.name_ar.label("camp_ar"),
            ReturnBatch.number.label("batch"),
            origin.name_en.label("origin_en"),
            origin.name_ar.label("origin_ar"),
            destination.name_en.label("destination_en"),
            destination.name_ar.label("destination_ar"),
            User.full_name.label("caseworker"),
        )
        .join(Camp, Camp.id == Household.camp_id)
        .join(origin, origin.id == Household.origin_governorate_id)
        .outerjoin(ReturnBatch, ReturnBatch.id == Household.batch_id)
        .outerjoin(destination, destination.id == Household.destination_governorate_id)
        .outerjoin(User, User.id == Household.assigned_to_id)
        .order_by(Household.id)
    )


_CASE_COLUMNS = _case_columns()


def csv_lines(
    app: Flask, stmt: sa.Select, columns: list[Column], locale_header: list[str]
) -> Iterator[str]:
    """The file, read in batches while it is sent, in an app context of its own (the request's
    is gone by then) speaking the reader's language, read now while the request is here."""
    language = str(get_locale() or "en")

    def lines() -> Iterator[str]:
        yield BOM + csv_row(locale_header)
        with app.app_context(), force_locale(language):
            for row in _rows(stmt, columns):
                yield csv_row(row)

    return lines()


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
        errors.add("columns", _l("Unknown column: %(names)s.", names=listing(unknown)))
    elif not chosen:
        errors.add("columns", _l("Choose at least one column."))
    allowed = exportable_groups(user)
    barred = [str(c.label) for c in chosen if c.group not in allowed]
    if barred:
        errors.add("columns", _l("Your role may not export: %(names)s.", names=listing(barred)))
    naming = [str(c.label) for c in chosen if c.identifying]
    if naming and not identifiable:
        errors.add(
            "columns",
            _l(
                "These name people; tick an identifiable export: %(names)s.",
                names=listing(naming),
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
