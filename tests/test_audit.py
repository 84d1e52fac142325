"""The audit trail: buffered recording, the hash chain and its verification, the page and the
export that only admins and auditors may see."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask_login import login_user

from app.audit import services as audit
from app.audit.cli import audit_cli
from app.audit.labels import action_label
from app.audit.models import AuditEntry
from app.extensions import db
from app.referrals.states import STATES
from tests.factories import PASSWORD, HouseholdFactory, UserFactory


def write(action: str, **kwargs) -> AuditEntry:
    """Record one entry and write it, as the end of a request would."""
    audit.record(action, **kwargs)
    audit.write_buffer(committed=True)
    db.session.commit()
    return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def verify_cli(app):
    return app.test_cli_runner().invoke(audit_cli, ["verify"])


# --- recording -------------------------------------------------------------------------------


def test_record_buffers_until_the_end_of_the_request(app):
    audit.record("household.view", household_id=7)
    assert entries() == []
    assert audit.write_buffer(committed=True) == 1
    db.session.commit()
    (entry,) = entries()
    assert (entry.action, entry.household_id, entry.user_id) == ("household.view", 7, None)
    assert audit.write_buffer(committed=True) == 0  # the buffer was emptied


def test_change_entries_are_dropped_when_the_request_did_not_commit(app):
    audit.record("household.view", household_id=1)
    audit.record("case.stage_change", household_id=1, change=True, to_stage="vetting")
    audit.record("access.refused", attempted="household.edit", status=403)
    assert audit.write_buffer(committed=False) == 2
    db.session.commit()
    assert [e.action for e in entries()] == ["household.view", "access.refused"]


def test_change_entries_are_written_when_the_request_committed(app):
    audit.record("case.stage_change", household_id=1, change=True)
    assert audit.write_buffer(committed=True) == 1


def test_record_outside_an_app_context_writes_nothing(app):
    from flask.globals import _cv_app

    token = _cv_app.set(None)
    try:
        audit.record("household.view", household_id=1)
        assert audit.write_buffer(committed=True) == 0
    finally:
        _cv_app.reset(token)
    assert "audit_buffer" not in g


def test_the_user_and_client_address_are_recorded(app, world):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        audit.record("login.success", user=world.caseworker_a)
        audit.record("login.failure", username="nobody")
        audit.write_buffer(committed=True)
    db.session.commit()
    success, failure = entries()
    assert (success.user_id, success.username) == (world.caseworker_a.id, "caseworker.a")
    assert success.client == "10.1.2.3"
    assert (failure.user_id, failure.username, failure.detail) == (
        None,
        None,
        {"username": "nobody"},
    )


def test_the_logged_in_user_is_recorded(app, world):
    with app.test_request_context():
        login_user(world.admin)
        audit.record("household.view", household_id=3)
        audit.write_buffer(committed=True)
    db.session.commit()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "household.view")
    ).one()
    assert (entry.user_id, entry.username) == (world.admin.id, "admin")


def test_detail_is_stored_as_json_gives_it_back(app):
    entry = write("report.run", day=date(2026, 3, 1), pair=(1, 2), note="مرحبا")
    assert entry.detail == {"day": "2026-03-01", "pair": [1, 2], "note": "مرحبا"}
    assert audit.verify() == (1, None)


# --- masking ---------------------------------------------------------------------------------


def test_mask_hides_restricted_values():
    values = {"phone": "0770", "vetting_result": "flagged"}
    assert audit.mask(values, {"vetting_result"}) == {"phone": "0770", "vetting_result": "***"}


def test_changes_lists_differences_masked():
    before = {"phone": "0770", "vetting_result": "pending", "shelter": "A1"}
    after = {"phone": "0771", "vetting_result": "cleared", "shelter": "A1", "notes": "x"}
    assert audit.changes(before, after, {"vetting_result"}) == {
        "phone": ["0770", "0771"],
        "vetting_result": ["***", "***"],
        "notes": [None, "x"],
    }


# --- the hash chain --------------------------------------------------------------------------


def test_the_chain_links_each_entry_to_the_one_before(app):
    first, second, third = write("a"), write("b"), write("c")
    assert first.previous_hash == audit.GENESIS
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert all(audit.entry_hash(e) == e.entry_hash for e in (first, second, third))
    assert audit.verify() == (3, None)


def test_the_hash_survives_the_database_round_trip(app):
    write("household.view", household_id=5, target="user:1", filters={"b": 1, "a": [1, "x"]})
    db.session.expire_all()
    (entry,) = entries()
    assert audit.entry_hash(entry) == entry.entry_hash


def test_verify_command_reports_an_intact_trail(app):
    for action in ("a", "b", "c"):
        write(action)
    result = verify_cli(app)
    assert result.exit_code == 0, result.output
    assert "Audit trail intact: 3 entries." in result.output


def test_verify_command_finds_an_edited_entry(app):
    _first, second, _third = write("a"), write("b"), write("c")
    db.session.execute(
        sa.update(AuditEntry).where(AuditEntry.id == second.id).values(action="tampered")
    )
    db.session.commit()
    result = verify_cli(app)
    assert result.exit_code == 1
    assert f"Audit trail broken at entry #{second.id} (tampered at " in result.output
    assert "does not match its hash" in result.output


def test_verify_command_finds_an_edited_entry_whose_hash_was_recomputed(app):
    _first, second, third = write("a"), write("b"), write("c")
    second.action = "tampered"
    second.entry_hash = audit.entry_hash(second)
    db.session.commit()
    assert audit.verify() == (3, third)


def test_verify_command_finds_a_removed_entry(app):
    first, second, third = write("a"), write("b"), write("c")
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == second.id))
    db.session.commit()
    result = verify_cli(app)
    assert result.exit_code == 1
    assert f"Audit trail broken at entry #{third.id} (c at " in result.output
    assert f"does not follow entry #{first.id}" in result.output


def test_verify_finds_a_removed_first_entry(app):
    first, second = write("a"), write("b")
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == first.id))
    db.session.commit()
    assert audit.verify() == (1, second)


def test_two_entries_after_the_same_hash_cannot_both_be_written(app):
    first = write("a")
    stale = first.previous_hash  # what a second request read before `first` was written
    pending = audit.Pending(
        at=datetime.now(UTC),
        action="b",
        change=False,
        user_id=None,
        username=None,
        client=None,
        household_id=None,
        target=None,
    )
    assert audit._insert(pending, stale) is None
    with pytest.raises(sa.exc.IntegrityError):
        audit._insert(pending, stale, final=True)
    db.session.rollback()
    assert [e.action for e in entries()] == ["a"]


def test_a_writer_that_read_a_stale_end_of_chain_retries(app, monkeypatch):
    first = write("a")
    real_last_hash = audit._last_hash
    answers = iter([audit.GENESIS])  # the end of the chain as it was before `first`
    monkeypatch.setattr(audit, "_last_hash", lambda: next(answers, None) or real_last_hash())
    second = write("b")
    assert second.previous_hash == first.entry_hash
    assert audit.verify() == (2, None)


# --- the page --------------------------------------------------------------------------------


@pytest.fixture
def trail(app, world):
    """Entries by two users about two households on two days."""
    household = HouseholdFactory(team=world.team_a, camp=world.camp)
    other = HouseholdFactory(team=world.team_a, camp=world.camp)
    rows = [
        ("household.view", world.caseworker_a, household.id, datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("case.stage_change", world.caseworker_a, other.id, datetime(2026, 3, 2, 9, tzinfo=UTC)),
        ("user.update", world.admin, None, datetime(2026, 3, 3, 9, tzinfo=UTC)),
    ]
    for action, user, household_id, at in rows:
        audit.record(action, user=user, household_id=household_id, target="=cmd|' /C calc'!A0")
        # Set the time the entry happened before it is hashed and written.
        g.audit_buffer[-1] = audit.Pending(**{**vars(g.audit_buffer[-1]), "at": at})
    audit.write_buffer(committed=True)
    db.session.commit()
    return household, other


@pytest.fixture
def auditor(world):
    return UserFactory(username="auditor", role="auditor", agency=world.admin.agency)


def _auditor_browser(make_browser, auditor):
    browser = make_browser()
    browser.login(auditor, PASSWORD)
    return browser


def _rows(response) -> str:
    """The page below the filter form (whose action list names every action)."""
    return response.get_data(as_text=True).rsplit("</form>", 1)[1]


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_admins_and_auditors_see_the_trail(app, trail, login, make_browser, auditor, who):
    browser = login("admin") if who == "admin" else _auditor_browser(make_browser, auditor)
    household, other = trail
    page = _rows(browser.get("/audit/"))
    assert "household.view" in page and "case.stage_change" in page and "user.update" in page
    assert household.case_number in page and other.case_number in page

    by_user = _rows(browser.get("/audit/?username=admin"))
    assert "user.update" in by_user and "household.view" not in by_user

    by_case = _rows(browser.get(f"/audit/?case_number={other.case_number.lower()}"))
    assert "case.stage_change" in by_case and "household.view" not in by_case

    by_action = _rows(browser.get("/audit/?action=household.view"))
    assert "household.view" in by_action and "user.update" not in by_action

    by_dates = _rows(browser.get("/audit/?date_from=2026-03-02&date_to=2026-03-02"))
    assert "case.stage_change" in by_dates
    assert "household.view" not in by_dates and "user.update" not in by_dates


def test_a_range_the_wrong_way_round_is_explained_not_searched(app, trail, login):
    response = login("admin").get("/audit/?date_from=2026-03-03&date_to=2026-03-01")
    assert response.status_code == 200
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert "household.view" not in _rows(response)


def test_an_unknown_case_number_is_explained(app, trail, login):
    response = login("admin").get("/audit/?case_number=AWD-1999-000001")
    assert response.status_code == 200
    assert "No household has this case number." in response.get_data(as_text=True)
    assert "household.view" not in _rows(response)


def test_a_bad_date_or_action_is_explained_not_a_server_error(app, trail, login):
    browser = login("admin")
    assert browser.get("/audit/?date_from=yesterday").status_code == 200
    assert browser.get("/audit/?action=nothing.such").status_code == 200
    assert browser.get("/audit/?page=x").status_code == 200


@pytest.mark.parametrize(
    "role", ["caseworker_a", "caseworker_b", "supervisor_a", "screener", "focal", "reporting"]
)
def test_other_roles_are_refused(app, trail, login, role):
    browser = login(role)
    assert browser.get("/audit/").status_code == 403
    assert browser.get("/audit/export.csv").status_code == 403


def test_anonymous_users_are_sent_to_log_in(app, make_browser):
    browser = make_browser()
    assert browser.get("/audit/").status_code == 302
    assert browser.get("/audit/export.csv").status_code == 302


def test_there_is_no_way_to_change_the_trail(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule


# --- the export ------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_export_gives_the_filtered_entries_as_csv(app, trail, make_browser, auditor):
    household, _other = trail
    response = _auditor_browser(make_browser, auditor).get(
        "/audit/export.csv?username=caseworker.a"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="audit-' in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.csv"')
    header, *rows = _csv(response)
    assert header[:6] == ["Entry", "Time (UTC)", "User ID", "User", "Client", "Action"]
    assert [row[5] for row in rows] == ["case.stage_change", "household.view"]
    assert rows[1][6] == household.case_number
    assert rows[1][1] == "2026-03-01T09:00:00.000000Z"


def test_export_neutralises_cells_a_spreadsheet_would_run(app, trail, login):
    audit.record("report.run", note="+SUM(A1)", other="@x", tab="\tx", minus="-1")
    audit.write_buffer(committed=True)
    db.session.commit()
    _header, *rows = _csv(login("admin").get("/audit/export.csv"))
    assert {row[7] for row in rows if row[7]} == {"'=cmd|' /C calc'!A0"}
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_export_is_itself_audited(app, trail, login, world):
    browser = login("admin")
    response = browser.get("/audit/export.csv?action=household.view")
    assert len(_csv(response)) == 2
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "audit.export")
    ).one()
    assert entry.user_id == world.admin.id
    assert entry.detail == {"count": 1, "filters": {"action": "household.view"}}
    assert audit.verify() == (len(entries()), None)

    _header, *rows = _csv(browser.get("/audit/export.csv"))
    assert "audit.export" in {row[5] for row in rows}  # the earlier export
    latest = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert latest.action == "audit.export" and latest.detail["count"] == len(rows)
    assert latest.id not in {int(row[0]) for row in rows}  # not in the file it describes


def test_an_export_with_bad_filters_explains_them(app, trail, login):
    response = login("admin").get("/audit/export.csv?date_from=2026-03-03&date_to=2026-03-01")
    assert response.status_code == 200
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_actions_are_named_in_the_readers_language_beside_their_code(app, trail, login, world):
    world.admin.locale = "ar"
    db.session.commit()
    page = _rows(login("admin").get("/audit/"))
    assert "فتح صفحة الأسرة" in page and "household.view" in page
    assert "تغيير مستخدم" in page and "user.update" in page


def test_every_action_the_code_writes_has_a_name():
    """Codes written literally, case-event kinds and the codes put together at run time."""
    source = "\n".join(p.read_text() for p in Path("app").rglob("*.py"))
    literal = set(re.findall(r'audit\.record\(\s*"([a-z_.]+[a-z])"', source))
    kinds = set(re.findall(r'(?:record|_history)\(\s*[\w.]+,\s*"([a-z_]+[a-z])"', source))
    literal |= {f"reference.agency_service.{verb}" for verb in ("create", "update")}
    kinds |= {f"referral_{state}" for state in (*STATES, "progress", "consent_override")}
    codes = literal | {f"case.{kind}" for kind in kinds}
    assert len(codes) > 30
    unnamed = sorted(code for code in codes if action_label(code) == code)
    assert not unnamed
