"""`flask identity ...`: record linkage from a terminal."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.extensions import db
from app.identity import linkage, services
from app.identity.models import DuplicatePair, PairStatus

identity_cli = AppGroup("identity", help="Possible duplicates among the persons registered.")


@identity_cli.command("scan")
@click.option("--batch", default=1000, show_default=True, help="Persons per transaction.")
def scan_command(batch: int) -> None:
    """Compare every registered person with the register and add the possible duplicates to
    the queue. A pair judged "not the same" is not raised again unless one of the two records
    changed since; nothing is ever merged by a scan. Safe to run again."""
    started = time.monotonic()

    def progress(read: int, raised: int) -> None:
        click.echo(f"  {read} persons read, {raised} pairs raised", err=True)

    read, raised = services.scan(batch=max(1, batch), progress=progress)
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(DuplicatePair)
        .where(DuplicatePair.status.in_(PairStatus.WAITING))
    )
    seconds = time.monotonic() - started
    click.echo(
        f"{read} persons compared in {seconds:.1f} s; {raised} pairs raised; "
        f"{waiting} waiting for a judgement."
    )


@identity_cli.command("rekey")
def rekey_command() -> None:
    """Recompute every person's folded name, digest and blocking keys (after a change to the
    matcher's keys). Pairs and judgements are kept."""
    with db.engine.begin() as connection:
        count = linkage.refresh_all(connection)
    click.echo(f"{count} persons keyed again.")
