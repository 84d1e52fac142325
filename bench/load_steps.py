"""What each simulated person does in the load test (bench/load.py), and the tally of it.

A round of the journey is what a caseworker does with a case: open the case list, search a
name, open a household, open its form and save it (with the version the form carries), then
export the search's results as CSV. Every request is timed on its own and named by its step.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from load_client import (
    Answer,
    Browser,
    Refused,
    csrf_token,
    expect,
    form_fields,
    local_path,
    replaced,
    timed,
)

# Names common and rare, in both scripts, joined and spaced compounds (as bench/registry.py).
SEARCHES = ("احمد الجبوري", "mohammed", "فاطمه", "عبدالرحمن", "Zeinab", "Abd al-Rahman")
# The case export's pseudonymised columns (as bench/exports.py).
EXPORT_COLUMNS = ("case_number", "stage", "camp", "origin", "members", "females", "children")
STEPS = (
    "case list",
    "search (post)",
    "search results",
    "household page",
    "edit form",
    "edit save",
    "export form",
    "export CSV",
)


class Stopped(Exception):
    """The phase's time is up: no new request is started."""


@dataclass
class Tally:
    """Milliseconds per step, and what went wrong, from every thread (appends under a lock)."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    export_rows: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, ms: float) -> None:
        with self.lock:
            self.times.setdefault(step, []).append(ms)

    def fail(self, step: str, reason: str) -> None:
        with self.lock:
            self.errors.setdefault(step, []).append(reason)


@dataclass
class Person:
    """A logged-in caseworker, the households it opens and edits (its own share of its team's,
    so that two people never save the same household at once), and its dice."""

    username: str
    browser: Browser
    households: list[int]
    rng: random.Random
    deadline: float = 0.0
    think: float = 0.0
    saves: int = 0
    part: int = 0  # where in the journey's round the person is
    results: str | None = None  # the list of its last search
    household: str | None = None  # the household it last opened

    def step(self, tally: Tally, name: str, call):
        """Run one timed request; Stopped once the phase is over, Refused on a wrong answer."""
        if time.monotonic() >= self.deadline:
            raise Stopped
        try:
            ms, answer = timed(call)
        except Refused as refused:
            tally.fail(name, str(refused))
            raise
        except OSError as broken:  # refused, reset, timed out: a person sees an error page
            tally.fail(name, f"{type(broken).__name__}: {broken}")
            raise Refused(name) from broken
        tally.add(name, ms)
        if self.think:
            time.sleep(self.think * self.rng.uniform(0.5, 1.5))
        return answer

    def get(self, tally: Tally, name: str, path: str) -> Answer:
        """A page that must answer 200."""
        return self.step(tally, name, lambda: expect(self.browser.get(path), 200, f"GET {path}"))

    def post(self, tally: Tally, name: str, path: str, fields: list, status: int) -> Answer:
        """A form posted, that must answer `status`."""
        sent = lambda: expect(self.browser.post(path, fields), status, f"POST {path}")  # noqa: E731
        return self.step(tally, name, sent)


def do_nothing(person: Person, tally: Tally) -> None:
    """The floor: the same app's health check (one SELECT 1), as often as it answers."""
    person.get(tally, "do-nothing route", "/healthz")


def household_page(person: Person, tally: Tally) -> None:
    """One household page of the person's scope."""
    person.get(tally, "household page", f"/households/{person.rng.choice(person.households)}")


def journey(person: Person, tally: Tally) -> None:
    """The next part of the round (list and search, household, edit and save, export of the
    search's results). People start the round at different parts, as people at work are at
    any moment, so that a short phase measures every step even when the server is slow."""
    part = JOURNEY[person.part % len(JOURNEY)]
    person.part += 1
    part(person, tally)


def _search(person: Person, tally: Tally) -> None:
    listed = person.get(tally, "case list", "/households/")
    fields = [("q", person.rng.choice(SEARCHES)), ("csrf_token", csrf_token(listed, "list"))]
    sent = person.post(tally, "search (post)", "/households/search", fields, 303)
    person.results = local_path(sent)
    person.get(tally, "search results", person.results)


def _household(person: Person, tally: Tally) -> None:
    person.household = f"/households/{person.rng.choice(person.households)}"
    person.get(tally, "household page", person.household)


def _edit(person: Person, tally: Tally) -> None:
    """The household's form, posted back as the browser has it with a new note; a save goes
    back to the household page (a stale version would answer 409)."""
    path = person.household or f"/households/{person.rng.choice(person.households)}"
    page = person.get(tally, "edit form", f"{path}/edit")
    person.saves += 1
    note = f"Load test: saved by {person.username}, round {person.saves}."
    fields = replaced(form_fields(page.text(), 'name="version"'), "notes", note)
    saved = person.post(tally, "edit save", f"{path}/edit", fields, 302)
    if local_path(saved) != path:
        tally.fail("edit save", f"save of {path} went to {local_path(saved)}")


def _export(person: Person, tally: Tally) -> None:
    """The export page of the search's results, then its CSV file, read to the end."""
    if person.results is None:
        _search(person, tally)
    path = "/reports/cases?" + (person.results or "").partition("?")[2]
    page = person.get(tally, "export form", path)
    fields = [("columns", c) for c in EXPORT_COLUMNS]
    fields += [("format", "csv"), ("csrf_token", csrf_token(page, "export form"))]
    answer = person.post(tally, "export CSV", path, fields, 200)
    if not answer.headers.get("Content-Type", "").startswith("text/csv"):
        tally.fail("export CSV", "the export did not answer a CSV file")
        return
    with tally.lock:
        tally.export_rows.append(answer.body.count(b"\n") - 1)


JOURNEY = (_search, _household, _edit, _export)


def run_phase(
    people: list[Person], action, seconds: float, think: float = 0.0
) -> tuple[Tally, float]:
    """Every person repeats `action` in its own thread for `seconds`; the tally and the time the
    phase took (until the last request started before the end has been answered)."""
    tally = Tally()
    started = time.monotonic()
    for person in people:
        person.deadline, person.think = started + seconds, think
    threads = [threading.Thread(target=_repeat, args=(p, action, tally)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def _repeat(person: Person, action, tally: Tally) -> None:
    while time.monotonic() < person.deadline:
        try:
            action(person, tally)
        except Stopped:
            return
        except Refused:
            time.sleep(0.1)  # counted; the person starts the next round
