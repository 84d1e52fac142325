"""A checked list committed in the background: households written through the registry's own
services in chunks, each tied to the source's own reference so that the same list imported
again creates nothing, a killed commit resumed without duplicates, a cancel honoured between
chunks, and every household written in the audit trail with its import."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity.identifiers import identifier_key
from app.imports import commit, services
from app.imports.models import ImportStatus, ListImport, SourceKey
from app.imports.preview import ListChoices
from app.registry.models import Household, Member

HEADERS = ["رقم العائلة", "الاسم الرباعي", "اسم الأم", "المواليد", "الجنس", "صلة القرابة"]


def family_rows(count: int, start: int = 1) -> list[list[str]]:
    """`count` households of a wife and a son each, every name distinct."""
    rows = []
    given = ["فاطمة", "زينب", "مريم", "سعاد", "هدى", "نور", "رقية", "خديجة", "آمنة", "سارة"]
    boys = ["عمر", "علي", "يوسف", "حسن", "خالد", "أحمد", "سالم", "ياسين", "محمود", "إبراهيم"]
    families = ["الجبوري", "الدليمي", "العبيدي", "الطائي", "الشمري", "الزبيدي", "العزاوي"]
    for n in range(start, start + count):
        mother = f"{given[n % 10]} {boys[(n // 10) % 10]} {boys[(n // 100) % 10]} {families[n % 7]}"
        son = f"{boys[n % 10]} {boys[(n // 10) % 10]} {given[(n // 7) % 10]} {families[n % 7]}"
        rows.append([f"F-{n}", mother, "هناء علي", str(1970 + n % 20), "أنثى", "ربة الأسرة"])
        rows.append([f"F-{n}", son, mother.split()[0], f"{n % 28 + 1}/03/2012", "ذكر", "ابن"])
    return rows


def csv_bytes(rows, headers=HEADERS) -> bytes:
    return "\r\n".join(",".join(r) for r in [headers, *rows]).encode("utf-8")


def receive_and_check(world, data: bytes, source="al-Hol camp administration", actor=None):
    actor = actor or world.supervisor_a
    choices = ListChoices(camp_id=world.camp.id, origin_governorate_id=world.ninewa.id)
    imported, table = services.receive(data, "list.csv", source, choices, actor)
    found = services.check(imported, table, actor)
    db.session.commit()
    return imported, found


def commit_now(world, imported, actor=None) -> ListImport:
    services.queue_commit(imported, actor or world.supervisor_a, launch=False)
    db.session.commit()
    commit.commit_list(imported.id)
    return db.session.get(ListImport, imported.id)


def households() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Household))


def test_a_list_is_committed_and_each_row_gets_its_case_number(world):
    imported, found = receive_and_check(world, csv_bytes(family_rows(3)))
    assert (found.households, found.members, found.rows_with_problems) == (3, 6, 0)
    done = commit_now(world, imported)
    assert (done.status, done.created, done.households_done, done.rows_done) == (
        ImportStatus.DONE,
        3,
        3,
        6,
    )
    keys = db.session.scalars(sa.select(SourceKey).order_by(SourceKey.reference)).all()
    assert [k.reference for k in keys] == [identifier_key(f"F-{n}") for n in (1, 2, 3)]
    household = keys[0].household
    assert household.team_id == world.team_a.id and household.camp_id == world.camp.id
    assert len(household.members) == 2
    written = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "case.registered")
    ).all()
    assert sorted(e.household_id for e in written) == sorted(k.household_id for k in keys)
    assert all(e.detail["import_id"] == imported.id for e in written)


def test_a_list_committed_on_sqlite_leaves_the_planner_its_statistics(world):
    """SQLite keeps none until asked (ANALYZE): a deployment filled by imports would plan its
    pages as an empty database. PostgreSQL's autovacuum gathers them by itself."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL gathers its statistics by itself")
    stats = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
    db.session.execute(sa.text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()
    imported, _found = receive_and_check(world, csv_bytes(family_rows(3)))
    assert db.session.scalar(sa.text(stats)) == 0
    commit_now(world, imported)
    assert db.session.scalar(sa.text(stats)) == 1
    analysed = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'households'"
    assert db.session.scalar(sa.text(analysed)) >= 1


def test_the_same_list_imported_again_creates_nothing(world):
    data = csv_bytes(family_rows(4))
    commit_now(world, receive_and_check(world, data)[0])
    before = (households(), db.session.scalar(sa.select(sa.func.count()).select_from(Member)))
    again, found = receive_and_check(world, data)
    assert (found.households, found.updates, found.unchanged) == (0, 0, 4)
    with pytest.raises(ValidationFailed):  # nothing to write
        services.queue_commit(again, world.supervisor_a, launch=False)
    db.session.rollback()
    after = (households(), db.session.scalar(sa.select(sa.func.count()).select_from(Member)))
    assert after == before


def test_a_changed_row_updates_its_household_and_keeps_what_the_list_does_not_carry(world):
    rows = family_rows(2)
    first = commit_now(world, receive_and_check(world, csv_bytes(rows))[0])
    key = db.session.scalar(
        sa.select(SourceKey).where(SourceKey.reference == identifier_key("F-1"))
    )
    household = key.household
    household.members[0].given_name_en = "Fatima"
    household.notes = "kept"
    db.session.commit()
    rows[1][3] = "05/04/2013"  # the son's birth date corrected by the camp
    again, found = receive_and_check(world, csv_bytes(rows))
    assert (found.households, found.updates, found.unchanged) == (0, 1, 1)
    done = commit_now(world, again)
    assert (done.created, done.updated, done.unchanged) == (0, 1, 1)
    db.session.refresh(household)
    assert [m.birth_date.isoformat() for m in household.members][1] == "2013-04-05"
    assert household.members[0].given_name_en == "Fatima" and household.notes == "kept"
    assert households() == first.created


def test_a_killed_commit_leaves_whole_households_and_resumes_without_duplicates(world, monkeypatch):
    monkeypatch.setattr(commit, "CHUNK", 3)
    imported, _found = receive_and_check(world, csv_bytes(family_rows(8)))
    services.queue_commit(imported, world.supervisor_a, launch=False)
    db.session.commit()
    real_register = commit.register_household
    calls = {"n": 0}

    def dies_in_the_second_chunk(data, actor, **context):
        calls["n"] += 1
        if calls["n"] == 5:
            raise SystemExit("worker killed")  # not an Exception: nothing catches it
        return real_register(data, actor, **context)

    monkeypatch.setattr(commit, "register_household", dies_in_the_second_chunk)
    with pytest.raises(SystemExit):
        commit.commit_list(imported.id)
    db.session.rollback()
    stopped = db.session.get(ListImport, imported.id)
    assert (stopped.households_done, households()) == (3, 3)  # the first chunk, whole
    assert all(len(h.members) == 2 for h in db.session.scalars(sa.select(Household)))
    monkeypatch.setattr(commit, "register_household", real_register)
    commit.commit_list(imported.id)  # the worker restarted
    done = db.session.get(ListImport, imported.id)
    assert (done.status, done.created, households()) == (ImportStatus.DONE, 8, 8)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceKey)) == 8


def test_a_cancel_stops_the_commit_between_chunks(world, monkeypatch):
    monkeypatch.setattr(commit, "CHUNK", 2)
    imported, _found = receive_and_check(world, csv_bytes(family_rows(6)))
    services.queue_commit(imported, world.supervisor_a, launch=False)
    db.session.commit()
    real_next = commit._Writer.next_chunk

    def person_cancels_after_the_first_chunk(self):
        going_on = real_next(self)
        if going_on and self.imported.households_done == 2:
            services.cancel(self.imported, world.supervisor_a)
            db.session.commit()
        return going_on

    monkeypatch.setattr(commit._Writer, "next_chunk", person_cancels_after_the_first_chunk)
    commit.commit_list(imported.id)
    stopped = db.session.get(ListImport, imported.id)
    assert (stopped.status, stopped.created, households()) == (ImportStatus.CANCELLED, 2, 2)
    with pytest.raises(ValidationFailed):
        services.resume(stopped, world.supervisor_a)  # a cancelled import stays cancelled


def test_rows_with_problems_are_left_out_and_said_why(world):
    rows = family_rows(3)
    rows[2][4] = "؟"  # F-2's wife: no sex
    done = commit_now(world, receive_and_check(world, csv_bytes(rows))[0])
    assert (done.created, done.skipped, households()) == (2, 1, 2)
    assert [p[0] for p in done.summary["problems"]] == [4]  # the header is row 1
    assert done.summary.get("skipped", []) == []  # told once, by the preview


def test_persons_written_together_are_matched_with_the_register_and_with_each_other(world):
    from app.identity.models import DuplicatePair

    rows = family_rows(3)
    registered = commit_now(world, receive_and_check(world, csv_bytes(rows[:2]))[0])
    assert registered.created == 1
    twice = [["F-9", *rows[0][1:]], ["F-8", *rows[0][1:4], "أنثى", "ربة الأسرة"]]
    commit_now(world, receive_and_check(world, csv_bytes(twice), source="Ministry list")[0])
    pairs = db.session.scalars(sa.select(DuplicatePair)).all()
    households_paired = {frozenset((p.first.household_id, p.second.household_id)) for p in pairs}
    assert len(households_paired) == 3  # F-1 with F-9 and F-8, and F-9 with F-8
    assert {p.source for p in pairs} == {"import"}


def test_a_list_cancelled_before_its_job_starts_writes_nothing(world):
    imported, _found = receive_and_check(world, csv_bytes(family_rows(2)))
    services.queue_commit(imported, world.supervisor_a, launch=False)
    db.session.commit()
    services.cancel(imported, world.supervisor_a)
    db.session.commit()
    commit.commit_list(imported.id)  # the worker picks the job up afterwards
    stopped = db.session.get(ListImport, imported.id)
    assert (stopped.status, stopped.created, households()) == (ImportStatus.CANCELLED, 0, 0)


def test_why_a_household_was_left_out_is_written_in_the_importers_language(world):
    world.supervisor_a.locale = "ar"
    rows = family_rows(1)
    first, _found = receive_and_check(world, csv_bytes(rows))
    # The same family from another source, checked before the first list was committed.
    second, found = receive_and_check(world, csv_bytes(rows), source="Ministry list")
    assert found.households == 1
    assert commit_now(world, first).created == 1
    done = commit_now(world, second)
    assert (done.created, done.skipped) == (0, 1)
    (row, _column, message), *_rest = done.summary["skipped"]
    assert row == 2 and any("\u0600" <= ch <= "\u06ff" for ch in message)


def test_the_cli_imports_a_list_once_and_says_so(app, world, tmp_path):
    path = tmp_path / "قائمة.csv"
    path.write_bytes(csv_bytes(family_rows(3)))
    arguments = [
        "import", str(path), "--camp", world.camp.code, "--governorate", world.ninewa.iso_code,
        "--as", world.supervisor_a.username, "--template", "al-Hol camp administration",
    ]  # fmt: skip
    first = app.test_cli_runner().invoke(args=arguments)
    assert first.exit_code == 0, first.output
    assert "done: 3 households created" in first.output
    again = app.test_cli_runner().invoke(args=arguments)
    assert again.exit_code == 0, again.output
    assert "0 new households" in again.output and "3 unchanged" in again.output
    assert households() == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([[r[0], r[1], r[2], r[3], "؟", r[5]] for r in family_rows(2, 50)]))
    refused = app.test_cli_runner().invoke(args=[*arguments[:1], str(bad), *arguments[2:]])
    assert refused.exit_code == 1, refused.output
    assert households() == 3
