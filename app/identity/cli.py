"""`flask identity ...`: record linkage from a terminal.

Judging, merging and undoing act as a named user (`--as USERNAME`) through the same access
policy and services as the pages: a command can do only what that user may do on the pages, and
the audit trail names them."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.access.policy import Action, can, visible_pairs
from app.auth.services import find_user
from app.core.cli_support import cleaned_arguments, run_in_transaction
from app.extensions import db
from app.identity import linkage, merging, services
from app.identity.models import DuplicatePair, Merge, PairStatus

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


def _acting(username: str, action: Action):
    """The active user named, if their roles allow `action`; a clear refusal otherwise."""
    user = find_user(username)
    if user is None or not user.active:
        raise click.ClickException(f"No active user {username!r}.")
    if not can(user, action):
        raise click.ClickException(f"{username} may not do this (their role: {user.role}).")
    return user


def _pair(user, pair_id: int) -> DuplicatePair:
    pair = db.session.scalar(visible_pairs(user).where(DuplicatePair.id == pair_id))
    if pair is None:
        raise click.ClickException(f"No pair {pair_id} that {user.username} may see.")
    return pair


@identity_cli.command("pairs")
@click.option("--as", "username", required=True, help="List what this user sees.")
@click.option(
    "--status", type=click.Choice(list(services.STATUS_LABELS)), help="Default: waiting ones."
)
@cleaned_arguments
def pairs_command(username: str, status: str | None) -> None:
    """List the possible duplicates a user sees: id, likelihood, the two case numbers."""
    user = _acting(username, Action.DUPLICATES)
    found = db.session.scalars(services.queue(user, status).limit(1000)).all()
    for pair in found:
        sides = "\t".join(f"{m.household.case_number} m{m.id}" for m in pair.members)
        click.echo(f"{pair.id}\t{pair.probability:.3f}\t{pair.status}\t{sides}")
    click.echo(f"{len(found)} pairs.", err=True)


@identity_cli.command("judge")
@click.argument("pair_id", type=int)
@click.argument("judgement", type=click.Choice(list(PairStatus.JUDGEMENTS)))
@click.option("--reason", required=True, help="What was compared, who was asked.")
@click.option("--as", "username", required=True, help="The user judging.")
@cleaned_arguments
def judge_command(pair_id: int, judgement: str, reason: str, username: str) -> None:
    """Judge a pair: same, not_same or unsure, with a reason."""

    def judge():
        user = _acting(username, Action.DUPLICATES)
        services.decide(_pair(user, pair_id), judgement, reason, user)

    run_in_transaction(judge)
    click.echo(f"Pair {pair_id} judged {judgement}.")


@identity_cli.command("merge")
@click.argument("pair_id", type=int)
@click.option("--keep", "kept_member_id", type=int, required=True, help="The member id kept.")
@click.option("--households", is_flag=True, help="Merge the two households too (their heads).")
@click.option("--reason", required=True)
@click.option("--as", "username", required=True, help="The user merging.")
@cleaned_arguments
def merge_command(
    pair_id: int, kept_member_id: int, households: bool, reason: str, username: str
) -> None:
    """Merge a pair judged the same person (never done by a scan)."""

    def merge() -> Merge:
        user = _acting(username, Action.MERGE)
        return merging.merge(_pair(user, pair_id), user, kept_member_id, reason, households)

    done = run_in_transaction(merge)
    click.echo(f"Merged as merge {done.id}; undo with `flask identity undo {done.id}`.")


@identity_cli.command("undo")
@click.argument("merge_id", type=int)
@click.option("--reason", required=True)
@click.option("--as", "username", required=True, help="The user undoing.")
@cleaned_arguments
def undo_command(merge_id: int, reason: str, username: str) -> None:
    """Undo a merge: every row it moved goes back."""

    def undo() -> None:
        user = _acting(username, Action.MERGE)
        done = db.session.get(Merge, merge_id)
        if done is None:
            raise click.ClickException(f"No merge {merge_id}.")
        _pair(user, done.pair_id)
        merging.undo(done, user, reason)

    run_in_transaction(undo)
    click.echo(f"Merge {merge_id} undone.")
