"""Watch-list screening benchmark: a register of 20,000 persons screened against a list of 1,000
entries, 130 of which are registered men hidden under the spellings lists use, with their
brothers and sons registered beside them; the app's screening beside name-only scoring of the
same pairs and beside the database reading those pairs (the floor), on SQLite or PostgreSQL.

    python bench/screening.py [--database sqlite|postgresql] [--url URL] [--persons 20000]
                              [--entries 1000] [--wanted 130] [--runs 5] [--seed 1] [--show 3]

SQLite uses a new file bench/results/screening.sqlite3. PostgreSQL needs a server: `--url`, or
AWDA_BENCH_PG_URL, or TEST_DATABASE_URL (scripts/with-postgres sets it), a URL whose user may
create databases; a database `awda_bench_screening` is made afresh on that server.

The data (bench/screening_data.py, from a seed): families in households, registered as `Member`
rows by bulk inserts with their blocking keys and digests computed by `linkage.refresh_all`
(registration is not what is measured here); the list written as the UN's XML
(`tests.watchlist_data.un_list_xml`), read back by `read_un_list` and loaded as one version by
`loading.load`. Each wanted entry names its variants (Latin only, grandfather dropped, year
only, a BETWEEN range, APPROXIMATELY, hamza and taa marbuta forms, a kunya...); relatives of the
wanted men and namesakes are the negatives.

Measured, each as the median of `--runs` runs (the alerts deleted between runs), the first run
shown too (cold caches):

- `screening.screen_entries` over every entry of the version (20,000 x 1,000): the job a new
  list version starts; then `screening.screen_members` over every person (the other direction,
  the job a registration starts, here for the whole register at once). Each run's commit counts.
- The floor: the candidate pairs (entry, person sharing a blocking key) read by one SQL join of
  `watch_entry_keys` with `identity_keys`, and those persons' rows read: what the database alone
  takes.
- The name-only baseline: the same candidate pairs (same blocking) scored by rapidfuzz's
  `fuzz.token_sort_ratio` on the folded full names (Arabic with Arabic, Latin with Latin, and the
  consonant skeletons across scripts, the best of them; every name and alias of the entry against
  the person's name and kunya), at the threshold that gives it 100 % recall of the pairs blocking
  finds on this very set: its best case.

Figures: recall (wanted men alerted on their entry / wanted), alerts per true match (every alert
/ true matches found), brothers, sons and other relatives alerted, namesakes alerted, and the
recall per variant. Households' stages, vetting assessments, members' routes and case history
are read before and after screening: "automatic status changes" counts what changed. Then the
goals (recall 100 %, at most 1.5 alerts per true match, at most 60 s, no status change) with PASS
or FAIL read from the figures, and the misses and false alerts with their feature levels.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import config
from app import create_app
from bench.registry import RESULTS, fill
from bench.screening_data import Listed, Registered, ScreeningSet, generate

PG_DATABASE = "awda_bench_screening"
LIST_NAME = "Bench consolidated list"
SCREENER = "screener"
GOAL_RECALL, GOAL_ALERTS, GOAL_SECONDS = 1.0, 1.5, 60.0
CHUNK = 2000
VETTED = {"outcome": "cleared", "deciding_body": "nss", "reference": "NSS/2026/1", "notes": ""}
CANDIDATE_PAIRS_SQL = (
    "SELECT DISTINCT w.entry_id, i.member_id FROM watch_entry_keys w "
    "JOIN identity_keys i ON i.key = w.key"
)
PERSONS_SQL = (
    "SELECT id, household_id, given_name_ar, father_name_ar, grandfather_name_ar, "
    "family_name_ar, given_name_en, father_name_en, grandfather_name_en, family_name_en, "
    "mother_name_ar, mother_name_en, known_as, sex, birth_date, birth_precision, "
    "birth_estimated_on FROM members WHERE id IN (SELECT i.member_id FROM watch_entry_keys w "
    "JOIN identity_keys i ON i.key = w.key)"
)


# --- database -------------------------------------------------------------------------------


def database_url(kind: str, url: str | None) -> str:
    if kind == "sqlite":
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / "screening.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    server = url or os.environ.get("AWDA_BENCH_PG_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        raise SystemExit("PostgreSQL: give --url or set AWDA_BENCH_PG_URL to a server's URL.")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
    return sa.make_url(server).set(database=PG_DATABASE).render_as_string(False)


def build_app(url: str):
    settings = config.DevelopmentConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    settings.LOG_LEVEL = "WARNING"
    settings.AWDA_JOBS = "inline"  # the bench runs the screening itself, timed
    return create_app(settings)


# --- the register ---------------------------------------------------------------------------


def member_row(registered: Registered, member_id: int, household_id: int, position: int):
    record = registered.record
    row = {
        "id": member_id,
        "household_id": household_id,
        "position": position,
        "sex": record.sex or registered.person.sex,
        "known_as": record.known_as or None,
        "birth_date": record.birth.value,
        "birth_precision": record.birth.precision.value,
        "birth_estimated_on": record.birth.estimated_on,
        "relationship": registered.relationship,
        "nationality_evidence": "civil_id",
        "name_folded": "",
        "notes": None,
    }
    for slot in ("given", "father", "grandfather", "family", "mother"):
        part = getattr(record, slot)
        row[f"{slot}_name_ar"] = part.ar or ("" if slot in ("given", "father") else None)
        row[f"{slot}_name_en"] = part.en or None
    return row


def register(data: ScreeningSet, seed: int) -> dict[int, int]:
    """Write the households and persons of `data` (and vetting assessments for half the
    households at the vetting stage), then their keys; returns person id -> member id."""
    from app.auth.services import find_user
    from app.core.db import utcnow
    from app.demo import households as demo
    from app.extensions import db
    from app.identity import linkage
    from app.registry.models import Household, Member
    from app.screening.models import Assessment

    pools, rng, now = demo._pools(), random.Random(seed), utcnow()
    moments = sorted(now - timedelta(days=rng.uniform(1, 270)) for _ in data.households)
    numbers = demo._case_numbers(moments)
    screener = find_user(SCREENER)
    household_id, member_id = demo._next_id(Household), demo._next_id(Member)
    member_of: dict[int, int] = {}
    rows: dict[str, list[dict]] = {"households": [], "members": [], "assessments": []}
    for family, number, moment in zip(data.households, numbers, moments, strict=True):
        members = []
        for position, registered in enumerate(family):
            members.append(member_row(registered, member_id, household_id, position))
            member_of[registered.person.id] = member_id
            member_id += 1
        household = demo._household_row(
            rng, pools, household_id, number, [(m, [], []) for m in members], moment
        )
        household["stage"] = rng.choices(demo.ROAD, weights=demo.ROAD_WEIGHTS)[0]
        rows["households"].append(household)
        rows["members"] += members
        if household["stage"] == "vetting" and rng.random() < 0.5:
            rows["assessments"].append(_vetting(household_id, members[0]["id"], screener.id))
        household_id += 1
    for model, key in ((Household, "households"), (Member, "members"), (Assessment, "assessments")):
        for start in range(0, len(rows[key]), CHUNK):
            db.session.execute(sa.insert(model.__table__), rows[key][start : start + CHUNK])
    demo._move_sequences_on()
    linkage.refresh_all(db.session.connection())
    db.session.commit()
    return member_of


def _vetting(household_id: int, member_id: int, author_id: int) -> dict:
    return {
        "household_id": household_id,
        "member_id": member_id,
        "kind": "vetting",
        "version": 1,
        "current": True,
        "data": {**VETTED, "decision_date": "2026-01-15"},
        "author_id": author_id,
    }


def load_list(data: ScreeningSet) -> tuple[list[int], dict[int, Listed], float]:
    """The list written as the UN's XML, read and loaded as one version: the entry ids to
    screen, entry id -> its `Listed`, and the seconds the read and load took."""
    from app import jobs
    from app.audit import services as audit
    from app.auth.services import find_user
    from app.extensions import db
    from app.watchlist import loading
    from app.watchlist.models import ListKind, WatchEntry
    from app.watchlist.un_xml import read_un_list
    from tests.watchlist_data import un_list_xml

    content = un_list_xml([entry.xml for entry in data.entries])
    started = time.perf_counter()
    persons = read_un_list(content)
    loaded = loading.load(
        LIST_NAME, ListKind.UN, persons, "consolidated.xml", content, find_user(SCREENER)
    )
    jobs.discard_launches()  # screened below, timed, rather than by the job
    audit.write_buffer(committed=True)
    db.session.commit()
    seconds = time.perf_counter() - started
    by_reference = {entry.reference: entry for entry in data.entries}
    ids = db.session.execute(sa.select(WatchEntry.id, WatchEntry.reference)).all()
    return loaded.to_screen, {i: by_reference[ref] for i, ref in ids}, seconds


# --- status: what screening must never change -------------------------------------------------


def snapshot() -> dict[str, set]:
    from app.extensions import db

    queries = {
        "households": "SELECT id, stage, stage_changed_at, version FROM households",
        "assessments": "SELECT id, kind, version, current FROM assessments",
        "routes": "SELECT id, route FROM members WHERE route IS NOT NULL",
        "case events": "SELECT id, kind FROM case_events",
    }
    return {name: set(db.session.execute(sa.text(sql)).all()) for name, sql in queries.items()}


def status_changes(before: dict[str, set], after: dict[str, set]) -> dict[str, tuple[int, int]]:
    """Per table: rows changed, added or gone, and how many rows were read before."""
    return {name: (len(before[name] ^ after[name]), len(before[name])) for name in before}


# --- screening runs -------------------------------------------------------------------------


def clear_alerts() -> None:
    from app.extensions import db
    from app.watchlist.models import WatchAlert

    db.session.execute(sa.delete(WatchAlert))
    db.session.commit()
    db.session.expunge_all()


def timed_runs(call: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each run of `call` and its commit, the alerts deleted before each."""
    from app.extensions import db

    samples = []
    for _ in range(runs):
        clear_alerts()
        started = time.perf_counter()
        call()
        db.session.commit()
        samples.append(time.perf_counter() - started)
    return samples


def alert_rows() -> list:
    from app.extensions import db
    from app.watchlist.models import WatchAlert

    stmt = sa.select(
        WatchAlert.member_id,
        WatchAlert.entry_id,
        WatchAlert.weight,
        WatchAlert.matched_name,
        WatchAlert.explanation,
    )
    return list(db.session.execute(stmt))


def floor_seconds(url: str, runs: int) -> tuple[float, int]:
    """Median seconds of the candidate pairs' join and the read of their persons, in raw SQL;
    and how many pairs."""
    engine = sa.create_engine(url)
    samples, pairs = [], 0
    with engine.connect() as connection:
        for _ in range(max(runs, 5)):
            started = time.perf_counter()
            pairs = len(connection.execute(sa.text(CANDIDATE_PAIRS_SQL)).all())
            connection.execute(sa.text(PERSONS_SQL)).all()
            samples.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(samples), pairs


# --- figures --------------------------------------------------------------------------------


@dataclass
class Figures:
    """Alerts counted by what the person is to the entry (`ScreeningSet.relation`)."""

    pairs: set[tuple[int, int]]
    kinds: Counter
    found: set[str]  # references of wanted entries alerted on their man

    @property
    def alerts(self) -> int:
        return len(self.pairs)

    @property
    def per_true_match(self) -> float:
        return self.alerts / len(self.found) if self.found else float("inf")


@dataclass
class Truth:
    """Who is who: member id -> person, entry id -> entry, and the relatives to count."""

    data: ScreeningSet
    person_of: dict[int, object]
    listed_of: dict[int, Listed]
    member_of: dict[int, int]
    relatives: Counter = field(default_factory=Counter)

    def relation(self, member_id: int, entry_id: int) -> str:
        return self.data.relation(self.person_of[member_id], self.listed_of[entry_id])

    def true_pair(self, listed: Listed) -> tuple[int, int]:
        entry_id = next(i for i, e in self.listed_of.items() if e is listed)
        return self.member_of[listed.person.id], entry_id

    def figures(self, pairs: set[tuple[int, int]]) -> Figures:
        kinds = Counter(self.relation(m, e) for m, e in pairs)
        found = {self.listed_of[e].reference for m, e in pairs if self.relation(m, e) == "same"}
        return Figures(pairs, kinds, found)


def truth(data: ScreeningSet, member_of: dict[int, int], listed_of: dict[int, Listed]) -> Truth:
    person_of = {member_of[r.person.id]: r.person for r in data.registered}
    found = Truth(data, person_of, listed_of, member_of)
    for listed in data.wanted():
        for person in person_of.values():
            relation = data.relation(person, listed)
            if relation in ("brother", "son", "relative"):
                found.relatives[relation] += 1
    return found


# --- the name-only baseline -----------------------------------------------------------------


def candidate_pairs(entry_ids: list[int]) -> tuple[set[tuple[int, int]], dict, dict]:
    """The pairs `screen_entries` scores (persons sharing a blocking key with an entry), with
    the entries' records and the persons' records."""
    from app.extensions import db
    from app.identity import linkage
    from app.identity.blocking import blocking_keys
    from app.watchlist.matching import entry_records
    from app.watchlist.models import WatchEntry

    entries = db.session.scalars(sa.select(WatchEntry).where(WatchEntry.id.in_(entry_ids)))
    listed = {e.id: entry_records(e.id, e.data) for e in entries}
    keys = {e: {k for _w, r in records for k in blocking_keys(r)} for e, records in listed.items()}
    holding = linkage.persons_holding(set().union(*keys.values()))
    pairs = {(m, e) for e, ks in keys.items() for k in ks for m in holding.get(k, ())}
    return pairs, listed, linkage.records_of({m for m, _ in pairs})


def name_forms(record) -> list[dict[str, str]]:
    """The full name's folded forms by script and its skeletons ("skeleton" keys compare
    across scripts); the kunya (known as) as a name of its own."""
    from app.identity.names import fold, name_words

    slots = (record.given, record.father, record.grandfather, record.family)
    texts = [
        {"ar": " ".join(p.ar for p in slots if p.ar), "en": " ".join(p.en for p in slots if p.en)}
    ]
    if record.known_as:
        texts.append({"ar" if _arabic(record.known_as) else "en": record.known_as})
    forms = []
    for text in texts:
        form = {}
        for script, value in text.items():
            if value:
                form[script] = fold(value)
                skeleton = " ".join(key for _w, key in name_words(value) if key)
                form[f"skeleton {script}"] = skeleton
        forms.append(form)
    return forms


def _arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def name_similarity(left: list[dict[str, str]], right: list[dict[str, str]]) -> float:
    from rapidfuzz import fuzz

    best = 0.0
    for a in left:
        for b in right:
            for key_a, text_a in a.items():
                for key_b, text_b in b.items():
                    same = key_a == key_b or (key_a.startswith("skel") and key_b.startswith("skel"))
                    if same:
                        best = max(best, fuzz.token_sort_ratio(text_a, text_b))
    return best


@dataclass
class Baseline:
    """The name-only scorer's figures at its `threshold`, its `seconds` (pairs read and
    scored), and the candidate `pairs` it and the app score."""

    figures: Figures
    threshold: float
    seconds: float
    pairs: set[tuple[int, int]]


def name_only(entry_ids: list[int], truth_: Truth) -> Baseline:
    started = time.perf_counter()
    pairs, listed, persons = candidate_pairs(entry_ids)
    entry_forms = {
        e: [f for _w, r in records for f in name_forms(r)] for e, records in listed.items()
    }
    similarity = {
        (m, e): name_similarity(entry_forms[e], name_forms(persons[m]))
        for m, e in pairs
        if m in persons
    }
    seconds = time.perf_counter() - started
    true = [s for (m, e), s in similarity.items() if truth_.relation(m, e) == "same"]
    threshold = min(true) if true else 100.0
    alerted = {pair for pair, s in similarity.items() if s >= threshold}
    return Baseline(truth_.figures(alerted), threshold, seconds, pairs)


# --- printing -------------------------------------------------------------------------------


def print_table(app_figures: Figures, base: Figures, threshold: float, truth_: Truth) -> None:
    wanted = len(truth_.data.wanted())
    rel = truth_.relatives

    def recall(f: Figures) -> str:
        return f"{len(f.found)}/{wanted} {100 * len(f.found) / wanted:5.1f} %"

    rows = [
        ("recall", recall(app_figures), recall(base)),
        ("alerts", f"{app_figures.alerts:,}", f"{base.alerts:,}"),
        (
            "alerts per true match",
            f"{app_figures.per_true_match:.2f}",
            f"{base.per_true_match:.2f}",
        ),
        (f"brothers alerted (of {rel['brother']})", *_kind(app_figures, base, "brother")),
        (f"sons alerted (of {rel['son']})", *_kind(app_figures, base, "son")),
        (f"other relatives alerted (of {rel['relative']})", *_kind(app_figures, base, "relative")),
        ("unrelated persons on wanted entries", *_kind(app_figures, base, "unrelated")),
        ("planted namesakes' entries", *_kind(app_figures, base, "namesake")),
        ("invented persons' entries", *_kind(app_figures, base, "invented")),
    ]
    print(f"\n{'':<42}{'app (Fellegi-Sunter)':>22}{f'name only (ratio >= {threshold:.0f})':>28}")
    for label, left, right in rows:
        print(f"{label:<42}{left:>22}{right:>28}")
    print(
        "name only: its threshold is the lowest ratio of a true pair among the candidate pairs "
        "(its best case); a true pair blocking misses is missed by both."
    )


def _kind(left: Figures, right: Figures, kind: str) -> tuple[str, str]:
    return f"{left.kinds[kind]:,}", f"{right.kinds[kind]:,}"


def print_variants(app_figures: Figures, base: Figures, truth_: Truth) -> None:
    counts: Counter = Counter()
    found: Counter = Counter()
    base_found: Counter = Counter()
    for listed in truth_.data.wanted():
        for variant in listed.variants:
            counts[variant] += 1
            found[variant] += listed.reference in app_figures.found
            base_found[variant] += listed.reference in base.found
    print(f"\n{'recall by variant (an entry has several)':<42}{'app':>22}{'name only':>28}")
    for variant, count in counts.most_common():
        app_share, base_share = f"{found[variant]}/{count}", f"{base_found[variant]}/{count}"
        print(f"  {variant:<40}{app_share:>22}{base_share:>28}")


def print_times(times: dict[str, list[float]], floor: tuple[float, int], baseline_s: float):
    print(f"\n{'time (seconds)':<58}{'median':>10}{'first':>10}")
    for label, samples in times.items():
        print(f"{label:<58}{statistics.median(samples):>10.2f}{samples[0]:>10.2f}")
    print(f"{f'floor: {floor[1]:,} candidate pairs joined + persons read (SQL)':<58}"
          f"{floor[0]:>10.2f}")  # fmt: skip
    print(f"{'name only: the same pairs read and scored (rapidfuzz)':<58}{baseline_s:>10.2f}")


def print_goals(figures: Figures, truth_: Truth, seconds: float, changes: dict[str, tuple]):
    recall = len(figures.found) / len(truth_.data.wanted())
    changed = sum(count for count, _ in changes.values())
    detail = ", ".join(f"{name} {count} of {rows:,}" for name, (count, rows) in changes.items())
    print(f"\nautomatic status changes: {changed} ({detail})")
    goals = [
        (f"recall 100 % ({100 * recall:.1f} %)", recall >= GOAL_RECALL),
        (f"<= 1.5 alerts per true match ({figures.per_true_match:.2f})",
         figures.per_true_match <= GOAL_ALERTS),
        (f"<= 60 s ({seconds:.1f} s)", seconds <= GOAL_SECONDS),
        (f"0 status changes ({changed})", changed == 0),
    ]  # fmt: skip
    print("goals: " + " | ".join(f"{label} {'PASS' if ok else 'FAIL'}" for label, ok in goals))


# --- misses and false alerts ----------------------------------------------------------------


def entry_text(listed: Listed) -> str:
    xml = listed.xml
    births = "; ".join(
        " ".join(str(v) for k, v in birth.items() if k != "type") + f" ({birth['type']})"
        for birth in xml["births"]
    )
    aliases = "; ".join(f"{a['name']} ({a['quality']})" for a in xml["aliases"])
    return (
        f"{listed.reference} {' '.join(xml['names'])} | {xml['original_script'] or '-'} | "
        f"born {births}" + (f" | a.k.a. {aliases}" if aliases else "")
    )


def person_text(registered: Registered) -> str:
    r = registered.record
    slots = (r.given, r.father, r.grandfather, r.family)
    latin = " ".join(p.en for p in slots if p.en)
    birth = f"{r.birth.value} ({r.birth.precision.value})"
    extra = f" | known as {r.known_as}" if r.known_as else ""
    return (
        f"{' '.join(p.ar for p in slots if p.ar)} | {latin or '-'} | born {birth} | "
        f"mother {r.mother.ar or '-'}{extra} ({registered.relationship})"
    )


def levels(explanation: list[dict]) -> str:
    return " ".join(f"{f['feature']}={f['level']}({f['weight']:+.1f})" for f in explanation)


def best_score(truth_: Truth, listed: Listed):
    """The best score of the wanted man's register row against his entry's records, and which
    name of the entry gave it; (None, "") when no record can be scored."""
    from app.extensions import db
    from app.identity import linkage
    from app.identity.scoring import score
    from app.watchlist.matching import entry_records
    from app.watchlist.models import WatchEntry

    member_id, entry_id = truth_.true_pair(listed)
    entry = db.session.get(WatchEntry, entry_id)
    person = linkage.records_of({member_id})[member_id]
    scored = [(s, w) for w, r in entry_records(entry_id, entry.data) if (s := score(person, r))]
    return max(scored, key=lambda pair: pair[0].weight) if scored else (None, "")


def print_misses(truth_: Truth, figures: Figures, pairs: set, show: int) -> None:
    """The wanted men not alerted, by the levels (given, lineage, birth) of their best record,
    with examples."""
    from app.identity.scoring import load_model

    registered = {r.person.id: r for r in truth_.data.registered}
    missed = [e for e in truth_.data.wanted() if e.reference not in figures.found]
    threshold = load_model().threshold_weight
    print(
        f"\nmissed wanted men: {len(missed)} (review threshold {threshold:.2f} bits); by the "
        "levels of their best record (given, lineage, birth):"
    )
    groups: dict[tuple, list] = {}
    for listed in missed:
        best, which = best_score(truth_, listed)
        if truth_.true_pair(listed) not in pairs:
            pattern: tuple = ("no blocking key shared",)
        else:
            level = {f.feature: f.level for f in best.features}
            pattern = (level["given"], level["lineage"], level["birth"])
        groups.setdefault(pattern, []).append((listed, best, which))
    for pattern, found in sorted(groups.items(), key=lambda item: -len(item[1])):
        variants = Counter(v for listed, _, _ in found for v in listed.variants)
        print(f"  {len(found):>4}  {', '.join(pattern)}")
        print("        variants: " + ", ".join(f"{v} {n}" for v, n in variants.most_common()))
        for listed, best, which in found[:show]:
            print(f"        entry   {entry_text(listed)}")
            print(f"        person  {person_text(registered[listed.person.id])}")
            if best is not None:
                explained = [{"feature": f.feature, "level": f.level, "weight": f.weight}
                             for f in best.features]  # fmt: skip
                print(f"        best ({which}) {best.weight:+.2f} bits: {levels(explained)}")


def print_false_alerts(truth_: Truth, rows: list, show: int) -> None:
    registered = {r.person.id: r for r in truth_.data.registered}
    false = [row for row in rows if truth_.relation(row.member_id, row.entry_id) != "same"]
    patterns: Counter = Counter()
    for row in false:
        level = {f["feature"]: f["level"] for f in row.explanation}
        kind = truth_.relation(row.member_id, row.entry_id)
        patterns[(kind, level.get("given"), level.get("lineage"), level.get("birth"))] += 1
    print(f"\nfalse alerts: {len(false)}; commonest (relation, given, lineage, birth):")
    for pattern, count in patterns.most_common(12):
        print(f"  {count:>4}  {', '.join(str(p) for p in pattern)}")
    shown: Counter = Counter()
    for row in sorted(false, key=lambda r: -r.weight):
        kind = truth_.relation(row.member_id, row.entry_id)
        if shown[kind] >= show:
            continue
        shown[kind] += 1
        listed = truth_.listed_of[row.entry_id]
        person = registered[truth_.person_of[row.member_id].id]
        print(f"  [{kind}] {row.weight:+.2f} bits ({row.matched_name}): {levels(row.explanation)}")
        print(f"     entry   {entry_text(listed)}")
        print(f"     person  {person_text(person)}")


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL server URL (default: AWDA_BENCH_PG_URL)")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=1_000)
    parser.add_argument("--wanted", type=int, default=130)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="examples of misses, false alerts")
    args = parser.parse_args()
    run(args)


def run(args: argparse.Namespace) -> None:
    from app.extensions import db
    from app.watchlist import screening

    data = generate(args.persons, args.entries, args.wanted, args.seed)
    url = database_url(args.database, args.url)
    app = build_app(url)
    fill(app, 0)  # the schema, reference data and the demo users (a screener loads the list)
    with app.app_context():
        started = time.perf_counter()
        member_of = register(data, args.seed)
        registered_s = time.perf_counter() - started
        entry_ids, listed_of, load_s = load_list(data)
        truth_ = truth(data, member_of, listed_of)
        members = sorted(member_of.values())
        print(
            f"database: {db.engine.dialect.name}; {len(members):,} persons in "
            f"{len(data.households):,} households (written with their keys in {registered_s:.1f}"
            f" s); {len(entry_ids):,} entries, {len(data.wanted())} of them registered men "
            f"(list read and loaded in {load_s:.1f} s); {args.runs} runs"
        )
        before = snapshot()
        times = {
            f"screen_entries: {len(entry_ids):,} entries x {len(members):,} persons": timed_runs(
                lambda: screening.screen_entries(entry_ids), args.runs
            )
        }
        rows = alert_rows()
        app_figures = truth_.figures({(r.member_id, r.entry_id) for r in rows})
        times[f"screen_members: {len(members):,} persons x {len(entry_ids):,} entries"] = (
            timed_runs(lambda: screening.screen_members(members, "registration"), args.runs)
        )
        other_way = {(r.member_id, r.entry_id) for r in alert_rows()}
        changes = status_changes(before, snapshot())
        base = name_only(entry_ids, truth_)
        floor = floor_seconds(url, args.runs)
        kinds = Counter(truth_.relation(m, e) for m, e in base.pairs)
        print(
            f"candidate pairs (the same blocking for both scorers): {len(base.pairs):,}: "
            + ", ".join(f"{kind} {count:,}" for kind, count in kinds.most_common())
        )
        print(
            "screen_members raised the same alerts as screen_entries: "
            + ("yes" if other_way == app_figures.pairs else f"NO ({len(other_way):,} alerts)")
        )
        print_table(app_figures, base.figures, base.threshold, truth_)
        print_variants(app_figures, base.figures, truth_)
        print_times(times, floor, base.seconds)
        print_goals(app_figures, truth_, statistics.median(next(iter(times.values()))), changes)
        print_misses(truth_, app_figures, base.pairs, args.show)
        print_false_alerts(truth_, rows, args.show)


if __name__ == "__main__":
    main()
