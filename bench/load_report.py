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


def print_saturation(floor: tuple, pages: tuple, users: int) -> dict:
    """Household pages per second beside the do-nothing route's, no think time; the figures
    (requests per second, milliseconds, worker CPU milliseconds per request) as a dict."""
    print(f"\nsaturation: {users} people, no think time")
    print(
        f"{'route':<20}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>8}"
        f"{'server CPU/req':>16}{'client CPU/req':>16}"
    )
    rates, figures = [], {}
    for name, (tally, seconds, cpu, client) in (
        ("do-nothing route", floor),
        ("household page", pages),
    ):
        times = [t for step in tally.times.values() for t in step]
        errors = sum(len(e) for e in tally.errors.values())
        rates.append(len(times) / seconds)
        cpu_ms, client_ms = (c * 1000 / max(1, len(times)) for c in (cpu, client))
        figures[name] = _figures(times, seconds, errors)
        figures[name] |= {"server_cpu_ms": round(cpu_ms, 2), "client_cpu_ms": round(client_ms, 2)}
        print(
            f"{name:<20}{rates[-1]:>8.1f}{percentile(times, 0.5):>8.0f}"
            f"{percentile(times, 0.95):>8.0f}{percentile(times, 0.99):>8.0f}{errors:>8}"
            f"{cpu_ms:>14.1f}ms{client_ms:>14.1f}ms"
        )
        _print_errors(tally)
    ratio = rates[1] / rates[0] if rates[0] else math.nan
    verdict = "met" if ratio >= GOAL_RATIO else "missed"
    print(f"household pages / do-nothing route: {ratio:.3f}x (goal >= {GOAL_RATIO}x: {verdict})")
    cpu = [figures[n]["server_cpu_ms"] for n in ("do-nothing route", "household page")]
    cpu_ratio = cpu[0] / cpu[1] if cpu[1] else math.nan
    print(f"the same by the workers' CPU per request (cores to themselves): {cpu_ratio:.3f}x")
    return {**figures, "ratio": round(ratio, 4), "cpu_ratio": round(cpu_ratio, 4)}


def print_journey(tally: Tally, seconds: float, users: int, think: float) -> dict:
    """Per step: requests, rate, percentiles and errors; then the goal. The figures as a dict
    of steps (and "all")."""
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
    figures["all"] = _figures(everything, seconds, errors)
    _print_row("all", everything, seconds, errors)
    if tally.export_rows:
        print(f"rows per export: median {percentile(tally.export_rows, 0.5):,.0f}")
    _print_errors(tally)
    verdict = "met" if not over and not errors else "missed"
    slow = f"; p95 over {GOAL_P95_MS} ms: {', '.join(over)}" if over else ""
    print(f"goal: p95 < {GOAL_P95_MS} ms at every step, 0 errors: {verdict}{slow}")
    return figures


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
