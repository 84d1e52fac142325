"""procrastinate on PostgreSQL: one procrastinate app per Flask app, its tasks wrapped to run
in a Flask app context, jobs deferred on the request's own connection (so that a job exists
exactly when the request that asked for it committed) and the worker behind `flask jobs
worker`."""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
from flask import Flask

from app import jobs

log = logging.getLogger(__name__)

# A worker that has sent no heartbeat for this long is taken for dead; its jobs are retried.
STALLED_AFTER_SECONDS = 60
_KEY = "procrastinate"


def procrastinate_app(app: Flask) -> procrastinate.App:
    """The procrastinate app of Flask `app`, with every registered job as a task."""
    found = app.extensions.get(_KEY)
    if found is None:
        # The app's own connection settings (no prepared statements behind a pooler).
        connect_args = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})
        connector = procrastinate.PsycopgConnector(
            conninfo=jobs.libpq_url(app.config["SQLALCHEMY_DATABASE_URI"]),
            kwargs=dict(connect_args),
        )
        found = procrastinate.App(connector=connector)
        for name in jobs.TASKS:
            _add_task(found, app, name)
        for name, (cron, _function) in jobs.PERIODIC.items():
            _add_periodic(found, app, name, cron)
        _add_stalled_job_retry(found)
        app.extensions[_KEY] = found
    return found


def _add_task(queue: procrastinate.App, app: Flask, name: str) -> None:
    def run_in_app(**arguments: Any) -> None:
        jobs.run(app, name, arguments)

    # One job per import (lock) and at most one waiting (queueing lock) are set per defer.
    queue.task(name=name, queue=jobs.QUEUE)(run_in_app)


def _add_periodic(queue: procrastinate.App, app: Flask, name: str, cron: str) -> None:
    def run_in_app(timestamp: int) -> None:
        jobs.run(app, name, {})

    queue.periodic(cron=cron)(queue.task(name=name, queue=jobs.QUEUE)(run_in_app))


def _add_stalled_job_retry(queue: procrastinate.App) -> None:
    """Every minute, jobs whose worker stopped sending heartbeats (killed, machine lost) are
    put back in the queue; the jobs themselves resume where their last chunk ended."""

    @queue.periodic(cron="* * * * *")
    @queue.task(name="jobs.retry_stalled", queue=jobs.QUEUE)
    async def retry_stalled(timestamp: int) -> None:
        stalled = await queue.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=STALLED_AFTER_SECONDS
        )
        for job in stalled:
            log.warning("retrying job %s, whose worker stopped", job.id)
            try:
                await queue.job_manager.retry_job(job)
            except procrastinate.exceptions.UniqueViolation:
                # A job for the same work already waits (a person pressed Resume meanwhile);
                # it goes on from the last chunk. This one is closed: left running, its lock
                # would hold the waiting one back for ever.
                log.warning("job %s is replaced by the one waiting with its lock", job.id)
                await queue.job_manager.finish_job(
                    job, status=procrastinate.jobs.Status.FAILED, delete_job=False
                )


def defer(app: Flask, name: str, arguments: dict[str, Any], lock: str | None = None) -> None:
    """Put job `name` in the queue on the current transaction's connection: it is seen by
    workers when, and only if, the transaction commits. `lock`: no two jobs with it run at
    once, and no second one waits while one does."""
    from app.extensions import db

    task = procrastinate_app(app).tasks[name]
    options: dict[str, Any] = {}
    if lock:
        options.update(lock=lock, queueing_lock=lock)
    try:
        # In a savepoint: a refused INSERT (the same job already waiting) would otherwise
        # abort the whole transaction, and with it the request that asked.
        with db.session.begin_nested():
            options["connection"] = db.session.connection().connection.driver_connection
            task.configure(**options).defer(**arguments)
    except procrastinate.exceptions.AlreadyEnqueued:
        log.info("job %s %s is already waiting", name, arguments)


def run_worker(app: Flask, wait: bool = True, concurrency: int = 1) -> None:
    """Process the queue until stopped (SIGINT, SIGTERM), or, with `wait=False`, until it is
    empty. Each job runs in a thread with an app context of its own."""
    procrastinate_app(app).run_worker(
        queues=[jobs.QUEUE],
        wait=wait,
        concurrency=concurrency,
        stalled_worker_timeout=STALLED_AFTER_SECONDS,
        install_signal_handlers=wait,
    )
