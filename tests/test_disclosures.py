"""Disclosure to a security body or a court: an agreement reference, a supervisor's approval
with their password, only identity, contact and documents, always in the audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.access.roles import Role
from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Household, MemberDocument, MemberNeed
from app.transfers.models import Disclosure
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    HouseholdFactory,
    MemberFactory,
    UserFactory,
)

AGREEMENT = "DSA-MOMD-NSS-2026/03"


@pytest.fixture
def nss(world):
    return AgencyFactory(code="NSS", kind="security", name_en="National Security Service")


@pytest.fixture
def household(world) -> Household:
    head = MemberFactory(given_name_ar="سلمى", given_name_en="Salma")
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        phone="+9647701234567",
        members=[head],
    )
    head.documents.append(MemberDocument(kind="civil_id"))
    head.needs.append(MemberNeed(code="SV-VA"))
    db.session.commit()
    return household


def _ask(browser, household, agency, **changes):
    data = {
        "agency_id": agency.id,
        "member_id": "",
        "groups": ["contact", "documents"],
        "agreement_reference": AGREEMENT,
        "purpose": "Identity check before departure clearance",
        **changes,
    }
    return browser.post(f"/households/{household.id}/disclose", data)


def _disclosure() -> Disclosure:
    db.session.expire_all()
    return db.session.scalars(sa.select(Disclosure)).one()


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_asked_by_a_caseworker_it_waits_and_discloses_nothing(world, login, household, nss):
    assert _ask(login("caseworker_a"), household, nss).status_code == 302
    disclosure = _disclosure()
    assert (disclosure.state, disclosure.snapshot) == ("requested", None)
    assert disclosure.group_list == ["contact", "documents", "identity"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "case.disclosure_requested")
    ).one()
    assert entry.detail["agency"] == "NSS" and entry.detail["agreement"] == AGREEMENT


def test_the_requester_cannot_approve_their_own(world, login, household, nss):
    caseworker = login("caseworker_a")
    _ask(caseworker, household, nss)
    disclosure = _disclosure()
    page = caseworker.get(f"/disclosures/{disclosure.id}").get_data(as_text=True)
    assert "Approve the disclosure" not in page and "Withdraw the request" in page
    # A second supervisor in the team, so that supervisor_a's own request may be asked at all
    # (someone else could approve it: app.workflow.approvals).
    UserFactory(role="supervisor", team=world.team_a, agency=world.team_a.agency)
    own = login("supervisor_a")
    _ask(own, household, nss, agreement_reference="DSA-2")
    mine = db.session.scalars(
        sa.select(Disclosure).where(Disclosure.agreement_reference == "DSA-2")
    ).one()
    refused = own.post(f"/disclosures/{mine.id}/approve", {"password": PASSWORD})
    assert refused.status_code == 422
    assert "You cannot approve or refuse your own request." in refused.get_data(as_text=True)


def test_approval_needs_the_supervisors_password_and_fixes_what_is_handed_over(
    world, login, household, nss
):
    _ask(login("caseworker_a"), household, nss)
    disclosure = _disclosure()
    supervisor = login("supervisor_a")
    address = f"/disclosures/{disclosure.id}/approve"
    wrong = supervisor.post(address, {"password": "not the password"})
    assert wrong.status_code == 422
    assert "The password is wrong. Type the password you log in with." in wrong.get_data(True)
    assert _disclosure().state == "requested"
    assert "auth.reauth_failed" in _actions()

    assert supervisor.post(address, {"password": PASSWORD}).status_code == 302
    disclosure = _disclosure()
    assert disclosure.state == "approved" and disclosure.decided_by_id == world.supervisor_a.id
    [member] = disclosure.snapshot["members"]
    assert member["name_ar"].startswith("سلمى") and member["documents"] == ["civil_id"]
    assert disclosure.snapshot["contact"]["phone"] == "+9647701234567"
    assert "needs" not in member and "protection_needs" not in member
    assert "case.disclosed" in _actions()

    # The snapshot is what was handed over: a later edit does not change it.
    db.session.get(Household, household.id).phone = "+9647809999999"
    db.session.commit()
    assert _disclosure().snapshot["contact"]["phone"] == "+9647701234567"


def test_the_receiving_body_reads_what_was_disclosed_and_nothing_else(
    world, login, make_browser, household, nss
):
    _ask(login("caseworker_a"), household, nss)
    disclosure = _disclosure()
    focal = UserFactory(username="nss.focal", role=Role.AGENCY_FOCAL.value, agency=nss)
    reader = make_browser()
    reader.login(focal)
    assert reader.get(f"/disclosures/{disclosure.id}").status_code == 404  # not yet approved
    login("supervisor_a").post(f"/disclosures/{disclosure.id}/approve", {"password": PASSWORD})

    listing = reader.get("/disclosures").get_data(as_text=True)
    assert household.case_number in listing
    page = reader.get(f"/disclosures/{disclosure.id}")
    assert page.status_code == 200 and "سلمى" in page.get_data(as_text=True)
    assert "disclosure.view" in _actions()
    assert reader.get(f"/households/{household.id}").status_code == 403  # never the file
    other_agency = login("focal")  # a focal point of another agency
    assert other_agency.get(f"/disclosures/{disclosure.id}").status_code == 404
    assert household.case_number not in other_agency.get("/disclosures").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"agency_id": "NGO"}, "agency_id", None),
        ({"groups": ["protection"]}, "groups", None),
        ({"agreement_reference": ""}, "agreement_reference", "data-sharing agreement"),
        ({"purpose": " "}, "purpose", "Say what the data is disclosed for."),
        ({"member_id": "STRANGER"}, "member_id", None),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_is_written(
    world, login, household, nss, changes, field, message
):
    stranger = HouseholdFactory(team=world.team_b, camp=world.camp).members[0]
    ngo = world.caseworker_b.agency
    values = {"NGO": ngo.id, "STRANGER": stranger.id}
    forged = {k: values.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    response = _ask(login("caseworker_a"), household, nss, **forged)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page or f"{field}-" in page
    if message:
        assert message in page
    assert db.session.scalars(sa.select(Disclosure)).all() == []


def test_the_service_refuses_protection_data_and_other_bodies(world, household, nss):
    from app.core.validation import ValidationFailed
    from app.transfers.disclosures import request_disclosure

    with pytest.raises(ValidationFailed) as refused:
        request_disclosure(
            household,
            None,
            world.caseworker_b.agency_id,
            ["protection"],
            "X",
            "Y",
            world.caseworker_a,
        )
    assert set(refused.value.errors) == {"agency_id", "groups"}


def test_refusing_needs_a_reason_and_only_the_requester_withdraws(world, login, household, nss):
    _ask(login("caseworker_a"), household, nss)
    disclosure = _disclosure()
    assert (
        login("caseworker_a2").post(f"/disclosures/{disclosure.id}/withdraw", {}).status_code == 422
    )
    supervisor = login("supervisor_a")
    empty = supervisor.post(f"/disclosures/{disclosure.id}/refuse", {"note": ""})
    assert empty.status_code == 422 and "Say why you refuse." in empty.get_data(as_text=True)
    answer = {"note": "No agreement covers this court"}
    assert supervisor.post(f"/disclosures/{disclosure.id}/refuse", answer).status_code == 302
    assert _disclosure().state == "refused" and _disclosure().snapshot is None


def test_another_team_neither_sees_nor_decides(world, login, household, nss):
    _ask(login("caseworker_a"), household, nss)
    disclosure = _disclosure()
    outsider = login("supervisor_b")
    assert outsider.get(f"/disclosures/{disclosure.id}").status_code == 404
    approve = outsider.post(f"/disclosures/{disclosure.id}/approve", {"password": PASSWORD})
    assert approve.status_code == 404
    assert _ask(outsider, household, nss).status_code == 404
    assert _disclosure().state == "requested"
