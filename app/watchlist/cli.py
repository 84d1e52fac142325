"""`flask watchlist load FILE --source NAME --as USER`: a version of a watch list loaded from a
terminal, for the operator who receives lists offline."""

from __future__ import annotations

from pathlib import Path

import click

from app.access.policy import Action, can
from app.auth.services import find_user
from app.core.cli_support import cleaned_arguments, run_in_transaction
from app.imports.reading import UnreadableList, read_table
from app.watchlist import loading
from app.watchlist.models import ListKind
from app.watchlist.national import read_national
from app.watchlist.un_xml import UnreadableWatchList, looks_like_xml, read_un_list

watchlist_cli = click.Group("watchlist", help="Watch lists screened against (screeners only).")


@watchlist_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="The list's name, e.g. 'UN consolidated list'.")
@click.option("--as", "username", required=True, help="The screener loading it.")
@cleaned_arguments
def load_command(path: Path, source: str, username: str) -> None:
    """Load a new version of a watch list: the UN Security Council consolidated list as its
    published XML, or a national list as XLSX, XLS, ODS or CSV with Arabic or English
    headings. Prints what the version added, changed and removed; exits non-zero if the file
    cannot be read or adds nothing new."""
    user = find_user(username)
    if user is None or not user.active or not can(user, Action.WATCHLIST_MANAGE):
        raise click.ClickException(f"{username} may not load watch lists.")
    content = path.read_bytes()
    kind, persons = _read(content, path.name)

    def load():
        return loading.load(source, kind, persons, path.name, content, user)

    loaded = run_in_transaction(load)
    version = loaded.version
    click.echo(
        f"{source}, version {version.number}: {version.entries} persons listed; "
        f"{version.added} added, {version.changed} changed, {version.removed} removed"
    )


def _read(content: bytes, filename: str):
    if looks_like_xml(content):
        try:
            return ListKind.UN, read_un_list(content)
        except UnreadableWatchList as refused:
            raise click.ClickException(str(refused.message)) from None
    try:
        table = read_table(content, filename)
    except UnreadableList as refused:
        raise click.ClickException(str(refused.message)) from None
    national = read_national(table)
    for row, text in national.unread_dates:
        click.echo(f"  row {row}: the date of birth {text!r} could not be read; listed without it")
    return ListKind.NATIONAL, national.persons
