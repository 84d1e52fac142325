"""`flask workflow show`: the stages and transitions, as the code enforces them."""

import click
from flask.cli import AppGroup

from app.workflow.describe import as_text

workflow_cli = AppGroup("workflow", help="The case workflow.")


@workflow_cli.command("show")
def show_command() -> None:
    """Print the stages and every transition: who may make it, approvals, preconditions."""
    click.echo(as_text())
