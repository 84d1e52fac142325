"""The server side of the load test (bench/load.py): the people it logs in, and gunicorn.

People are caseworkers made through the app's own account service (`load.01`, `load.02`, ...,
two in team A for one in team B, as the demo's caseworkers are); each gets its share of the
households its team may edit, read through the access policy's own scope. Gunicorn serves the
app on a free loopback port, in the production profile, until `stop()`.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
TEAMS = ("Jeddah-1 Team A", "Jeddah-1 Team A", "Jeddah-1 Team B")
AGENCIES = {"Jeddah-1 Team A": "MOMD", "Jeddah-1 Team B": "NAKHLA"}
SHARE = 400  # households each person opens and edits, drawn from its share of its team's


@dataclass
class Account:
    username: str
    households: list[int]


def prepare_people(app, count: int, seed: int = 7) -> list[Account]:
    """`count` caseworkers (made if missing, committed) and the households each may edit."""
    from app.access import Action
    from app.access.policy import household_scope
    from app.auth.services import UserInput, create_user, find_user
    from app.demo.reference import DEMO_PASSWORD
    from app.extensions import db
    from app.registry.models import Household

    rng = random.Random(seed)
    accounts = []
    with app.app_context():
        users = []
        for number in range(1, count + 1):
            name, team = f"load.{number:02d}", TEAMS[(number - 1) % len(TEAMS)]
            user = find_user(name) or create_user(
                UserInput(name, f"Load Test {number}", "caseworker", AGENCIES[team], team),
                DEMO_PASSWORD,
            )
            users.append(user)
        db.session.commit()
        by_team: dict[int, list] = {}
        for user in users:
            by_team.setdefault(user.team_id, []).append(user)
        for team_users in by_team.values():
            scope = household_scope(team_users[0], Action.HOUSEHOLD_EDIT)
            editable = sa.select(Household.id).where(scope, Household.id.not_in(_born_later()))
            ids = list(db.session.scalars(editable.order_by(Household.id)))
            for index, user in enumerate(team_users):
                share = ids[index :: len(team_users)]
                accounts.append(Account(user.username, rng.sample(share, min(SHARE, len(share)))))
        db.session.remove()
        db.engine.dispose()
    return sorted(accounts, key=lambda a: a.username)


def _born_later() -> sa.Select:
    """Households with a member born after today, which their form refuses to save as it is:
    demo-data made some (babies of the year born in a month still to come) before it was
    fixed, and a person would have to correct the date first. Left out of the edits."""
    from app.core.dates import local_today
    from app.registry.models import Member

    return sa.select(Member.household_id).where(Member.birth_date > local_today())


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def worker_cpu_seconds(self) -> float:
        """User and system CPU seconds of the gunicorn workers so far (Linux /proc)."""
        return cpu_seconds(children(self.process.pid))

    def workers(self) -> list[int]:
        """The worker processes' ids (gunicorn's children)."""
        return children(self.process.pid)

    def stop(self) -> None:
        """SIGTERM to gunicorn (it ends its workers); SIGKILL to its group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_gunicorn(url: str, workers: int, log: Path) -> Server:
    """Gunicorn (sync workers) on 127.0.0.1 at a free port, answering /healthz, or SystemExit."""
    port = _free_port()
    env = {
        **os.environ,
        "AWDA_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback, no proxy in front
        "DATABASE_URL": url,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    log.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no bench/results yet
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log}")
        if _answers(port) and len(server.workers()) == workers:
            return server
        time.sleep(0.5)
    server.stop()
    raise SystemExit(f"gunicorn did not answer within 90 s: see {log}")


def children(pid: int) -> list[int]:
    """The ids of a process's children (Linux /proc)."""
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds these processes have used so far (those gone count 0)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def database_server(url: str) -> int | None:
    """The process id of the PostgreSQL server behind `url` if it runs on this machine and
    says where its data is (a superuser asks); None for SQLite, which runs in the workers."""
    if not url.startswith("postgresql"):
        return None
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            data = connection.scalar(sa.text("SHOW data_directory"))
        return int(Path(data, "postmaster.pid").read_text().split()[0])
    except (sa.exc.DBAPIError, OSError, ValueError):
        return None
    finally:
        engine.dispose()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
