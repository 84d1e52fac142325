"""`flask audit verify`: check that no audit entry was edited or removed."""

import click
from flask.cli import AppGroup

from app.audit import services
from app.audit.services import iso_utc

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute every entry's hash and follow the chain; exit 1 at the first break."""
    result = services.check_chain()
    if result.broken is None:
        click.echo(f"Audit trail intact: {result.checked} entries.")
        return
    entry = result.broken
    click.echo(
        f"Audit trail broken at entry #{entry.id} "
        f"({entry.action} at {iso_utc(entry.at)}): {result.problem}",
        err=True,
    )
    raise click.exceptions.Exit(1)
