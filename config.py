"""Configuration read from the environment when the app is created.

`AWDA_ENV` picks the profile: ``development``, ``testing`` or ``production`` (the default, so a
server started without thinking about it gets the strict profile).

| variable | meaning | default |
| --- | --- | --- |
| AWDA_ENV | profile | production |
| SECRET_KEY | signs sessions and CSRF tokens; required in production | none |
| DATABASE_URL | SQLAlchemy URL | SQLite file instance/awda.sqlite3 |
| AWDA_DB_POOLER | `transaction`: DATABASE_URL is PgBouncer in transaction mode | none |
| AWDA_DB_POOL_SIZE, AWDA_DB_MAX_OVERFLOW | connections a process keeps, and may add | 5, 10 |
| AWDA_REPLICA_URL | a streaming replica the figures and the case export read from | none |
| AWDA_PROXIES | reverse proxies in front that set X-Forwarded-For and -Proto | 0 |
| TEST_DATABASE_URL | database for the test profile | in-memory SQLite |
| SESSION_COOKIE_SECURE | send the session cookie over HTTPS only | true (false in development) |
| AWDA_PAGE_SIZE | rows per page in lists | 25 |
| AWDA_MIN_CELL | published counts below this are shown as "<k" (small-cell suppression) | 5 |
| AWDA_STUCK_DAYS | a household this long in one stage shows as stuck on the dashboard | 30 |
| AWDA_CASE_PREFIX | prefix of case numbers | AWD |
| AWDA_MAX_REQUEST_KB | largest request body accepted, in KiB (larger: 413, not read) | 1024 |
| AWDA_IMPORT_MAX_MB | largest transfer list accepted for upload, in MB | 20 |
| AWDA_IMPORT_KEEP_DAYS | an uploaded list's file is deleted this many days after upload | 30 |
| AWDA_ATTACHMENT_MAX_MB | largest document or photo accepted, in MB | 10 |
| AWDA_ATTACHMENT_MAX_MEGAPIXELS | largest photo accepted, in megapixels | 40 |
| AWDA_ATTACHMENTS_DIR | where attachments are stored (one for all servers) | instance/attachments |
| MAIL_SERVER | SMTP server for e-mail notifications; none: no e-mail is sent | none |
| MAIL_PORT, MAIL_USE_TLS, MAIL_USE_SSL | how to reach it | 25, false, false |
| MAIL_USERNAME, MAIL_PASSWORD | its login, if it wants one | none |
| MAIL_DEFAULT_SENDER | the From address of Awda's e-mail | awda@localhost |
| AWDA_BASE_URL | the address people open Awda at, for links in e-mail | http://127.0.0.1:5000 |
| AWDA_API_RATE_PER_TOKEN | API calls one token may make | 600 per minute |
| AWDA_API_RATE_PER_ADDRESS | API calls one address may make | 1200 per minute |
| RATELIMIT_STORAGE_URI | where rate counts are kept: memory://, or redis://… | memory:// |
| AWDA_JOBS | background jobs: procrastinate, thread, inline | procrastinate (PG), thread (SQLite) |
| BABEL_DEFAULT_LOCALE | language before a user chooses | en |
| BABEL_DEFAULT_TIMEZONE | time zone dates and times are shown in | Asia/Baghdad |
| LOG_LEVEL | logging level | INFO |
| TWO_FACTOR_ROLES | roles that must use TOTP | admin,supervisor,screener,auditor,records_officer |
| SESSION_IDLE_MINUTES | a session ends after this long without a request | 30 |
| SESSION_MAX_HOURS | and this long after login, whatever happens | 12 |
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'awda.sqlite3'}"
REPLICA_BIND = "replica"  # Flask-SQLAlchemy's name of the replica's engine (app.core.replica)


class ConfigError(RuntimeError):
    """Raised when the environment does not allow the app to start safely."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = _env(name)
    return default if value is None else int(value)


def engine_options(url: str | None) -> dict[str, Any]:
    """SQLAlchemy's engine options for the database at `url`.

    PostgreSQL: AWDA_DB_POOL_SIZE and AWDA_DB_MAX_OVERFLOW size each process's pool (a server
    with 4 gunicorn workers holds up to 4 x (size + overflow) connections). With
    AWDA_DB_POOLER=transaction (PgBouncer in transaction mode, whose server connections change
    between transactions) psycopg never prepares statements: a statement prepared on one server
    connection would be missing on the next ("prepared statement does not exist").
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    if not (url or "").startswith("postgresql"):
        return options
    options["pool_size"] = _int("AWDA_DB_POOL_SIZE", 5)
    options["max_overflow"] = _int("AWDA_DB_MAX_OVERFLOW", 10)
    pooler = (_env("AWDA_DB_POOLER") or "").lower()
    if pooler not in ("", "session", "transaction"):
        raise ConfigError(f"AWDA_DB_POOLER={pooler!r}: use transaction, session or nothing.")
    if pooler == "transaction":
        options["connect_args"] = {"prepare_threshold": None}
    return options


def replica_binds(database_url: str | None, replica_url: str | None) -> dict[str, dict]:
    """Flask-SQLAlchemy's SQLALCHEMY_BINDS: {"replica": the engine options of `replica_url`},
    or {} when no replica is named.

    The replica's engine gets the options the primary's would (pool sizes, and no prepared
    statements behind PgBouncer). Raises ConfigError when it is another kind of database than
    the primary: the statements read from it are compiled for the primary's."""
    if replica_url is None:
        return {}
    if _backend(replica_url) != _backend(database_url or DEFAULT_DATABASE_URL):
        raise ConfigError(
            "AWDA_REPLICA_URL names another kind of database than DATABASE_URL: "
            "it must be a replica of that database."
        )
    return {REPLICA_BIND: {"url": replica_url, **engine_options(replica_url)}}


def _backend(url: str) -> str:
    """ "postgresql" of "postgresql+psycopg://…"."""
    return url.split(":", 1)[0].split("+", 1)[0]


class Config:
    """Production profile: every value from the environment, nothing insecure by default."""

    ENV_NAME = "production"
    TESTING = False

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", DEFAULT_DATABASE_URL)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        # Figures and the case export read from a streaming replica when one is named; every
        # write and every other page stay on DATABASE_URL (app.core.replica).
        self.SQLALCHEMY_BINDS = replica_binds(
            self.SQLALCHEMY_DATABASE_URI, _env("AWDA_REPLICA_URL")
        )
        # Behind a reverse proxy the client's address (login throttling, rate limits, the audit
        # trail) and the scheme come from its headers, trusted from this many proxies only.
        self.PROXIES = max(0, _int("AWDA_PROXIES", 0))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.WTF_CSRF_TIME_LIMIT = _int("WTF_CSRF_TIME_LIMIT", 8 * 3600)
        self.BABEL_DEFAULT_LOCALE = _env("BABEL_DEFAULT_LOCALE", "en")
        # Times are stored in UTC and shown in the time of the people using the system.
        self.BABEL_DEFAULT_TIMEZONE = _env("BABEL_DEFAULT_TIMEZONE", "Asia/Baghdad")
        # Where the catalogs are, relative to app/; the languages are read from what is there.
        self.BABEL_TRANSLATION_DIRECTORIES = "translations"
        self.PAGE_SIZE = _int("AWDA_PAGE_SIZE", 25)
        # Pages and their assets travel compressed over weak links. Pages carry a CSRF token, the
        # secret a BREACH attack would guess from the sizes of thousands of responses; the session
        # cookie is SameSite=Lax, so another site's hidden requests arrive without it.
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        self.COMPRESS_MIMETYPES = [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ]
        self.COMPRESS_STREAMS = False  # exports are streamed as they are read, never buffered
        self.MIN_CELL = max(2, _int("AWDA_MIN_CELL", 5))
        self.STUCK_DAYS = max(1, _int("AWDA_STUCK_DAYS", 30))
        self.CASE_NUMBER_PREFIX = _env("AWDA_CASE_PREFIX", "AWD")
        # A household form with 40 members is about 40 KiB; a body far beyond any form is
        # refused before it is read (Werkzeug answers 413 from the Content-Length).
        self.MAX_CONTENT_LENGTH = _int("AWDA_MAX_REQUEST_KB", 1024) * 1024
        # Transfer lists are larger than forms: their upload page alone accepts this much.
        self.IMPORT_MAX_MB = _int("AWDA_IMPORT_MAX_MB", 20)
        self.IMPORT_KEEP_DAYS = max(0, _int("AWDA_IMPORT_KEEP_DAYS", 30))
        self.AWDA_JOBS = _env("AWDA_JOBS")
        # The JSON API's rate limits (Flask-Limiter), shared through Redis in production.
        self.API_RATE_PER_TOKEN = _env("AWDA_API_RATE_PER_TOKEN", "600 per minute")
        self.API_RATE_PER_ADDRESS = _env("AWDA_API_RATE_PER_ADDRESS", "1200 per minute")
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
        # E-mail notifications (Flask-Mail reads these names): off unless a server is named.
        self.MAIL_SERVER = _env("MAIL_SERVER", "")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "awda@localhost")
        self.BASE_URL = (_env("AWDA_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/")
        # Documents and photos attached to a file (app.attachments): a phone's photo is 2-8 MB.
        self.ATTACHMENT_MAX_MB = _int("AWDA_ATTACHMENT_MAX_MB", 10)
        self.ATTACHMENT_MAX_MEGAPIXELS = _int("AWDA_ATTACHMENT_MAX_MEGAPIXELS", 40)
        self.ATTACHMENTS_DIR = _env("AWDA_ATTACHMENTS_DIR", str(INSTANCE_DIR / "attachments"))
        # argon2id cost; only the testing profile lowers it, so the suite stays fast.
        self.ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 64 * 1024)
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        # Roles that must log in with a second factor (TOTP).
        # Set but empty (TWO_FACTOR_ROLES=) means no role: for a quick local trial only.
        roles = os.environ.get(
            "TWO_FACTOR_ROLES", "admin,supervisor,screener,auditor,records_officer"
        )
        self.TWO_FACTOR_ROLES = tuple(r.strip() for r in roles.split(",") if r.strip())
        self.SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
        self.SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", 12)

    def validate(self) -> None:
        if not self.SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. Set it in the environment, for example "
                "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or use AWDA_ENV=development for a local trial."
            )


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or "development-only-not-secret"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-only-not-secret"  # noqa: S105
        self.SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.SQLALCHEMY_BINDS = {}  # never a replica named for another database; tests set one
        self.SESSION_COOKIE_SECURE = False
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 1024
        # Tests log in many times a minute; the two-factor tests turn it on for themselves.
        self.TWO_FACTOR_ROLES = ()
        # A list's commit runs within the request that asks for it; the job tests choose.
        self.AWDA_JOBS = _env("AWDA_JOBS", "inline")
        # Attachments a test stores go to a directory of its own, never the instance folder.
        self.ATTACHMENTS_DIR = _env("AWDA_ATTACHMENTS_DIR") or tempfile.mkdtemp(prefix="awda-")


PROFILES: dict[str, type[Config]] = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def load(name: str | None = None) -> Config:
    """Build the profile named (or named by AWDA_ENV) and refuse an unsafe one."""
    name = (name or _env("AWDA_ENV") or "production").lower()
    if name not in PROFILES:
        raise ConfigError(f"AWDA_ENV={name!r} is not a profile; use one of {', '.join(PROFILES)}.")
    config = PROFILES[name]()
    config.validate()
    return config
