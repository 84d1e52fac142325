"""Who works on which household: assigning, "my cases" and the team's load."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.caseload.queries import team_load
from app.caseload.services import assign
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import Household
from tests.factories import HouseholdFactory, UserFactory


def _household(world, team=None, assigned_to=None, **fields) -> Household:
    return HouseholdFactory(
        team=team or world.team_a,
        assigned_to=assigned_to,
        camp=world.camp,
        origin_governorate=world.ninewa,
        **fields,
    )


def _assignments() -> list[CaseEvent]:
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.kind == "assigned")))


def _errors_beside(page: str, field_id: str) -> str:
    marker = f'id="{field_id}-errors"'
    assert marker in page, f"no error shown beside {field_id}"
    start = page.index(marker)
    return page[start : page.index("</ul>", start)]


def _version_in(page: str) -> str:
    match = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', page
    )
    assert match, "the assign form carries the household's version"
    return match.group(1)


# --- assigning ------------------------------------------------------------------------------


def test_an_assignment_from_an_older_tab_of_the_same_supervisor_says_it_was_them(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    browser = login("supervisor_a")
    url = f"/households/{household.id}/assign"
    first_tab, second_tab = (_version_in(browser.get(url).get_data(True)) for _ in range(2))
    chosen = {"assigned_to_id": world.caseworker_a.id, "version": first_tab}
    assert browser.post(url, chosen).status_code == 302

    refused = browser.post(url, {"assigned_to_id": world.caseworker_a2.id, "version": second_tab})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Not assigned: you changed this household yourself on" in page
    assert f'<a href="/households/{household.id}" target="_blank"' in page
    assert world.supervisor_a.full_name + " changed" not in page


def test_a_supervisor_reassigns_a_household_within_the_team(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    version = household.version
    browser = login("supervisor_a")
    url = f"/households/{household.id}/assign"
    form = browser.get(url)
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert world.caseworker_a.full_name in page and world.caseworker_a2.full_name in page
    assert world.caseworker_b.full_name not in page

    response = browser.post(
        url, {"assigned_to_id": world.caseworker_a.id, "version": _version_in(page)}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/households/{household.id}")
    db.session.refresh(household)
    assert household.assigned_to_id == world.caseworker_a.id
    assert household.updated_by_id == world.supervisor_a.id
    assert household.version == version + 1  # an edit opened before this is now refused
    [event] = _assignments()
    assert event.household_id == household.id and event.actor_id == world.supervisor_a.id
    assert event.detail == {
        "from_user_id": world.caseworker_a2.id,
        "to_user_id": world.caseworker_a.id,
    }


def test_an_unassigned_household_gets_its_first_caseworker(world, login):
    household = _household(world)
    browser = login("supervisor_a")
    url = f"/households/{household.id}/assign"
    page = browser.get(url).get_data(as_text=True)
    payload = {"assigned_to_id": world.caseworker_a2.id, "version": _version_in(page)}
    assert browser.post(url, payload).status_code == 302
    [event] = _assignments()
    assert event.detail == {"from_user_id": None, "to_user_id": world.caseworker_a2.id}


@pytest.mark.parametrize(
    ("role", "status"),
    [("caseworker_a", 403), ("caseworker_a2", 403), ("screener", 403), ("supervisor_b", 404)],
)
def test_only_a_supervisor_of_the_team_may_assign(world, login, role, status):
    household = _household(world, assigned_to=world.caseworker_a2)
    version = household.version
    browser = login(role)
    url = f"/households/{household.id}/assign"
    assert browser.get(url).status_code == status
    payload = {"assigned_to_id": world.caseworker_a.id, "version": version}
    assert browser.post(url, payload).status_code == status
    db.session.refresh(household)
    assert household.assigned_to_id == world.caseworker_a2.id and household.version == version
    assert _assignments() == []


WRONG_ASSIGNEES = ["caseworker_b", "supervisor_a", "screener", "inactive", "unknown", ""]


@pytest.mark.parametrize("who", WRONG_ASSIGNEES, ids=lambda who: who or "nobody")
def test_a_wrong_assignee_is_refused_beside_the_field_and_nothing_changes(world, login, who):
    household = _household(world, assigned_to=world.caseworker_a2)
    version = household.version
    people = {
        "inactive": lambda: UserFactory(team=world.team_a, active=False).id,
        "unknown": lambda: 99999,
        "": lambda: "",
    }
    chosen = people[who]() if who in people else world.user(who).id
    browser = login("supervisor_a")
    url = f"/households/{household.id}/assign"
    response = browser.post(url, {"assigned_to_id": chosen, "version": version})
    assert response.status_code == 422
    assert _errors_beside(response.get_data(as_text=True), "assigned_to_id")
    db.session.refresh(household)
    assert household.assigned_to_id == world.caseworker_a2.id and household.version == version
    assert _assignments() == []


@pytest.mark.parametrize("who", ["caseworker_b", "supervisor_a", "inactive"])
def test_the_service_assigns_only_active_caseworkers_of_the_team(world, who):
    """Whatever a form offers, the rule holds for every caller."""
    household = _household(world, assigned_to=world.caseworker_a2)
    person = UserFactory(team=world.team_a, active=False) if who == "inactive" else world.user(who)
    with pytest.raises(ValidationFailed) as refused:
        assign(household, person, world.supervisor_a)
    assert refused.value.errors == {
        "assigned_to_id": ["Choose an active caseworker of the household's team."]
    }
    assert household.assigned_to_id == world.caseworker_a2.id


def test_the_service_refuses_an_actor_who_may_not_assign(world):
    household = _household(world, assigned_to=world.caseworker_a2)
    for actor in (world.caseworker_a, world.supervisor_b):
        with pytest.raises(ValidationFailed) as refused:
            assign(household, world.caseworker_a, actor)
        assert list(refused.value.errors) == [None]
    assert household.assigned_to_id == world.caseworker_a2.id


def test_assigning_to_the_caseworker_who_has_it_already_is_said_so(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    browser = login("supervisor_a")
    url = f"/households/{household.id}/assign"
    payload = {"assigned_to_id": world.caseworker_a2.id, "version": household.version}
    response = browser.post(url, payload)
    assert response.status_code == 422
    assert "already assigned to" in _errors_beside(
        response.get_data(as_text=True), "assigned_to_id"
    )
    assert _assignments() == []


def test_an_assignment_from_an_older_version_is_refused(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    browser = login("supervisor_a")
    url = f"/households/{household.id}/assign"
    old_version = _version_in(browser.get(url).get_data(as_text=True))
    assert old_version == str(household.version)
    # Someone else changes the household meanwhile.
    household.shelter = "Block D, tent 3"
    household.updated_by = world.caseworker_a
    db.session.commit()

    response = browser.post(url, {"assigned_to_id": world.caseworker_a.id, "version": old_version})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Not assigned" in page and world.caseworker_a.full_name in page
    db.session.refresh(household)
    # Choosing again is a deliberate decision on the household as it is now.
    assert _version_in(page) == str(household.version) != old_version
    assert household.assigned_to_id == world.caseworker_a2.id
    assert _assignments() == []


# --- my cases -------------------------------------------------------------------------------


def _stage_count(page: str, label: str) -> int:
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd><a [^>]*>(\d+)</a>", page)
    assert match, f"no count for {label}"
    return int(match.group(1))


@pytest.fixture
def caseload(world):
    """Team A: caseworker_a has 2 registered and 1 in vetting; caseworker_a2 1 registered;
    1 unassigned in vetting. Team B: 1 registered household of caseworker_b."""
    a, a2 = world.caseworker_a, world.caseworker_a2
    return {
        "a": [
            _household(world, assigned_to=a),
            _household(world, assigned_to=a),
            _household(world, assigned_to=a, stage="vetting"),
        ],
        "a2": [_household(world, assigned_to=a2)],
        "unassigned": [_household(world, stage="vetting")],
        "b": [_household(world, team=world.team_b, assigned_to=world.caseworker_b)],
    }


def test_my_cases_counts_and_lists_the_caseworkers_own_households(world, login, caseload):
    response = login("caseworker_a").get("/my-cases")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _stage_count(page, "Registered in camp") == 2
    assert _stage_count(page, "Security vetting") == 1
    assert _stage_count(page, "All stages") == 3
    assert "Cleared" not in page  # stages without a household are left out
    for household in caseload["a"]:
        assert household.case_number in page
    for other in caseload["a2"] + caseload["unassigned"] + caseload["b"]:
        assert other.case_number not in page  # the team's, but not theirs


def test_my_cases_narrows_to_one_stage(world, login, caseload):
    page = login("caseworker_a").get("/my-cases?stage=vetting").get_data(as_text=True)
    vetting = caseload["a"][2]
    assert vetting.case_number in page
    assert all(h.case_number not in page for h in caseload["a"][:2])
    assert _stage_count(page, "Registered in camp") == 2  # the counts stay whole
    unknown = login("caseworker_a").get("/my-cases?stage=nonsense").get_data(as_text=True)
    assert all(h.case_number in unknown for h in caseload["a"])
    assert "Stage: “nonsense” is not one of the choices offered to you." in unknown


def test_my_cases_names_an_unknown_stage_in_arabic_and_a_good_one_not(world, login, caseload):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    browser = login("caseworker_a")
    unknown = browser.get("/my-cases?stage=" + "x" * 60).get_data(as_text=True)
    assert "تُعرض القائمة دون عوامل التصفية هذه، فقيمها ليست من الخيارات المتاحة لك:" in unknown
    assert f"«{'x' * 40}…» ليس من الخيارات المتاحة لك." in unknown
    assert "ليست من الخيارات المتاحة لك:" not in browser.get("/my-cases?stage=vetting").get_data(
        as_text=True
    )


def test_my_cases_of_another_team_show_none_of_team_as(world, login, caseload):
    page = login("caseworker_b").get("/my-cases").get_data(as_text=True)
    assert caseload["b"][0].case_number in page
    assert all(h.case_number not in page for h in caseload["a"] + caseload["a2"])


def test_a_supervisor_may_open_my_cases_and_sees_their_own(world, login, caseload):
    response = login("supervisor_a").get("/my-cases")
    assert response.status_code == 200
    assert "No household is assigned to you." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "screener", "focal", "reporting"])
def test_other_roles_have_no_cases_of_their_own(world, login, role):
    assert login(role).get("/my-cases").status_code == 403


# --- the team's load ------------------------------------------------------------------------


def _row_cells(page: str, label: str) -> list[str]:
    """The cells of the team table's row headed `label`, tags stripped."""
    match = re.search(rf'<th scope="row">{re.escape(label)}[ <]', page)
    assert match, f"no row for {label}"
    row = page[match.start() : page.index("</tr>", match.start())]
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]


def test_the_team_view_counts_households_by_caseworker_and_stage(world, login, caseload):
    response = login("supervisor_a").get("/team")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    header = page[page.index("<thead>") : page.index("</thead>")]
    assert header.index("Registered in camp") < header.index("Security vetting")
    assert "Cleared" not in header
    # Columns: registered, vetting, total.
    assert _row_cells(page, world.caseworker_a.full_name) == ["2", "1", "3"]
    assert _row_cells(page, world.caseworker_a2.full_name) == ["1", "0", "1"]
    assert _row_cells(page, "Unassigned") == ["0", "1", "1"]
    assert _row_cells(page, "Total") == ["3", "2", "5"]
    assert world.caseworker_b.full_name not in page
    link = f'href="/households/?caseworker_id={world.caseworker_a.id}"'
    assert page.count(link) == 3  # each non-zero count opens the caseworker's households


def test_the_team_view_is_one_grouped_query(app, world, caseload):
    db.session.refresh(world.supervisor_a)  # the test's own reads are not counted
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        load = team_load(world.supervisor_a)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 2  # the counts, then the people
    assert "GROUP BY" in statements[0]
    by_name = {row.caseworker.username: dict(row.counts) for row in load.rows}
    assert by_name == {
        "caseworker.a": {"registered": 2, "vetting": 1},
        "caseworker.a2": {"registered": 1},
    }
    assert dict(load.unassigned.counts) == {"vetting": 1}
    assert load.totals.total == 5


def test_someone_holding_team_households_from_outside_still_counts(world, login, caseload):
    """A caseworker who moved to team B keeps a team A household until it is reassigned: the
    row is shown and flagged, so the rows add up to the totals."""
    _household(world, assigned_to=world.caseworker_b, stage="vetting")
    page = login("supervisor_a").get("/team").get_data(as_text=True)
    assert _row_cells(page, world.caseworker_b.full_name) == ["0", "1", "1"]
    assert "not an active caseworker of the team" in page
    assert _row_cells(page, "Total") == ["3", "3", "6"]


def test_another_teams_supervisor_sees_only_their_team(world, login, caseload):
    page = login("supervisor_b").get("/team").get_data(as_text=True)
    assert _row_cells(page, world.caseworker_b.full_name) == ["1", "1"]
    assert _row_cells(page, "Total") == ["1", "1"]
    assert world.caseworker_a.full_name not in page


@pytest.mark.parametrize("role", ["caseworker_a", "admin", "screener", "focal", "reporting"])
def test_only_supervisors_see_the_team_view(world, login, role):
    assert login(role).get("/team").status_code == 403
