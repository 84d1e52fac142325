"""`flask jobs worker`: the process that runs background jobs beside gunicorn, on as many
machines as share the PostgreSQL database; `flask jobs run-periodic NAME`: a periodic job by
hand (on SQLite, from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app import jobs

jobs_cli = AppGroup("jobs", help="Background jobs (app.jobs).")


@jobs_cli.command("worker")
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at once.")
@click.option("--once", is_flag=True, help="Stop when the queue is empty (scripts, tests).")
def worker_command(concurrency: int, once: bool) -> None:
    """Run queued jobs until stopped (SIGTERM or Ctrl-C lets the running job finish its
    chunk). Needs PostgreSQL: on SQLite jobs run in the app's own process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise click.ClickException(
            "Workers need PostgreSQL. On SQLite, jobs run inside the app and need no worker."
        )
    if not jobs.queue_installed(app):
        raise click.ClickException("This database has no job queue yet: run flask db upgrade.")
    from app.jobs.queue import run_worker

    run_worker(app, wait=not once, concurrency=concurrency)


@jobs_cli.command("run-periodic")
@click.argument("name")
def run_periodic_command(name: str) -> None:
    """Run one periodic job now (workers run them on their schedule), such as
    imports.remove_old_files."""
    if name not in jobs.PERIODIC:
        raise click.ClickException(f"No periodic job {name!r}; there are {sorted(jobs.PERIODIC)}.")
    jobs.run(current_app._get_current_object(), name, {})  # type: ignore[attr-defined]
    click.echo(f"{name}: done")
