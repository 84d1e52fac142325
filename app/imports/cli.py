"""`flask import FILE ...`: check a transfer list from a terminal, as the pages will."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from app.access.policy import Action, can
from app.auth.services import find_user
from app.core.cli_support import cleaned_arguments
from app.extensions import db
from app.imports.headers import match_headers
from app.imports.preview import ListChoices, preview
from app.imports.reading import UnreadableList, read_table
from app.reference.models import Camp, Governorate, ReturnBatch


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--camp", "camp_code", required=True, help="The camp the list comes from (code).")
@click.option("--batch", "batch_number", help="The return batch (convoy) of the whole list.")
@click.option("--governorate", help="Origin of all, when the list has no governorate column.")
@click.option("--as", "username", required=True, help="The supervisor importing the list.")
@click.option("--dry-run", is_flag=True, help="Check the list and print what it would do.")
@cleaned_arguments
def import_command(path, camp_code, batch_number, governorate, username, dry_run) -> None:
    """Read a transfer list (XLSX, XLS, ODS or CSV), match its columns by their Arabic or
    English headers, and check every row as the household form would, with the possible
    duplicates among the people registered. Prints the counts and every problem with its row
    (as the spreadsheet numbers it) and column. Exits non-zero when no household could be
    imported. Committing comes with the background import; for now, use --dry-run."""
    user = find_user(username)
    if user is None or not user.active or not can(user, Action.IMPORT_LISTS):
        raise click.ClickException(f"{username} may not import lists.")
    choices = ListChoices(
        camp_id=_id_of(Camp, Camp.code, camp_code, "camp"),
        batch_id=_id_of(ReturnBatch, ReturnBatch.number, batch_number, "batch")
        if batch_number
        else None,
        origin_governorate_id=_id_of(Governorate, Governorate.iso_code, governorate, "governorate")
        if governorate
        else None,
    )
    try:
        table = read_table(path.read_bytes(), path.name)
    except UnreadableList as refused:
        raise click.ClickException(str(refused.message)) from None
    mapping = match_headers(table.headers)
    found = preview(table, mapping, choices, user)
    _print(table, mapping, found)
    if not dry_run:
        raise click.ClickException("Nothing was written: committing a list is not built yet.")
    if found.households == 0:
        raise click.exceptions.Exit(1)


def _id_of(model, column, value: str, what: str) -> int:
    found = db.session.scalar(sa.select(model.id).where(column == value))
    if found is None:
        raise click.ClickException(f"No {what} {value!r}.")
    return found


def _print(table, mapping: dict[int, str], found) -> None:
    encoding = f", {table.encoding}" if table.encoding else ""
    click.echo(f"{table.kind}{encoding}: {len(table.rows)} rows")
    for index, header in enumerate(table.headers):
        click.echo(f"  column {header!r} -> {mapping.get(index, '(not used)')}")
    click.echo(
        f"{found.households} households, {found.members} persons to register; "
        f"{len(found.duplicates)} rows with possible duplicates; "
        f"{found.rows_with_problems} rows with problems"
    )
    for problem in found.problems:
        where = f", column {problem.column!r}" if problem.column else ""
        click.echo(f"  row {problem.row}{where}: {problem.message}")
