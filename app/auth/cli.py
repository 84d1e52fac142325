"""`flask create-user`: provision an account from a script."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from app.access.roles import Role
from app.auth import services, two_factor
from app.core.cli_support import cleaned_arguments, run_in_transaction


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", required=True, help="Agency code, such as MOMD.")
@click.option("--team", "team_name", help="Team name.")
@click.option("--full-name", default="", help="Full name (defaults to the username).")
@click.option("--email", default=None)
@click.option("--locale", default="en", type=click.Choice(["en", "ar"]))
@click.option(
    "--totp-secret", default=None, help="Base32 TOTP secret, to provision two-step login."
)
@with_appcontext
@cleaned_arguments
def create_user_command(**options: str) -> None:
    """Create a user; the password is read from standard input."""
    password = _read_password()
    data = services.UserInput(
        username=options["username"],
        full_name=options["full_name"] or options["username"],
        role=options["role"],
        agency_code=options["agency_code"],
        team_name=options["team_name"],
        email=options["email"],
        locale=options["locale"],
    )
    secret = (options["totp_secret"] or "").strip().upper() or None
    if secret is not None and not two_factor.valid_secret(secret):
        raise click.ClickException("--totp-secret is not a valid base32 secret (16+ characters).")

    def create():
        user = services.create_user(data, password)
        if secret is not None:
            two_factor.provision(user, secret)
        return user

    user = run_in_transaction(create)
    click.echo(f"Created user {user.username} ({user.role}).")
