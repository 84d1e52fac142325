"""Referrals: consent or a supervisor's override, only the shared field groups reach the agency,
every change by the right side, access ending when the referral closes, overdue over time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.core.dates import local_today
from app.extensions import db
from app.referrals.models import AgencyService, Referral
from app.referrals.states import CHANGES
from app.registry.models import Household, MemberDocument, MemberNeed
from tests.factories import PASSWORD, HouseholdFactory, MemberFactory

TOMORROW = (local_today() + timedelta(days=1)).isoformat()


@pytest.fixture
def legal_aid(world) -> AgencyService:
    """The NGO (where `focal` works) offers legal aid, receiving contact and documents."""
    service = AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity,contact,documents"
    )
    db.session.add(service)
    db.session.commit()
    return service


@pytest.fixture
def household(world) -> Household:
    head = MemberFactory(given_name_ar="سلمى", given_name_en="Salma")
    head.documents.append(MemberDocument(kind="civil_id"))
    head.needs.append(MemberNeed(code="SV-VA"))
    return HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        phone="+9647701234567",
        members=[head],
    )


def _refer(browser, household, service, consent=True, **changes):
    data = {
        "service_id": service.id,
        "member_id": "",
        "reason": "Marriage certificate lost in the camp",
        "urgency": "priority",
        "due_on": TOMORROW,
        "groups": ["documents"],
        **(
            {
                "consent_by": "Salma",
                "consent_on": local_today().isoformat(),
                "consent_method": "verbal",
            }
            if consent
            else {}
        ),
        **changes,
    }
    return browser.post(f"/households/{household.id}/refer", data)


def _referral() -> Referral:
    db.session.expire_all()
    return db.session.scalars(sa.select(Referral)).one()


def _act(browser, referral, action, note=""):
    return browser.post(f"/referrals/{referral.id}/{action}", {"note": note})


def test_with_consent_it_is_sent_and_the_agency_sees_only_what_was_shared(
    world, login, household, legal_aid
):
    assert _refer(login("caseworker_a"), household, legal_aid).status_code == 302
    referral = _referral()
    assert referral.state == "sent" and referral.shared == ["documents", "identity"]
    assert [e.to_state for e in referral.events] == ["draft", "sent"]

    focal = login("focal")
    assert household.case_number in focal.get("/referrals/inbox").get_data(as_text=True)
    page = focal.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "سلمى" in page and "Civil ID" in page  # identity and documents
    assert "+9647701234567" not in page and "Sexual violence" not in page  # not shared
    assert focal.get(f"/households/{household.id}").status_code == 403
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"case.referral_sent", "referral.view"} <= actions


def test_without_consent_it_waits_for_a_supervisors_override_with_password(
    world, login, household, legal_aid
):
    caseworker = login("caseworker_a")
    assert _refer(caseworker, household, legal_aid, consent=False).status_code == 302
    referral = _referral()
    assert referral.state == "draft"
    refused = _act(caseworker, referral, "send")
    assert refused.status_code == 422
    assert "Record consent, or ask a supervisor to override." in refused.get_data(as_text=True)
    assert login("focal").get(f"/referrals/{referral.id}").status_code == 404  # a draft

    address = f"/referrals/{referral.id}/override"
    reason = {"reason": "Court date tomorrow; the mother is in hospital"}
    assert caseworker.post(address, {**reason, "password": PASSWORD}).status_code == 422
    supervisor = login("supervisor_a")
    wrong = supervisor.post(address, {**reason, "password": "not it"})
    assert wrong.status_code == 422 and "The password is wrong." in wrong.get_data(as_text=True)
    assert _referral().state == "draft"
    assert supervisor.post(address, {**reason, "password": PASSWORD}).status_code == 302
    referral = _referral()
    assert referral.state == "sent" and referral.override_by_id == world.supervisor_a.id
    page = login("focal").get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Overridden by" in page and "Court date tomorrow" in page
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert "case.referral_consent_override" in actions


def test_the_agency_works_it_through_and_then_loses_the_shared_data(
    world, login, household, legal_aid
):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    focal = login("focal")
    assert _act(focal, referral, "accept").status_code == 302
    assert _act(focal, referral, "start").status_code == 302
    assert _act(focal, referral, "progress", "Lawyer met the family").status_code == 302
    assert _act(focal, referral, "complete").status_code == 422  # the outcome is required
    assert _act(focal, referral, "complete", "Certificate issued").status_code == 302
    assert _referral().state == "completed"
    page = focal.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Certificate issued" in page and "Lawyer met the family" in page  # what they recorded
    assert "سلمى" not in page and "Civil ID" not in page  # the shared data no longer


def test_revoked_by_the_sender_the_agency_no_longer_sees_the_data(
    world, login, household, legal_aid
):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    assert _act(login("focal"), referral, "revoke", "mistake").status_code == 422  # not theirs
    caseworker = login("caseworker_a")
    assert _act(caseworker, referral, "revoke").status_code == 422  # a reason is needed
    assert _act(caseworker, referral, "revoke", "The family withdrew consent").status_code == 302
    page = login("focal").get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Revoked" in page and "سلمى" not in page


@pytest.mark.parametrize(
    ("side", "action", "note"),
    [
        ("caseworker_a", "accept", ""),
        ("supervisor_a", "decline", "no"),
        ("focal", "send", ""),
        ("focal", "complete", "done"),  # not yet accepted
    ],
)
def test_a_change_by_the_wrong_side_or_out_of_turn_is_refused(
    world, login, household, legal_aid, side, action, note
):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    assert _act(login(side), referral, action, note).status_code == 422
    assert _referral().state == "sent"


def test_declining_needs_a_reason(world, login, household, legal_aid):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    focal = login("focal")
    refused = _act(focal, referral, "decline")
    assert refused.status_code == 422 and "This needs a note" in refused.get_data(as_text=True)
    assert _act(focal, referral, "decline", "We do not cover Ninewa").status_code == 302
    assert _referral().state == "declined"


def test_another_agency_and_another_team_reach_nothing(world, login, household, legal_aid):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    world.focal.agency = world.caseworker_a.agency  # now a focal point of another agency
    db.session.commit()
    other = login("focal")
    assert other.get(f"/referrals/{referral.id}").status_code == 404
    assert _act(other, referral, "accept").status_code == 404
    assert household.case_number not in other.get("/referrals/inbox").get_data(as_text=True)
    assert login("caseworker_b").get(f"/referrals/{referral.id}").status_code == 404
    assert _referral().state == "sent"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"groups": ["documents", "protection"]}, "groups"),
        ({"due_on": (local_today() - timedelta(days=1)).isoformat()}, "due_on"),
        ({"service_id": "INACTIVE"}, "service_id"),
        ({"member_id": "STRANGER"}, "member_id"),
        ({"consent_by": "Salma", "consent_on": "", "consent_method": "verbal"}, "consent_on"),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_is_written(
    world, login, household, legal_aid, changes, field
):
    inactive = AgencyService(agency=world.focal.agency, service="health", active=False)
    db.session.add(inactive)
    db.session.commit()
    stranger = HouseholdFactory(team=world.team_b, camp=world.camp).members[0]
    forged = {"INACTIVE": inactive.id, "STRANGER": stranger.id}
    changes = {k: forged.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    consent = "consent_by" not in changes
    response = _refer(login("caseworker_a"), household, legal_aid, consent=consent, **changes)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.get_data(as_text=True) or field == "groups"
    assert db.session.scalars(sa.select(Referral)).all() == []


def test_a_group_outside_the_allow_list_is_named(world, login, household, legal_aid):
    response = _refer(login("caseworker_a"), household, legal_aid, groups=["vulnerabilities"])
    assert response.status_code == 422
    assert "This service may not receive: vulnerabilities." in response.get_data(as_text=True)


def test_overdue_when_not_accepted_by_its_due_date(world, login, household, legal_aid, monkeypatch):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    from app.referrals import queries, services

    assert not services.is_overdue(referral)
    later = local_today() + timedelta(days=2)
    monkeypatch.setattr(services, "local_today", lambda: later)
    monkeypatch.setattr(queries, "local_today", lambda: later)
    assert services.is_overdue(_referral())
    for reader, address in (
        ("caseworker_a", "/referrals/shared-by-me?overdue=y"),
        ("supervisor_a", "/referrals/shared-by-me?overdue=y"),
        ("focal", "/referrals/inbox?overdue=y"),
    ):
        page = login(reader).get(address).get_data(as_text=True)
        assert household.case_number in page and "Overdue" in page, reader
    _act(login("focal"), referral, "accept")
    assert not services.is_overdue(_referral())  # accepted: no longer waiting


def test_lists_filter_by_state_and_service(world, login, household, legal_aid):
    _refer(login("caseworker_a"), household, legal_aid)
    focal = login("focal")
    assert household.case_number in focal.get("/referrals/inbox?state=sent").get_data(as_text=True)
    for query in ("state=completed", "service=health"):
        page = focal.get(f"/referrals/inbox?{query}").get_data(as_text=True)
        assert household.case_number not in page, query


def test_admins_keep_the_services_and_vetting_is_never_receivable(world, login):
    admin = login("admin")
    data = {"agency_id": world.focal.agency_id, "service": "psychosocial", "active": "y"}
    response = admin.post("/admin/services/new", {**data, "groups": ["contact", "protection"]})
    assert response.status_code == 302
    service = db.session.scalars(sa.select(AgencyService)).one()
    assert service.allowed == ["identity", "contact", "protection"]
    again = admin.post("/admin/services/new", data)
    assert again.status_code == 422
    assert "This agency already offers this service." in again.get_data(as_text=True)
    forged = admin.post(f"/admin/services/{service.id}", {**data, "groups": ["vetting"]})
    assert forged.status_code == 422
    assert login("caseworker_a").get("/admin/services").status_code == 403


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: f"{c.action}-from-{c.source}")
def test_every_change_by_its_side_only(world, login, household, legal_aid, change):
    _refer(login("caseworker_a"), household, legal_aid)
    referral = _referral()
    referral.state = change.source
    db.session.commit()
    right, wrong = (
        ("caseworker_a", "focal") if change.side == "sender" else ("focal", "caseworker_a")
    )
    refused = _act(login(wrong), referral, change.action, "a note")
    # A focal point never sees a draft: to them it does not exist.
    assert refused.status_code == (404 if change.source == "draft" and wrong == "focal" else 422)
    assert _referral().state == change.source
    assert _act(login(right), referral, change.action, "a note").status_code == 302
    assert _referral().state == change.target
    assert _referral().events[-1].actor_id == world.user(right).id


def test_dashboards_count_overdue_referrals(world, login, household, legal_aid, monkeypatch):
    _refer(login("caseworker_a"), household, legal_aid)
    from app.reports import dashboard

    later = local_today() + timedelta(days=3)
    monkeypatch.setattr(dashboard, "local_today", lambda: later)
    assert "1 overdue referral" in login("caseworker_a").get("/dashboard").get_data(as_text=True)
    assert "1 overdue referral" in login("supervisor_a").get("/dashboard").get_data(as_text=True)
    assert "0 overdue referrals" in login("caseworker_a2").get("/dashboard").get_data(as_text=True)


def test_the_households_history_names_each_referral_change(world, login, household, legal_aid):
    caseworker = login("caseworker_a")
    assert _refer(caseworker, household, legal_aid).status_code == 302
    assert _act(login("focal"), _referral(), "accept").status_code == 302
    page = caseworker.get(f"/households/{household.id}").get_data(as_text=True)
    agency = world.focal.agency.code
    assert f"Referral to {agency}: Sent" in page and f"Referral to {agency}: Accepted" in page
    assert "referral_sent" not in page and "referral_accepted" not in page
