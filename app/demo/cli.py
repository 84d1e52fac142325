"""`flask demo-data`: demo agencies, camps, teams, users and synthetic households."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth.services import find_user
from app.core.cli_support import run_in_transaction
from app.core.db import refresh_statistics
from app.demo import households, reference, referrals, watchlist
from app.extensions import db
from app.identity import services as duplicates


def _print_logins() -> None:
    click.echo(f"Demo logins (password for all: {reference.DEMO_PASSWORD}):")
    for username, _full_name, role, agency, team in reference.USERS:
        click.echo(f"  {username:<15} {role.value:<18} {agency:<7} {team or ''}")
    required = [
        u
        for u, _n, role, _a, _t in reference.USERS
        if role.value in current_app.config["TWO_FACTOR_ROLES"]
    ]
    if required:
        click.echo("Two-step login: add the key to an authenticator app (demo keys only):")
        for username in required:
            click.echo(f"  {username:<15} {reference.demo_totp_key(username)}")


def _watch_list() -> int:
    screener = find_user("screener")
    return watchlist.ensure_watch_list(screener) if screener is not None else 0


# Demo registers up to this size are scanned for possible duplicates as they are loaded.
SCAN_UP_TO = 5000


@click.command("demo-data")
@click.option("--households", "count", default=200, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=1, show_default=True, type=int)
@with_appcontext
def demo_data_command(count: int, seed: int) -> None:
    """Load demo data once; a second run leaves the database as it is."""
    if reference.demo_already_loaded():
        click.echo("Demo data is already loaded; nothing added.")
        _print_logins()
        return
    started = time.perf_counter()

    def load() -> tuple[int, int]:
        reference.ensure_reference()
        reference.ensure_users()
        made = households.generate_households(count, seed)
        return made, referrals.generate_referrals(seed) if made else 0

    made, referred = run_in_transaction(load)
    alerts = run_in_transaction(_watch_list) if made else 0
    pairs = 0
    if made <= SCAN_UP_TO:  # a benchmark's register is scanned by `flask identity scan`
        pairs = duplicates.scan()[1]
    if made:
        run_in_transaction(lambda: refresh_statistics(db.session))
    took = time.perf_counter() - started
    click.echo(
        f"Created {made} demo households, {referred} referrals, {pairs} possible "
        f"duplicates and {alerts} screening alerts in {took:.1f} s."
    )
    _print_logins()
