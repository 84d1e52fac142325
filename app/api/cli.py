"""`flask api-token create USERNAME --scope … [--expires DAYS] [--name …]` prints a new token
once, for an operator's scripts; `flask api-client create USERNAME --scope … --name …` prints a
machine client's id and secret once, and `flask api-client revoke CLIENT_ID` stops it and its
tokens; `flask api spec` writes the OpenAPI document the code describes (committed as
app/api/openapi.json; a test fails when they differ)."""

from __future__ import annotations

import json

import click
from flask import current_app

from app.auth.services import find_user
from app.core.cli_support import cleaned_arguments, run_in_transaction

from . import tokens
from .core import OPENAPI_FILE


@click.command("api-token")
@click.argument("action", type=click.Choice(["create"]))
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, required=True, help="e.g. households:read")
@click.option("--expires", "days", default=tokens.DEFAULT_DAYS, show_default=True, type=int)
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@cleaned_arguments
def api_token_command(action: str, username: str, scopes, days: int, name: str) -> None:
    """Make a personal access token for USERNAME and print it once: Awda keeps only its hash."""
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user {username}.")
    token, row = run_in_transaction(lambda: tokens.create_token(user, name, list(scopes), days))
    click.echo(token)
    click.echo(
        f"prefix {row.prefix}, scopes {row.scopes}, expires {row.expires_at:%Y-%m-%d}", err=True
    )


@click.group("api-client")
def api_client_cli() -> None:
    """Machine clients of the JSON API (OAuth2 client credentials)."""


@api_client_cli.command("create")
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, required=True, help="e.g. referrals:read")
@click.option("--name", required=True, help='Which system it is ("IOM referral sync").')
@cleaned_arguments
def api_client_create(username: str, scopes, name: str) -> None:
    """Make a machine client acting as USERNAME; print its client_id and secret once: Awda
    keeps only the secret's hash."""
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user {username}.")
    secret, row = run_in_transaction(lambda: tokens.create_client(user, name, list(scopes)))
    click.echo(f"client_id {row.client_id}")
    click.echo(f"client_secret {secret}")
    click.echo(f"acts as {username}, scopes {row.scopes}", err=True)


@api_client_cli.command("revoke")
@click.argument("client_id")
@cleaned_arguments
def api_client_revoke(client_id: str) -> None:
    """Revoke the client CLIENT_ID: its tokens stop working at once."""
    row = tokens.find_client(client_id)
    if row is None:
        raise click.ClickException(f"No API client {client_id}.")
    run_in_transaction(lambda: tokens.revoke_client(row, None))
    click.echo(f"revoked {row.client_id}")


@click.group("api")
def api_cli() -> None:
    """The JSON API."""


@api_cli.command("spec")
@click.option("--check", is_flag=True, help="Exit 1 if the committed document differs.")
def spec_command(check: bool) -> None:
    """Write (or check) app/api/openapi.json from the code."""
    written = document_text(current_app)
    if check:
        if OPENAPI_FILE.read_text(encoding="utf-8") != written:
            raise click.ClickException("app/api/openapi.json differs from the code: flask api spec")
        return
    OPENAPI_FILE.write_text(written, encoding="utf-8")
    click.echo(f"wrote {OPENAPI_FILE}")


def document_text(app) -> str:
    """The OpenAPI document of `app`, as the committed file holds it."""
    document = app.extensions["awda_api"].spec.to_dict()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
