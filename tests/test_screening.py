"""Security vetting and the assessments: versions, validation, who records and who reads what,
judiciary routing, history events, and the facts the workflow's preconditions read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user

from app.core.dates import local_today
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household, Member
from app.screening import services
from app.screening.models import Assessment
from tests.factories import HouseholdFactory, MemberFactory

LAST_WEEK = (local_today() - timedelta(days=7)).isoformat()
LAST_MONTH = (local_today() - timedelta(days=30)).isoformat()
# Two days on: the future even where the users are (Baghdad is ahead of a UTC server).
LATER = (local_today() + timedelta(days=2)).isoformat()

# A valid post per kind, the edit made to it, and a value each version shows on its page.
VALID = {
    "vetting": {
        "outcome": "cleared",
        "decision_date": LAST_MONTH,
        "deciding_body": "nss",
        "reference": "NSS/2026/17",
        "notes": "",
    },
    "protection": {
        "specific_needs": ["WR-FH", "SV-VA"],
        "risk_level": "medium",
        "needs": "Legal help for the marriage certificate",
        "recommended_services": ["legal_aid", "psychosocial"],
    },
    "documentation": {
        "documents-civil_id-status": "missing",
        "documents-civil_id-blocker": "Father's ID lost in Mosul",
        "documents-birth_certificate-status": "held",
    },
    "psychosocial": {
        "flags": ["distress"],
        "referral_needs": ["psychosocial"],
        "note": "Asked for a female counsellor",
    },
    "acceptance": {
        "mukhtar_letter": "y",
        "letter_date": LAST_MONTH,
        "committee_decision": "approved",
        "committee_date": LAST_WEEK,
        "destination_confirmed": "y",
        "concerns": "None raised at the meeting",
    },
}
EDITS = {
    "vetting": ({"reference": "NSS/2026/18"}, "NSS/2026/17", "NSS/2026/18"),
    "protection": ({"needs": "Shelter before winter"}, "marriage certificate", "Shelter before"),
    "documentation": (
        {"documents-civil_id-blocker": "Court date set"},
        "lost in Mosul",
        "Court date set",
    ),
    "psychosocial": ({"note": "Seen by a counsellor"}, "female counsellor", "Seen by a"),
    "acceptance": ({"concerns": "A neighbour objected"}, "None raised", "A neighbour objected"),
}
RECORDER = {kind: "screener" if kind == "vetting" else "caseworker_a" for kind in VALID}
MEMBER_KINDS = ("vetting", "protection", "documentation", "psychosocial")


def adult(name: str, relationship: str = "son", sex: str = "M") -> Member:
    return MemberFactory(given_name_en=name, sex=sex, relationship=relationship)


def make_household(world, members=None, stage: str = "vetting") -> Household:
    """A household of team A at a stage the screener sees."""
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=members if members is not None else [MemberFactory(), adult("Omar")],
    )
    household.stage = stage
    db.session.commit()
    return household


@pytest.fixture
def household(world) -> Household:
    return make_household(world)


def url(household: Household, kind: str, member: Member | None = None, suffix: str = "") -> str:
    if member is None and kind in MEMBER_KINDS:
        member = household.members[0]
    if member is None:
        return f"/households/{household.id}/assessments/{kind}{suffix}"
    return f"/households/{household.id}/members/{member.id}/assessments/{kind}{suffix}"


def based_on(page: str) -> str:
    found = re.search(r'id="based_on" name="based_on" type="hidden" value="(\d*)"', page)
    assert found, "the form carries the version it was opened at"
    return found.group(1)


def submit(browser, address: str, values: dict):
    """Open the form, then post it as a browser would: with the version it was opened at."""
    page = browser.get(address).get_data(as_text=True)
    return browser.post(address, {**values, "based_on": based_on(page)})


def stored(household: Household, kind: str) -> list[Assessment]:
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.household_id == household.id, Assessment.kind == kind)
            .order_by(Assessment.version)
        )
    )


def events(household: Household, kind: str | None = None) -> list[CaseEvent]:
    query = sa.select(CaseEvent).where(CaseEvent.household_id == household.id)
    if kind is not None:
        query = query.where(CaseEvent.kind == kind)
    return list(db.session.scalars(query.order_by(CaseEvent.id)))


def errors_beside(page: str, field_id: str) -> str:
    marker = f'id="{field_id}-errors"'
    assert marker in page, f"no error shown beside {field_id}"
    start = page.index(marker)
    return page[start : page.index("</ul>", start)]


# --- saving and versions ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(VALID))
def test_each_kind_is_saved_and_an_edit_keeps_the_earlier_version(login, household, kind):
    browser = login(RECORDER[kind])
    address = url(household, kind)
    first = submit(browser, address, VALID[kind])
    assert first.status_code == 302
    assert first.location.endswith(f"/households/{household.id}")

    form = browser.get(address).get_data(as_text=True)
    assert based_on(form) == "1"
    change, old_text, new_text = EDITS[kind]
    assert old_text in form  # the form is filled from the current version
    assert submit(browser, address, {**VALID[kind], **change}).status_code == 302

    first_version, second_version = stored(household, kind)
    assert (first_version.version, first_version.current) == (1, False)
    assert (second_version.version, second_version.current) == (2, True)
    assert services.current(household, kind, first_version.member_id) == second_version
    page = browser.get(url(household, kind, suffix="/versions")).get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page
    assert page.index(new_text) < page.index(old_text)  # newest first, both kept


def test_stored_data_uses_codes_and_iso_dates(login, household):
    submit(login("screener"), url(household, "vetting"), VALID["vetting"])
    submit(login("caseworker_a"), url(household, "documentation"), VALID["documentation"])
    [vetting] = stored(household, "vetting")
    assert vetting.data == {
        "outcome": "cleared",
        "decision_date": LAST_MONTH,
        "deciding_body": "nss",
        "reference": "NSS/2026/17",
        "notes": None,
    }
    [documentation] = stored(household, "documentation")
    rows = documentation.data["documents"]
    assert "isis_issued" not in rows
    assert rows["civil_id"] == {"status": "missing", "blocker": "Father's ID lost in Mosul"}
    assert rows["birth_certificate"] == {"status": "held", "blocker": None}
    assert rows["marriage_certificate"] == {"status": None, "blocker": None}


def test_versions_page_shows_who_when_and_labels(world, login, household):
    browser = login("screener")
    submit(browser, url(household, "vetting"), VALID["vetting"])
    page = browser.get(url(household, "vetting", suffix="/versions")).get_data(as_text=True)
    assert world.screener.full_name in page
    assert "National Security Service" in page and "Cleared" in page


BAD_INPUT = [
    ("vetting", "future decision", {"decision_date": LATER}, "decision_date", "future"),
    ("vetting", "no outcome", {"outcome": ""}, "outcome", "Choose the outcome"),
    ("vetting", "long reference", {"reference": "R" * 61}, "reference", "60"),
    ("protection", "unknown risk", {"risk_level": "extreme"}, "risk_level", "valid choice"),
    ("protection", "no risk", {"risk_level": ""}, "risk_level", "Choose the risk level"),
    ("protection", "unknown need", {"specific_needs": ["XX-NO"]}, "specific_needs", "“XX-NO” is"),
    (
        "documentation",
        "blocker without status",
        {"documents-civil_id-status": ""},
        "documents-civil_id-status",
        "status first",
    ),
    (
        "documentation",
        "long blocker",
        {"documents-civil_id-blocker": "b" * 201},
        "documents-civil_id-blocker",
        "200",
    ),
    ("psychosocial", "long note", {"note": "n" * 501}, "note", "500"),
    (
        "acceptance",
        "decided without date",
        {"committee_date": ""},
        "committee_date",
        "date of the committee",
    ),
    ("acceptance", "letter without date", {"letter_date": ""}, "letter_date", "mukhtar"),
    ("acceptance", "future letter", {"letter_date": LATER}, "letter_date", "future"),
]


@pytest.mark.parametrize(
    ("kind", "case", "change", "field_id", "message"), BAD_INPUT, ids=[c[1] for c in BAD_INPUT]
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(
    login, household, kind, case, change, field_id, message
):
    browser = login(RECORDER[kind])
    response = submit(browser, url(household, kind), {**VALID[kind], **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message.lower() in errors_beside(page, field_id).lower()
    assert stored(household, kind) == []
    assert events(household, "assessment_recorded") == []


def test_refused_input_stays_in_the_form(login, household):
    browser = login("caseworker_a")
    payload = {**VALID["protection"], "risk_level": "", "needs": "Typed before the error"}
    page = submit(browser, url(household, "protection"), payload).get_data(as_text=True)
    assert "Typed before the error" in page
    assert re.search(r'value="WR-FH"[^>]*checked|checked[^>]*value="WR-FH"', page)


def test_documentation_needs_at_least_one_status(login, household):
    browser = login("caseworker_a")
    response = submit(browser, url(household, "documentation"), {})
    assert response.status_code == 422
    assert "at least one document" in response.get_data(as_text=True)
    assert stored(household, "documentation") == []


def test_a_save_from_an_older_version_is_refused_and_keeps_the_input(world, login, household):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    address = url(household, "protection")
    omar_version = based_on(omar.get(address).get_data(as_text=True))
    assert submit(amal, address, VALID["protection"]).status_code == 302

    late = {**VALID["protection"], "needs": "Omar's view", "based_on": omar_version}
    refused = omar.post(address, late)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Not saved" in page and world.caseworker_a.full_name in page
    assert "Omar&#39;s view" in page
    assert len(stored(household, "protection")) == 1

    assert f'href="{address}/versions" target="_blank"' in page

    again = omar.post(address, {**late, "based_on": based_on(page)})  # now deliberate
    assert again.status_code == 302
    assert [a.version for a in stored(household, "protection")] == [1, 2]


def test_a_save_refused_after_ones_own_in_another_tab_says_so(world, login, household):
    amal = login("caseworker_a")
    address = url(household, "protection")
    first_tab = based_on(amal.get(address).get_data(as_text=True))
    assert submit(amal, address, VALID["protection"]).status_code == 302  # the second tab

    late = {**VALID["protection"], "needs": "From the first tab", "based_on": first_tab}
    refused = amal.post(address, late)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "you recorded version 1 of this assessment yourself" in page
    assert "in another tab or window" in page
    assert world.caseworker_a.full_name + " recorded" not in page
    assert "From the first tab" in page


# --- who records and who reads ------------------------------------------------------------


def test_caseworker_can_neither_record_nor_read_vetting(login, household):
    submit(login("screener"), url(household, "vetting"), VALID["vetting"])
    browser = login("caseworker_a")
    assert browser.get(url(household, "vetting")).status_code == 403
    assert browser.post(url(household, "vetting"), VALID["vetting"]).status_code == 403
    assert browser.get(url(household, "vetting", suffix="/versions")).status_code == 403
    assert len(stored(household, "vetting")) == 1


@pytest.mark.parametrize("kind", ["protection", "documentation", "psychosocial", "acceptance"])
def test_screener_can_neither_record_nor_read_the_other_assessments(login, household, kind):
    submit(login("caseworker_a"), url(household, kind), VALID[kind])
    browser = login("screener")
    assert browser.get(url(household, kind)).status_code == 403
    assert browser.post(url(household, kind), VALID[kind]).status_code == 403
    assert browser.get(url(household, kind, suffix="/versions")).status_code == 403
    assert len(stored(household, kind)) == 1


def test_other_team_and_screener_before_vetting_get_404(world, login):
    household = make_household(world, stage="registered")
    for role in ("caseworker_b", "supervisor_b", "screener"):
        assert login(role).get(url(household, "protection")).status_code == 404


def test_a_member_of_another_household_answers_404(world, login, household):
    other = make_household(world)
    stranger = other.members[0]
    browser = login("caseworker_a")
    crafted = url(household, "protection", member=stranger)
    assert browser.get(crafted).status_code == 404
    assert browser.post(crafted, {**VALID["protection"], "based_on": "0"}).status_code == 404
    assert browser.get(url(household, "protection", stranger, "/versions")).status_code == 404
    assert stored(household, "protection") == stored(other, "protection") == []


def test_kinds_are_served_only_at_their_own_urls(login, household):
    browser = login("caseworker_a")
    member = household.members[0]
    assert browser.get(url(household, "acceptance", member=member)).status_code == 404
    assert browser.get(f"/households/{household.id}/assessments/protection").status_code == 404
    assert browser.get(url(household, "nonsense", member=member)).status_code == 404


def test_the_service_checks_the_actor_and_the_member(world, household):
    other = make_household(world)
    with pytest.raises(services.NotPermitted):
        services.save_assessment(
            "vetting", household, household.members[0], VALID["vetting"], world.caseworker_a
        )
    with pytest.raises(ValidationFailed):
        services.save_assessment(
            "protection", household, other.members[0], VALID["protection"], world.caseworker_a
        )
    with pytest.raises(ValidationFailed):
        services.save_assessment(
            "acceptance", household, household.members[0], {}, world.caseworker_a
        )
    with pytest.raises(LookupError):
        services.save_assessment("hearsay", household, None, {}, world.caseworker_a)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0


def test_the_service_keeps_only_known_fields_and_codes(world, household):
    member = household.members[0]
    data = {**VALID["psychosocial"], "diagnosis": "not for this system"}
    saved = services.save_assessment("psychosocial", household, member, data, world.caseworker_a)
    assert "diagnosis" not in saved.data
    with pytest.raises(ValidationFailed) as refused:
        services.save_assessment(
            "psychosocial", household, member, {"flags": ["telepathy"]}, world.caseworker_a
        )
    assert "flags" in refused.value.errors


def _section(app, user, household) -> str:
    with app.test_request_context():
        login_user(user)
        return render_template("screening/_household_section.html", household=household)


def test_case_staff_see_vetting_only_as_pending_or_complete(app, world, login):
    world.screener.full_name = "Samir Screener"
    db.session.commit()
    household = make_household(world)
    head, son = household.members
    submit(login("screener"), url(household, "vetting", head), VALID["vetting"])

    summary = services.summary_for(world.caseworker_a, household)
    vetting = {row.member.id: row.statuses[0] for row in summary.members}
    assert vetting[head.id].kind.key == "vetting"
    assert vetting[head.id].recorded and vetting[head.id].withheld
    assert vetting[head.id].version is None and vetting[head.id].author is None
    assert not vetting[son.id].recorded

    page = _section(app, world.caseworker_a, household)
    assert "Complete" in page and "Pending" in page
    assert "Samir Screener" not in page and "Cleared" not in page
    assert "/assessments/vetting" not in page  # no link to the form or the versions
    assert f"/members/{head.id}/assessments/protection" in page


def test_screener_sees_vetting_and_nothing_else(app, world, login, household):
    world.screener.full_name = "Samir Screener"
    db.session.commit()
    head = household.members[0]
    submit(login("screener"), url(household, "vetting", head), VALID["vetting"])
    submit(login("caseworker_a"), url(household, "protection", head), VALID["protection"])

    summary = services.summary_for(world.screener, household)
    assert [k.key for k in summary.member_kinds] == ["vetting"]
    assert summary.household == ()
    page = _section(app, world.screener, household)
    assert "Version 1" in page and "Samir Screener" in page
    assert f"/members/{head.id}/assessments/vetting/versions" in page
    assert "protection" not in page.lower() and "acceptance" not in page.lower()


def test_the_household_page_shows_the_section_to_each_reader(login, household):
    head = household.members[0]
    submit(login("screener"), url(household, "vetting", head), VALID["vetting"])
    page = login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    assert "Screening and assessments" in page and "Complete" in page
    assert f"/members/{head.id}/assessments/protection" in page
    assert "/assessments/vetting" not in page
    page = login("screener").get(f"/households/{household.id}").get_data(as_text=True)
    assert f"/members/{head.id}/assessments/vetting/versions" in page
    assert "/assessments/protection" not in page


def test_roles_without_the_household_get_no_summary(world, household):
    for user in (world.admin, world.focal, world.reporting, world.caseworker_b):
        assert not services.summary_for(user, household)


# --- vetting outcomes ---------------------------------------------------------------------


def test_judiciary_routes_the_member_and_a_later_outcome_does_not_bring_them_back(
    world, login, household
):
    son = household.members[1]
    browser = login("screener")
    address = url(household, "vetting", son)
    assert submit(browser, address, {**VALID["vetting"], "outcome": "judiciary"}).status_code == 302
    assert db.session.get(Member, son.id).route == "judiciary"
    [routed] = events(household, "member_routed")
    assert routed.member_id == son.id
    assert routed.actor_id == world.screener.id
    assert routed.detail["restricted"] == "vetting"

    assert submit(browser, address, VALID["vetting"]).status_code == 302  # now "cleared"
    assert db.session.get(Member, son.id).route == "judiciary"
    assert len(events(household, "member_routed")) == 1


def test_vetting_complete_needs_every_adult_cleared_or_routed_apart(world):
    head, son = adult("Fatima", "head", "F"), adult("Omar")
    child = MemberFactory(given_name_en="Zainab", relationship="daughter", birth_date=local_today())
    household = make_household(world, members=[head, son, child])

    def vet(member: Member, outcome: str) -> None:
        data = {**VALID["vetting"], "outcome": outcome}
        services.save_assessment("vetting", household, member, data, world.screener)

    assert not services.vetting_complete(household)
    vet(head, "cleared")
    assert not services.vetting_complete(household)
    vet(son, "hold")
    assert not services.vetting_complete(household)
    vet(son, "cleared")
    assert services.vetting_complete(household)  # the child is under vetting age
    vet(head, "hold")  # only the current version counts
    assert not services.vetting_complete(household)
    vet(head, "judiciary")  # routed apart: no longer holds the household back
    assert services.vetting_complete(household)


@pytest.mark.parametrize(
    ("change", "granted"),
    [
        ({}, True),
        ({"committee_decision": "pending"}, False),
        ({"committee_decision": "refused"}, False),
        ({"destination_confirmed": False}, False),
        ({"mukhtar_letter": False, "letter_date": None}, False),
    ],
)
def test_community_acceptance_needs_letter_approval_and_destination(
    world, household, change, granted
):
    data = {**VALID["acceptance"], "mukhtar_letter": True, "destination_confirmed": True}
    assert not services.community_acceptance_granted(household)
    services.save_assessment("acceptance", household, None, {**data, **change}, world.caseworker_a)
    assert services.community_acceptance_granted(household) is granted


def test_only_the_current_acceptance_counts(world, household):
    data = {**VALID["acceptance"], "mukhtar_letter": True, "destination_confirmed": True}
    services.save_assessment("acceptance", household, None, data, world.caseworker_a)
    refused = {**data, "committee_decision": "refused"}
    services.save_assessment("acceptance", household, None, refused, world.supervisor_a)
    assert not services.community_acceptance_granted(household)


# --- history ------------------------------------------------------------------------------


def test_every_save_is_in_the_history_and_vetting_events_tell_no_outcome(world, login, household):
    head = household.members[0]
    for kind in VALID:
        submit(login(RECORDER[kind]), url(household, kind), VALID[kind])
    recorded = events(household, "assessment_recorded")
    assert [(e.detail["assessment"], e.detail["version"]) for e in recorded] == [
        (kind, 1) for kind in VALID
    ]
    by_kind = {e.detail["assessment"]: e for e in recorded}
    assert by_kind["acceptance"].member_id is None
    assert by_kind["protection"].member_id == head.id
    vetting = by_kind["vetting"]
    assert vetting.member_id == head.id and vetting.actor_id == world.screener.id
    assert vetting.detail == {"assessment": "vetting", "version": 1, "restricted": "vetting"}
    assert vetting.reason is None
    assert by_kind["protection"].detail["restricted"] == "protection"


def test_judiciary_events_tell_no_outcome_either(login, household):
    submit(login("screener"), url(household, "vetting"), {**VALID["vetting"], "outcome": "hold"})
    for event in events(household):
        if event.kind != "registered":
            assert "outcome" not in event.detail
            assert "hold" not in str(event.detail.values())


def test_a_decision_taken_today_where_the_users_are_is_not_in_the_future(world, household):
    """On a UTC server, Baghdad's today is the server's tomorrow for three hours a night."""
    data = {**VALID["vetting"], "decision_date": local_today()}
    saved = services.save_assessment(
        "vetting", household, household.members[0], data, world.screener
    )
    assert saved.data["decision_date"] == local_today().isoformat()


def test_the_own_tab_refusal_is_told_in_arabic(world, login, household):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    amal = login("caseworker_a")
    address = url(household, "protection")
    first_tab = based_on(amal.get(address).get_data(as_text=True))
    assert submit(amal, address, VALID["protection"]).status_code == 302
    page = amal.post(address, {**VALID["protection"], "based_on": first_tab}).get_data(as_text=True)
    assert "أنت نفسك سجّلت النسخة 1 من هذا التقييم" in page
    assert "افتح النسخ في علامة تبويب جديدة" in page
