"""Load test: logged-in caseworkers drive gunicorn (2 sync workers) on a big database, through
the case list, a search, a household page, an edit saved with its version and an export, beside
the same app's do-nothing route (/healthz: one SELECT 1) under the same load as the floor.

    python bench/load.py [--users 50] [--seconds 30] [--think 1] [--database URL]

Without --database it uses bench/results/bench-<households>.sqlite3, a database that
`python bench/registry.py --households N` filled through `flask demo-data` (copy it, the run
writes to it); under scripts/with-postgres, name a database on that server. Everything stays on
127.0.0.1; each phase starts no request after --seconds, and one unanswered 60 s later counts as
an error, so a run ends within a few minutes whatever the server does.

It prints, on the same run:
- saturation, no think time: household pages per second beside /healthz per second, their
  ratio (goal of issue 19: >= 0.3x), and the CPU per request of the gunicorn workers and of
  this load generator, which share the cores (the workers' CPU ratio is what a server with
  cores to itself would reach);
- the journey, each person waiting --think seconds (0.5-1.5x, at random) between requests:
  requests per second and p50/p95/p99 per step, errors (goal: 50 users, p95 < 300 ms, none).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_client import Browser, log_in
from load_report import print_journey, print_saturation, print_start
from load_server import children, cpu_seconds, database_server, prepare_people, start_gunicorn
from load_steps import Person, do_nothing, household_page, journey, run_phase
from registry import RESULTS, build_app

from app.demo.reference import DEMO_PASSWORD


def main() -> None:
    args = _arguments()
    url = args.database or f"sqlite:///{RESULTS / f'bench-{args.households}.sqlite3'}"
    if url.startswith("sqlite") and not Path(sa.make_url(url).database or "").exists():
        raise SystemExit(f"{url} does not exist: fill it with bench/registry.py first")
    app = build_app(url)
    households = _count_households(app)
    accounts = prepare_people(app, args.users)
    server = start_gunicorn(url, args.workers, RESULTS / "load-gunicorn.log")
    meter = _Meter(server, database_server(url))
    try:
        people, login_ms = _log_in(server.port, accounts)
        print_start(url, households, args, server, login_ms)
        run_phase(people, journey, args.warmup)  # warm the caches, as a server up for a while
        rounds = []
        for _ in range(args.rounds):
            floor = meter.measure(_strangers(people), do_nothing, args.seconds)
            pages = meter.measure(people, household_page, args.seconds)
            rounds.append(print_saturation(floor, pages, len(people)))
        phase = meter.measure(people, journey, args.seconds, args.think)
        steps = print_journey(phase, len(people), args.think)
    finally:
        server.stop()
    if args.json:
        figures = {"database": sa.make_url(url).get_backend_name(), "households": households}
        figures |= {"users": args.users, "saturation": rounds, "journey": steps}
        Path(args.json).write_text(json.dumps(figures, indent=2))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simultaneous people")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between requests")
    parser.add_argument("--database", help="SQLAlchemy URL (default: the SQLite file below)")
    parser.add_argument("--households", type=int, default=250_000, help="picks the SQLite file")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=1, help="saturation measures, in turn")
    parser.add_argument("--warmup", type=float, default=10, help="untimed journey first")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def _count_households(app) -> int:
    from app.extensions import db

    with app.app_context():
        count = db.session.scalar(sa.text("SELECT count(*) FROM households"))
        db.session.remove()
    return count


def _log_in(port: int, accounts) -> tuple[list[Person], list[float]]:
    """Everyone logs in (ten at a time: argon2 is made to be slow); the people and the
    milliseconds each login took."""

    def one(account) -> tuple[Person, float]:
        browser = Browser("127.0.0.1", port)
        started = time.perf_counter()
        log_in(browser, account.username, DEMO_PASSWORD)
        ms = (time.perf_counter() - started) * 1000
        rng = random.Random(account.username)
        return Person(account.username, browser, account.households, rng), ms

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        done = list(pool.map(one, accounts))
    for index, (person, _) in enumerate(done):
        person.part = index  # each starts the journey at another part of it
    return [p for p, _ in done], [ms for _, ms in done]


def _strangers(people: list[Person]) -> list[Person]:
    """As many anonymous visitors (the health check needs no login)."""
    return [
        Person(p.username, Browser("127.0.0.1", p.browser.port), p.households, p.rng)
        for p in people
    ]


class _Meter:
    """CPU seconds used during a phase by the gunicorn workers, the database server (when it
    is a PostgreSQL of this machine: its backends) and this load generator."""

    def __init__(self, server, database_pid: int | None) -> None:
        self.server, self.database_pid = server, database_pid

    def measure(self, people, action, seconds: float, think: float = 0.0) -> dict:
        """Run a phase: its tally, length and CPU seconds (app, database, client)."""
        before = self._used()
        tally, elapsed = run_phase(people, action, seconds, think)
        cpu = {k: v - before[k] for k, v in self._used().items()}
        return {"tally": tally, "seconds": elapsed, "cpu": cpu}

    def _used(self) -> dict[str, float]:
        times = os.times()
        database = cpu_seconds(children(self.database_pid)) if self.database_pid else 0.0
        return {
            "app": self.server.worker_cpu_seconds(),
            "database": database,
            "client": times.user + times.system,
        }


if __name__ == "__main__":
    main()
