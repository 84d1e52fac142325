"""Awda: case management for households returning from camps in Syria."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

import config as config_module
from app.core.db import RowId
from app.extensions import babel, compress, csrf, db, login_manager, mail, migrate


def create_app(profile: str | config_module.Config | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    settings = profile if isinstance(profile, config_module.Config) else config_module.load(profile)
    app.config.from_object(settings)
    app.url_map.converters["int"] = RowId  # before any rule: ids beyond the database's are 404
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # home of the SQLite file
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    from app.core.i18n import catalog_languages

    app.config.setdefault("LANGUAGES", catalog_languages(app))
    _register_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    _register_jobs()
    from app.auth import sessions
    from app.core import assets, errors, request_cycle

    assets.register(app)
    errors.register(app)
    request_cycle.register(app)
    sessions.register(app)
    _trust_proxies(app)
    _check_database(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind AWDA_PROXIES reverse proxies, the client's address and scheme are read from
    X-Forwarded-For and X-Forwarded-Proto as those proxies set them, and from no one else."""
    count = app.config.get("PROXIES", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def _check_database(app: Flask) -> None:
    """Refuse to start on a database record linkage cannot work on (app.identity.database)."""
    from app.identity.database import check_database

    with app.app_context():
        check_database(db.engine)


def _register_extensions(app: Flask) -> None:
    from app.core import formatting
    from app.core.i18n import install_template_gettext, select_locale
    from app.core.locks import wait_when_busy

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            wait_when_busy(engine)  # a SQLite writer waits for the lock instead of failing
    migrate.init_app(
        app,
        db,
        directory=str(config_module.BASE_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    compress.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    formatting.register(app)  # dates, numbers and lists in the reader's language
    login_manager.init_app(app)
    import_models()


def import_models() -> None:
    """Every model module, so that metadata and migrations see all tables."""
    import app.access.models
    import app.api.models
    import app.attachments.models
    import app.audit.models
    import app.auth.models
    import app.core.cache
    import app.history.models
    import app.identity.models
    import app.imports.models
    import app.notifications.models
    import app.reference.lists  # keeps the reference lists' shared cache in step with changes
    import app.reference.models
    import app.referrals.models
    import app.registry.models
    import app.screening.models
    import app.tasks.models
    import app.transfers.models
    import app.watchlist.models
    import app.workflow.models  # noqa: F401


def _register_jobs() -> None:
    """Every module that defines background jobs (app.jobs), so that workers know them."""
    import app.attachments.services
    import app.auth.sessions
    import app.imports.commit
    import app.notifications.services
    import app.watchlist.screening  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.access.routes import bp as access_bp
    from app.admin.routes import bp as admin_bp
    from app.attachments.routes import bp as attachments_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.caseload.routes import bp as caseload_bp
    from app.core.routes import bp as core_bp
    from app.identity.routes import bp as identity_bp
    from app.imports.routes import bp as imports_bp
    from app.notifications.routes import bp as notifications_bp
    from app.referrals.routes import bp as referrals_bp
    from app.registry.routes import bp as registry_bp
    from app.reports.routes import bp as reports_bp
    from app.reports.routes import dashboard_bp
    from app.screening.routes import bp as screening_bp
    from app.tasks.routes import bp as tasks_bp
    from app.transfers.disclosure_routes import bp as disclosures_bp
    from app.transfers.routes import bp as transfers_bp
    from app.watchlist.routes import bp as watchlist_bp
    from app.workflow.routes import bp as workflow_bp

    blueprints = (
        core_bp,
        auth_bp,
        registry_bp,
        workflow_bp,
        screening_bp,
        tasks_bp,
        caseload_bp,
        admin_bp,
        audit_bp,
        access_bp,
        transfers_bp,
        disclosures_bp,
        reports_bp,
        referrals_bp,
        dashboard_bp,
        identity_bp,
        imports_bp,
        watchlist_bp,
        attachments_bp,
        notifications_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    from app.api.core import init_api
    from app.api.pages import pages as api_token_pages

    app.register_blueprint(api_token_pages)
    init_api(app)


def _register_commands(app: Flask) -> None:
    from app.api.cli import api_cli, api_client_cli, api_token_command
    from app.audit.cli import audit_cli
    from app.auth.cli import create_user_command
    from app.demo.cli import demo_data_command
    from app.identity.cli import identity_cli
    from app.imports.cli import import_command
    from app.jobs.cli import jobs_cli
    from app.registry.cli import registry_cli
    from app.watchlist.cli import watchlist_cli
    from app.workflow.cli import workflow_cli

    commands = (
        create_user_command,
        demo_data_command,
        workflow_cli,
        audit_cli,
        registry_cli,
        identity_cli,
        import_command,
        jobs_cli,
        watchlist_cli,
        api_cli,
        api_token_command,
        api_client_cli,
    )
    for command in commands:
        app.cli.add_command(command)
