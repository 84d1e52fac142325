"""`flask registry ...`: the operator's tools for the registry."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.registry.queries import camp_id_collisions

registry_cli = AppGroup("registry", help="Households and their identifiers.")


@registry_cli.command("camp-id-collisions")
def camp_id_collisions_command() -> None:
    """List households whose camp IDs are one ID written differently, within one camp.

    Keys were first computed by a migration; where two stored IDs had the same key, the oldest
    household kept it and the others were left without one. Correct the camp ID of each listed
    household (or ask its team to) on its form; nothing is merged or dropped automatically.
    Exits with status 1 while any remain, so a script can check.
    """
    groups = camp_id_collisions()
    if not groups:
        click.echo("No camp IDs collide.")
        return
    for group in groups:
        click.echo(f"{group.camp_code} {group.key}:")
        for row in group.households:
            marker = "  (keeps the ID)" if row.keeps_key else "  (to correct)"
            click.echo(f"  {row.case_number}  {row.camp_ref!r}  team {row.team}{marker}")
    raise click.exceptions.Exit(1)
