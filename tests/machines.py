"""Real servers on loopback for the several-machines test (tests/test_machines.py): gunicorn
app servers, `flask jobs worker` processes, Redis, PgBouncer and a PostgreSQL streaming replica
(a hot standby), each started in a temporary
directory and stopped (SIGTERM, then SIGKILL) whatever the test's outcome; and a person's
browser as `requests` over HTTP."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

import config
from app.jobs import libpq_url
from tests.conftest import CSRF_FIELD
from tests.factories import PASSWORD


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Servers:
    """The processes started for one test module, stopped together."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.folders: list[Path] = []  # removed once the processes are stopped

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None):
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603  (programs of this machine, fixed arguments)
            command,
            cwd=config.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")[-4000:]

    def check_running(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise AssertionError(f"{name} stopped ({process.returncode}):\n{self.log(name)}")

    def stop(self) -> None:
        for _name, process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for _name, process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def started(directory: Path) -> Iterator[Servers]:
    servers = Servers(directory)
    try:
        yield servers
    finally:
        servers.stop()


def program(name: str) -> str:
    """The path of a Debian program (`make test` installs redis-server and pgbouncer)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise AssertionError(f"{name} is not installed: `make test` installs it (Debian package)")
    return found


def _as_postgres_user() -> list[str]:
    """PgBouncer refuses to run as root; as root it runs as PostgreSQL's own user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start_redis(servers: Servers) -> str:
    """A Redis server on a free port, keeping nothing on disk; returns its URL."""
    port = free_port()
    command = [program("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
    servers.start("redis", [*command, "--save", "", "--appendonly", "no"])
    wait_for_port(port, servers)
    return f"redis://127.0.0.1:{port}/0"


def start_pgbouncer(servers: Servers, database_url: str) -> str:
    """PgBouncer in transaction mode in front of the PostgreSQL server of `database_url` (a
    Unix socket, trust authentication); returns the URL of the same database through it."""
    url = make_url(database_url)
    port = free_port()
    # A folder of its own that PostgreSQL's user can read (pytest's is private to this user).
    folder = Path(tempfile.mkdtemp(prefix="awda-pgbouncer."))
    folder.chmod(0o755)
    servers.folders.append(folder)
    (folder / "users.txt").write_text(f'"{url.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={url.query['host']} port={url.query.get('port', 5432)}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 200\n"
    )
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for path in folder.iterdir():
            shutil.chown(path, "postgres")
    servers.start(
        "pgbouncer", [*_as_postgres_user(), program("pgbouncer"), str(folder / "pgbouncer.ini")]
    )
    wait_for_port(port, servers)
    through = url.set(host="127.0.0.1", port=port, query={})
    return through.render_as_string(hide_password=False)


def start_standby(servers: Servers, database_url: str) -> str:
    """A hot standby of the PostgreSQL server of `database_url` (a Unix socket, trust
    authentication, as scripts/with-postgres starts it): `pg_basebackup -R` of the whole server,
    started on a socket directory and port of its own and streaming the primary's WAL from then
    on. Returns the URL of the same database on the standby, once it accepts connections."""
    url = make_url(database_url)
    programs, needed = _primary(database_url)
    folder = Path(tempfile.mkdtemp(prefix="awda-standby."))
    folder.chmod(0o755)
    servers.folders.append(folder)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = str(folder / "data")
    primary = ["-h", url.query["host"], "-p", str(url.query.get("port", 5432)), "-U", url.username]
    backup = [str(programs / "pg_basebackup"), *primary, "-D", data, "-R", "--checkpoint=fast"]
    # This machine's pg_basebackup, fixed arguments; the copy need not survive a power cut.
    run = [*_as_postgres_user(), *backup, "--no-sync"]
    subprocess.run(run, check=True, capture_output=True, timeout=60)  # noqa: S603
    port = free_port()  # only a socket's name here: the standby listens on no TCP port
    settings = ["listen_addresses=", "fsync=off", "hot_standby=on", *needed]
    server = [str(programs / "postgres"), "-D", data, "-k", str(folder), "-p", str(port)]
    servers.start("standby", [*_as_postgres_user(), *server, *(f"-c{s}" for s in settings)])
    standby = url.set(query={"host": str(folder), "port": str(port)})
    _wait_for_connection(standby.render_as_string(hide_password=False), servers)
    return standby.render_as_string(hide_password=False)


# A standby must allow at least as much of these as its primary, or it refuses to recover.
AT_LEAST_THE_PRIMARYS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _primary(database_url: str) -> tuple[Path, list[str]]:
    """The folder of the server programs of the primary's major version (Debian's
    /usr/lib/postgresql/N/bin, as scripts/with-postgres finds them, or those on the PATH), and
    the settings a standby of it needs."""
    with psycopg.connect(libpq_url(database_url)) as connection:
        version, *values = (
            connection.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("server_version_num", *AT_LEAST_THE_PRIMARYS)
        )
    pairs = zip(AT_LEAST_THE_PRIMARYS, values, strict=True)
    settings = [f"{name}={value}" for name, value in pairs]
    debian = Path(f"/usr/lib/postgresql/{int(version) // 10000}/bin")
    if (debian / "pg_basebackup").exists():
        return debian, settings
    return Path(program("pg_basebackup")).parent, settings


def _wait_for_connection(database_url: str, servers: Servers, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        servers.check_running()
        with contextlib.suppress(psycopg.OperationalError):  # starting, or still recovering
            psycopg.connect(libpq_url(database_url), connect_timeout=2).close()
            return
        time.sleep(0.1)
    raise AssertionError(f"the standby took no connection after {timeout} s")


def wait_for_replay(primary_url: str, standby_url: str, timeout: float = 10) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    with psycopg.connect(libpq_url(primary_url), autocommit=True) as primary:
        written = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    replayed = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
    deadline = time.monotonic() + timeout
    with psycopg.connect(libpq_url(standby_url), autocommit=True) as standby:
        while not standby.execute(replayed, [written]).fetchone()[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"the standby had not replayed {written} after {timeout} s")
            time.sleep(0.02)


def app_environment(database_url: str, **settings: str) -> dict[str, str]:
    """What an operator gives every app server and worker: one database, one secret key."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWDA_", "FLASK_", "TEST_DATABASE", "RATELIMIT_", "SESSION_"))
    }
    environment.update(
        AWDA_ENV="production",
        SECRET_KEY="several-machines-test-not-secret",
        DATABASE_URL=database_url,
        SESSION_COOKIE_SECURE="false",
        TWO_FACTOR_ROLES="",
        ARGON2_TIME_COST="1",  # as the test's own accounts were hashed
        ARGON2_MEMORY_COST="1024",
        AWDA_JOBS="procrastinate",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    environment.update(settings)
    return environment


def start_app_server(servers: Servers, name: str, environment: dict[str, str]) -> str:
    """A gunicorn server of `wsgi:app` (two threads) on a free port; returns its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "2"]
    servers.start(name, [*command, "--bind", f"127.0.0.1:{port}", "wsgi:app"], environment)
    return f"http://127.0.0.1:{port}"


def start_worker(servers: Servers, name: str, environment: dict[str, str]) -> None:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"]
    servers.start(name, command, environment)


def wait_for_port(port: int, servers: Servers, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        servers.check_running()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def wait_for_health(base_url: str, servers: Servers, timeout: float = 60) -> None:
    """Until `GET /healthz` answers 200 (the app loaded and reached its database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        servers.check_running()
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):  # still loading
            if requests.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"{base_url} was not healthy after {timeout} s")


class Person:
    """Someone's browser: a cookie jar, and the CSRF token of the last page read. Which
    server a request goes to is chosen per request, as a load balancer would."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.token: str | None = None

    def get(self, server: str, path: str) -> requests.Response:
        response = self.http.get(server + path, allow_redirects=False, timeout=30)
        found = CSRF_FIELD.search(response.text)
        if found:
            self.token = next(group for group in found.groups() if group)
        return response

    def post(self, server: str, path: str, data: dict) -> requests.Response:
        data = {"csrf_token": self.token, **data}
        return self.http.post(server + path, data=data, allow_redirects=False, timeout=30)

    def login(self, server: str, username: str, password: str = PASSWORD) -> requests.Response:
        self.get(server, "/login")
        return self.post(server, "/login", {"username": username, "password": password})

    def copy(self) -> Person:
        """Another browser holding a copy of this one's cookies."""
        other = Person()
        other.http.cookies.update(self.http.cookies)
        return other


def hidden(page: str, name: str) -> str:
    """The value of a hidden field of a form."""
    found = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    found = found or re.search(
        rf'id="{re.escape(name)}" name="{name}" type="hidden" value="([^"]*)"', page
    )
    assert found, f"no hidden field {name}"
    return found.group(1)
