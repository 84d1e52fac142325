"""What real requests leave in the audit trail: logins, views, refusals and changes, chained."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import verify
from app.extensions import db
from tests.factories import PASSWORD, HouseholdFactory
from tests.forms import household_payload


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def _last(action: str) -> AuditEntry:
    return db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    )


def test_logins_failures_and_logout_are_recorded_without_passwords(world, make_browser):
    browser = make_browser()
    browser.get("/login")
    browser.post("/login", {"username": "caseworker.a", "password": "wrong password here"})
    browser.login(world.caseworker_a)
    browser.post("/logout", {})
    assert [a for a in _actions() if a.startswith(("login", "logout"))] == [
        "login.failure",
        "login.success",
        "logout",
    ]
    failure = _last("login.failure")
    assert failure.user_id is None and "wrong password" not in str(failure.detail)
    assert _last("login.success").user_id == world.caseworker_a.id


def test_a_household_view_a_refusal_and_a_change_are_recorded(world, login):
    household = HouseholdFactory(
        team=world.team_a, camp=world.camp, origin_governorate=world.ninewa
    )
    login("caseworker_a").get(f"/households/{household.id}")
    login("caseworker_b").get(f"/households/{household.id}")
    login("reporting").get("/households/")
    login("caseworker_a").post("/households/new", household_payload(world, camp_ref="X-9"))

    view = _last("household.view")
    assert (view.household_id, view.username) == (household.id, "caseworker.a")
    refusals = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "access.refused")
    ).all()
    assert {(r.username, r.detail["status"]) for r in refusals} >= {
        ("caseworker.b", 404),
        ("reporting", 403),
    }
    created = _last("case.registered")
    assert created.username == "caseworker.a" and created.household_id is not None
    assert verify() == (len(_actions()), None)


def test_a_refused_change_leaves_no_change_entry(world, login):
    before = len(_actions())
    login("caseworker_a").post("/households/new", household_payload(world, camp_ref=""))
    new = _actions()[before:]
    assert not any(a.startswith("case.") for a in new)


def test_an_edit_records_which_fields_changed_and_masks_the_phone(world, login):
    browser = login("caseworker_a")
    browser.post("/households/new", household_payload(world, camp_ref="E-1"))
    household = db.session.scalar(sa.select(sa.text("id FROM households")))
    page = browser.get(f"/households/{household}/edit").get_data(as_text=True)
    member_id = page.split('name="members-0-id" type="hidden" value="')[1].split('"')[0]
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    payload = household_payload(world, camp_ref="E-2", phone="0780 000 1111", version=version)
    payload.update({"members-0-id": member_id})
    payload = {k: v for k, v in payload.items() if not k.startswith(("members-1", "members-2"))}
    assert browser.post(f"/households/{household}/edit", payload).status_code == 302
    update = _last("case.updated")
    assert "camp_ref" in update.detail["fields"] and "phone" in update.detail["fields"]
    assert update.detail["changes"]["camp_ref"] == ["E-1", "E-2"]
    assert "phone" not in update.detail["changes"]  # its value is never copied here
    assert "0780" not in str(update.detail)


def test_user_changes_by_an_admin_are_recorded(world, login):
    admin = login("admin")
    admin.get(f"/admin/users/{world.caseworker_b.id}/edit")
    response = admin.post(
        f"/admin/users/{world.caseworker_b.id}/edit",
        {
            "username": "caseworker.b",
            "full_name": "Noor",
            "role": "supervisor",
            "agency": "NGO",
            "team": "Team B",
            "locale": "en",
            "active": "y",
            "email": "",
            "password": "",
            "your_password": PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    entry = _last("user.update")
    assert entry.username == "admin" and entry.target == f"user:{world.caseworker_b.id}"
    assert entry.detail["changes"]["role"] == ["caseworker", "supervisor"]
    assert PASSWORD not in str(entry.detail)


def test_giving_or_changing_a_role_needs_the_admins_own_password(world, login):
    admin = login("admin")
    admin.get(f"/admin/users/{world.caseworker_b.id}/edit")
    response = admin.post(
        f"/admin/users/{world.caseworker_b.id}/edit",
        {
            "username": "caseworker.b",
            "full_name": "Noor",
            "role": "admin",
            "agency": "NGO",
            "team": "Team B",
            "locale": "en",
            "active": "y",
            "email": "",
            "password": "",
            "your_password": "not my password at all",
        },
    )
    assert response.status_code == 422
    assert "The password is wrong. Type the password you log in with." in response.get_data(True)
    db.session.expire_all()
    assert db.session.get(type(world.caseworker_b), world.caseworker_b.id).role == "caseworker"
