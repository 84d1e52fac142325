"""What an import gives back: its progress (for the bar and its polling), the possible
duplicates its reader may see, the list with a column of problems (the error report) and the
list with the case number given to each row (for the sending party)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _

from app.access.policy import visible_households
from app.auth.models import User
from app.core.db import as_utc, utcnow
from app.core.spreadsheets import xlsx_bytes
from app.extensions import db
from app.identity.identifiers import identifier_key
from app.imports import services
from app.imports.models import ImportStatus, ListImport, SourceKey
from app.imports.reading import Table
from app.registry.models import Household, Member


def progress(imported: ListImport) -> dict:
    """{status, done, total, rows, percent, seconds_left}: households written of those in the
    list, rows written, and the time left at the pace so far (None until a chunk is done)."""
    done, total = imported.households_done, max(imported.households_total, 1)
    seconds_left = None
    running = imported.status in ImportStatus.UNDER_WAY and not services.stalled(imported)
    if imported.started_at and done and running:
        elapsed = (utcnow() - as_utc(imported.started_at)).total_seconds()
        seconds_left = round(elapsed / done * (total - done))
    return {
        "status": imported.status,
        "done": done,
        "total": imported.households_total,
        "rows": imported.rows_done,
        "percent": min(100, round(100 * done / total)),
        "seconds_left": seconds_left,
        "finished": imported.status in ImportStatus.FINISHED,
    }


def duplicates_shown(imported: ListImport, reader: User) -> list[tuple[int, str, list[Member]]]:
    """(row, the row's name, registered persons the reader may open now) for rows with
    possible duplicates; candidates outside the reader's scope are left out, and a row with
    none left is not shown."""
    stored = imported.summary.get("duplicates", {})
    wanted = {member_id for _name, ids in stored.values() for member_id in ids}
    if not wanted:
        return []
    scoped = visible_households(reader).with_only_columns(Household.id)
    members = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Member).where(Member.id.in_(wanted), Member.household_id.in_(scoped))
        )
    }
    shown = []
    for row, (name, ids) in sorted(stored.items(), key=lambda item: int(item[0])):
        found = [members[i] for i in ids if i in members]
        if found:
            shown.append((int(row), name, found))
    return shown


def problems_sheet(imported: ListImport, right_to_left: bool) -> bytes:
    """The list as sent, with the spreadsheet's row number and every problem of the row
    (those found when it was checked and those that kept a household out when committed)."""
    table = services.table_of(imported)
    problems: dict[int, list[str]] = defaultdict(list)
    stored = imported.summary.get("problems", []) + imported.summary.get("skipped", [])
    for row, column, message in stored:
        problems[row].append(f"{column}: {message}" if column else message)
    extra = {row: ["; ".join(messages)] for row, messages in problems.items()}
    return _annotated(table, [_("Problems")], extra, right_to_left)


def result_sheet(imported: ListImport, reader: User, right_to_left: bool) -> bytes:
    """The list as sent, with the case number of the household each row is in (households the
    reader may open) and whether it was imported."""
    table = services.table_of(imported)
    columns = [int(k) for k, v in imported.mapping.items() if v == "household_ref"]
    column = columns[0] if columns else len(table.headers)  # no such column: nothing matches
    keys = {identifier_key(cells[column]) for cells in table.rows if column < len(cells)}
    scoped = visible_households(reader).with_only_columns(Household.id)
    found = db.session.execute(
        sa.select(SourceKey.reference, Household.case_number, SourceKey.import_id)
        .join(Household, Household.id == SourceKey.household_id)
        .where(
            SourceKey.source_id == imported.source_id,
            SourceKey.reference.in_(keys),
            Household.id.in_(scoped),
        )
    ).all()
    cases = {reference: (case, by) for reference, case, by in found}
    refused = {row for row, *_rest in imported.summary.get("problems", [])}
    refused |= {row for row, *_rest in imported.summary.get("skipped", [])}
    extra = {}
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        reference = cells[column] if column < len(cells) else ""
        case, by = cases.get(identifier_key(reference), ("", None))
        extra[number] = [case, _outcome(number in refused, case, by == imported.id)]
    return _annotated(table, [_("Case number"), _("Result")], extra, right_to_left)


def _outcome(refused: bool, case: str, written_now: bool) -> str:
    if refused or not case:
        return _("Not imported: see the problems")
    return _("Imported") if written_now else _("Already imported before")


def _annotated(
    table: Table, headers: list[str], extra: dict[int, list[str]], right_to_left: bool
) -> bytes:
    width = len(table.headers)
    rows = [[*table.headers, _("Row in your list"), *headers]]
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        padded = (list(cells) + [""] * width)[:width]
        rows.append([*padded, number, *extra.get(number, [""] * len(headers))])
    return xlsx_bytes([(table.sheet or "list", rows)], right_to_left)
