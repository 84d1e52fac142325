"""`flask import FILE ...`: a transfer list from a terminal, as the pages do it: read, mapped by
the source's template (or the headers' names), checked, and committed in this process."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from app import jobs
from app.access.policy import Action, can
from app.auth.services import find_user
from app.core.cli_support import cleaned_arguments, run_in_transaction
from app.extensions import db
from app.imports import services
from app.imports.models import ListImport
from app.imports.preview import ListChoices, Preview
from app.imports.reading import UnreadableList
from app.reference.codes import governorate_coded
from app.reference.models import Camp, Governorate, ReturnBatch

TERMINAL_SOURCE = "Lists imported from the terminal"


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--camp", "camp_code", required=True, help="The camp the list comes from (code).")
@click.option("--batch", "batch_number", help="The return batch (convoy) of the whole list.")
@click.option("--governorate", help="Origin of all (ISO code or p-code), when the list has none.")
@click.option("--as", "username", required=True, help="The supervisor importing the list.")
@click.option(
    "--template",
    help="The list's source (e.g. 'al-Hol camp administration'): its saved column mapping "
    "is used, and a list of the same source imported again updates what it created.",
)
@click.option("--dry-run", is_flag=True, help="Check the list and print what it would do.")
@cleaned_arguments
def import_command(path, camp_code, batch_number, governorate, username, template, dry_run):
    """Import a transfer list (XLSX, XLS, ODS or CSV): columns mapped by the source's template,
    else by their Arabic or English headers; every row checked as the household form would,
    with the possible duplicates among the people registered; then, unless --dry-run, every
    household that passed written, in chunks, here and now. Prints the counts and every
    problem with its row (as the spreadsheet numbers it) and column. Exits non-zero when no
    household could be imported."""
    user = find_user(username)
    if user is None or not user.active or not can(user, Action.IMPORT_LISTS):
        raise click.ClickException(f"{username} may not import lists.")
    choices = ListChoices(
        camp_id=_id_of(Camp, Camp.code, camp_code, "camp"),
        batch_id=_id_of(ReturnBatch, ReturnBatch.number, batch_number, "batch")
        if batch_number
        else None,
        origin_governorate_id=_governorate_of(governorate) if governorate else None,
    )

    def check() -> tuple[ListImport, Preview]:
        try:
            imported, table = services.receive(
                path.read_bytes(), path.name, template or TERMINAL_SOURCE, choices, user
            )
        except UnreadableList as refused:
            raise click.ClickException(str(refused.message)) from None
        found = services.check(imported, table, user)
        _print(table, services.mapping_of(imported), found)
        if found.writable and not dry_run:
            services.queue_commit(imported, user, launch=False)
        return imported, found

    if dry_run:  # checked as the pages check it, then nothing kept: no import, no file
        try:
            _imported, found = check()
        finally:
            db.session.rollback()
    else:
        imported, found = run_in_transaction(check)
    if found.writable == 0:
        if found.unchanged == 0:
            raise click.exceptions.Exit(1)
        return
    if not dry_run:
        import_id = imported.id
        db.session.rollback()  # no read of ours stays open across the job's own transactions
        jobs.run(current_app._get_current_object(), services.COMMIT_JOB, {"import_id": import_id})
        jobs.wait_for_threads()  # the screening of what was imported
        imported = db.session.get(ListImport, import_id)
        click.echo(
            f"{imported.status}: {imported.created} households created, {imported.updated} "
            f"updated, {imported.unchanged} unchanged, {imported.skipped} not imported"
        )


def _id_of(model, column, value: str, what: str) -> int:
    found = db.session.scalar(sa.select(model.id).where(column == value))
    if found is None:
        known = ", ".join(db.session.scalars(sa.select(column).order_by(column).limit(30)))
        raise click.ClickException(f"No {what} {value!r}. Known: {known}.")
    return found


def _governorate_of(code: str) -> int:
    """The governorate `code` names (ISO code or p-code, read as the API reads them)."""
    found = governorate_coded(code)
    if found is None:
        known = ", ".join(db.session.scalars(sa.select(Governorate.iso_code).order_by("iso_code")))
        raise click.ClickException(f"No governorate {code!r}. Known: {known}.")
    return found


def _print(table, mapping: dict[int, str], found: Preview) -> None:
    encoding = f", {table.encoding}" if table.encoding else ""
    click.echo(f"{table.kind}{encoding}: {len(table.rows)} rows")
    for index, header in enumerate(table.headers):
        click.echo(f"  column {header!r} -> {mapping.get(index, '(not used)')}")
    click.echo(
        f"{found.households} new households, {found.members} persons to register; "
        f"{found.updates} households to update, {found.unchanged} unchanged; "
        f"{len(found.duplicates)} rows with possible duplicates; "
        f"{found.rows_with_problems} rows with problems"
    )
    for problem in found.problems:
        where = f", column {problem.column!r}" if problem.column else ""
        click.echo(f"  row {problem.row}{where}: {problem.message}")
