"""Alembic environment: runs migrations against the app's database (see README, Migrations)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.jobs import schema as job_schema
from app.registry import search_index

config = context.config
if config.config_file_name:
    # Keep the app's own loggers working when migrations run inside the app (tests, CLI).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = migrate_ext.db.metadata


def _for_this_database(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out what the models create on another database only (ddl_if), such as the
    PostgreSQL trigram index, so autogenerate does not offer to add it everywhere."""
    if job_schema.owned_by_queue(obj, name, type_):
        return False  # procrastinate's queue (app.jobs.schema)
    if type_ == "table" and search_index.is_search_index(name):
        return False  # SQLite's FTS5 case-search index is made by hand (app.registry.search_index)
    ddl_if = getattr(obj, "_ddl_if", None)
    return ddl_if is None or ddl_if.dialect in (None, engine.dialect.name)


def _skip_empty_autogenerate(context_, revision, directives) -> None:
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    options.setdefault("include_object", _for_this_database)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
