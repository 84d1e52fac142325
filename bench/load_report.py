"""What the load test (bench/load.py) prints: its set-up, then each measure beside its floor
and its goal. Times are milliseconds; percentiles are nearest-rank over every request."""

from __future__ import annotations

import math
import os
from collections import Counter

import sqlalchemy as sa
from load_steps import STEPS, Tally

GOAL_P95_MS = 300
GOAL_RATIO = 0.3


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` from 0 to 1) of the samples; NaN if none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def print_start(url: str, households: int, args, server, login_ms: list[float]) -> None:
    backend = sa.make_url(url).get_backend_name()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"{backend}: {households:,} households; gunicorn {args.workers} sync workers on "
        f"127.0.0.1:{server.port}; {args.users} people (load.01...; teams A and B)"
    )
    print(f"machine: {os.cpu_count()} cores, load average {load} at the start")
    print(
        f"logins: {len(login_ms)}, median {percentile(login_ms, 0.5):.0f} ms, "
        f"slowest {max(login_ms):.0f} ms (argon2id, ten at a time)"
    )


def print_saturation(floor: dict, pages: dict, users: int) -> dict:
    """Household pages per second beside the do-nothing route's, no think time; the figures
    (requests per second, milliseconds, CPU milliseconds per request) as a dict."""
    print(f"\nsaturation: {users} people, no think time")
    print(
        f"{'route':<18}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
        f"{'CPU/req: app':>14}{'database':>10}{'client':>8}"
    )
    figures = {}
    for name, phase in (("do-nothing route", floor), ("household page", pages)):
        times = [t for step in phase["tally"].times.values() for t in step]
        errors = sum(len(e) for e in phase["tally"].errors.values())
        figures[name] = _figures(times, phase["seconds"], errors) | _cpu(phase, len(times))
        row = figures[name]
        print(
            f"{name:<18}{row['per_second']:>8.1f}{row['p50']:>8.0f}{row['p95']:>8.0f}"
            f"{row['p99']:>8.0f}{errors:>7}{row['app_cpu_ms']:>12.1f}ms"
            f"{row['database_cpu_ms']:>8.1f}ms{row['client_cpu_ms']:>6.1f}ms"
        )
        _print_errors(phase["tally"])
    rates = [figures[n]["per_second"] for n in ("do-nothing route", "household page")]
    ratio = rates[1] / rates[0] if rates[0] else math.nan
    verdict = "met" if ratio >= GOAL_RATIO else "missed"
    print(f"household pages / do-nothing route: {ratio:.3f}x (goal >= {GOAL_RATIO}x: {verdict})")
    served = [figures[n]["served_cpu_ms"] for n in ("do-nothing route", "household page")]
    cpu_ratio = served[0] / served[1] if served[1] else math.nan
    print(f"the same by CPU per request, app and database (cores to themselves): {cpu_ratio:.3f}x")
    return {**figures, "ratio": round(ratio, 4), "cpu_ratio": round(cpu_ratio, 4)}


def print_journey(phase: dict, users: int, think: float) -> dict:
    """Per step: requests, rate, percentiles and errors; then the goal. The figures as a dict
    of steps (and "all")."""
    tally, seconds = phase["tally"], phase["seconds"]
    print(f"\njourney: {users} people, think time {think:g} s (0.5-1.5x), {seconds:.1f} s")
    print(
        f"{'step':<16}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
        f"{'max':>8}{'errors':>8}"
    )
    everything: list[float] = []
    over, figures = [], {}
    for step in STEPS:
        times = tally.times.get(step, [])
        everything += times
        figures[step] = _figures(times, seconds, len(tally.errors.get(step, [])))
        _print_row(step, times, seconds, len(tally.errors.get(step, [])))
        if percentile(times, 0.95) >= GOAL_P95_MS:
            over.append(step)
    errors = sum(len(e) for e in tally.errors.values())
    figures["all"] = _figures(everything, seconds, errors) | _cpu(phase, len(everything))
    _print_row("all", everything, seconds, errors)
    if tally.export_rows:
        print(f"rows per export: median {percentile(tally.export_rows, 0.5):,.0f}")
    _print_errors(tally)
    served, cores = figures["all"]["served_cpu_ms"], os.cpu_count() or 1
    print(
        f"CPU per request, all steps: app and database {served:.1f} ms, so at most "
        f"{cores * 1000 / served if served else math.nan:.0f} requests/s on {cores} cores "
        "to themselves"
    )
    verdict = "met" if not over and not errors else "missed"
    slow = f"; p95 over {GOAL_P95_MS} ms: {', '.join(over)}" if over else ""
    print(f"goal: p95 < {GOAL_P95_MS} ms at every step, 0 errors: {verdict}{slow}")
    return figures


def _cpu(phase: dict, requests: int) -> dict:
    """CPU milliseconds per request: of the app's workers, the database server, both, and the
    load generator."""
    per = {k: round(v * 1000 / max(1, requests), 2) for k, v in phase["cpu"].items()}
    return {
        "app_cpu_ms": per["app"],
        "database_cpu_ms": per["database"],
        "served_cpu_ms": round(per["app"] + per["database"], 2),
        "client_cpu_ms": per["client"],
    }


def _figures(times: list[float], seconds: float, errors: int) -> dict:
    return {
        "requests": len(times),
        "per_second": round(len(times) / seconds, 2),
        **{f"p{q}": round(percentile(times, q / 100), 1) for q in (50, 95, 99)},
        "errors": errors,
    }


def _print_row(step: str, times: list[float], seconds: float, errors: int) -> None:
    print(
        f"{step:<16}{len(times):>9}{len(times) / seconds:>8.1f}{percentile(times, 0.5):>8.0f}"
        f"{percentile(times, 0.95):>8.0f}{percentile(times, 0.99):>8.0f}"
        f"{max(times, default=math.nan):>8.0f}{errors:>8}"
    )


def _print_errors(tally: Tally) -> None:
    for step, reasons in tally.errors.items():
        for reason, count in Counter(reasons).most_common(3):
            print(f"  error in {step}: {reason} (x{count})")
