"""Tasks on a household: adding and completing them, the lists of what is due, the household
page's section, and the follow-up visit scheduled when a household returns home."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user

from app.core.dates import local_today
from app.core.db import utcnow
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.models import CaseEvent
from app.history.services import record
from app.screening.models import Assessment
from app.tasks.models import Task
from app.tasks.services import add_task
from app.workflow.services import MoveRefused, move
from tests.factories import HouseholdFactory, UserFactory


def _household(world, team=None, assigned_to=None, **fields):
    return HouseholdFactory(
        team=team or world.team_a,
        assigned_to=assigned_to,
        camp=world.camp,
        origin_governorate=world.ninewa,
        **fields,
    )


def _task(household, actor, title="Call the mukhtar", due_in=3, assigned_to=None, done=False):
    """A task written straight to the database, due `due_in` days from today (negative: overdue,
    which the service would refuse to create)."""
    task = Task(
        household=household,
        title=title,
        due_on=local_today() + timedelta(days=due_in),
        assigned_to=assigned_to,
        created_by=actor,
    )
    if done:
        task.done_at, task.done_by = utcnow(), actor
    db.session.add(task)
    db.session.commit()
    return task


def _tasks() -> list[Task]:
    return list(db.session.scalars(sa.select(Task).order_by(Task.id)))


def _events(kind: str) -> list[CaseEvent]:
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.kind == kind)))


def _errors_beside(page: str, field_id: str) -> str:
    marker = f'id="{field_id}-errors"'
    assert marker in page, f"no error shown beside {field_id}"
    start = page.index(marker)
    return page[start : page.index("</ul>", start)]


def _payload(**changes) -> dict:
    return {
        "title": "Take the family to the civil affairs office",
        "due_on": (local_today() + timedelta(days=7)).isoformat(),
        "assigned_to_id": "",
        "notes": "Bring the mukhtar's letter.",
        **changes,
    }


# --- adding ---------------------------------------------------------------------------------


def test_caseworker_adds_a_task_for_a_caseworker_of_the_team(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    browser = login("caseworker_a")
    url = f"/households/{household.id}/tasks/new"
    form = browser.get(url)
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert world.caseworker_a2.full_name in page
    assert world.caseworker_b.full_name not in page  # another team's caseworker is no choice
    assert world.supervisor_a.full_name not in page  # nor is a supervisor

    response = browser.post(url, _payload(assigned_to_id=world.caseworker_a.id))
    assert response.status_code == 302
    assert response.location.endswith(f"/households/{household.id}#tasks")
    [task] = _tasks()
    assert task.household_id == household.id
    assert task.title == "Take the family to the civil affairs office"
    assert task.due_on == local_today() + timedelta(days=7)
    assert task.assigned_to_id == world.caseworker_a.id
    assert task.created_by_id == world.caseworker_a.id
    assert task.notes == "Bring the mukhtar's letter."
    assert task.is_open
    [event] = _events("task_created")
    assert event.household_id == household.id and event.detail["task_id"] == task.id


def test_a_task_given_to_nobody_goes_to_the_households_caseworker(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    browser = login("supervisor_a")
    page = browser.get(f"/households/{household.id}/tasks/new").get_data(as_text=True)
    assert f"the household&#39;s caseworker ({world.caseworker_a2.full_name})" in page
    assert browser.post(f"/households/{household.id}/tasks/new", _payload()).status_code == 302
    [task] = _tasks()
    assert task.assigned_to_id == world.caseworker_a2.id


def test_a_task_may_be_due_today(world, login):
    household = _household(world)
    browser = login("caseworker_a")
    response = browser.post(
        f"/households/{household.id}/tasks/new", _payload(due_on=local_today().isoformat())
    )
    assert response.status_code == 302
    [task] = _tasks()
    assert task.due_on == local_today() and task.assigned_to_id is None


BAD_TASKS = [
    ("missing title", {"title": ""}, "title", "Say what is to be done"),
    ("blank title", {"title": "   "}, "title", "Say what is to be done"),
    ("over-long title", {"title": "x" * 201}, "title", "200"),
    ("missing due date", {"due_on": ""}, "due_on", "Enter the date the task is due"),
    ("malformed due date", {"due_on": "31/02/2026"}, "due_on", "date"),
    (
        "due yesterday",
        {"due_on": (local_today() - timedelta(days=1)).isoformat()},
        "due_on",
        "cannot be in the past",
    ),
    ("caseworker of another team", {"assigned_to_id": "caseworker_b"}, "assigned_to_id", "choice"),
    ("a supervisor", {"assigned_to_id": "supervisor_a"}, "assigned_to_id", "choice"),
    ("nobody at all", {"assigned_to_id": "99999"}, "assigned_to_id", "choice"),
]


@pytest.mark.parametrize(
    ("case", "change", "field_id", "message"), BAD_TASKS, ids=[c[0] for c in BAD_TASKS]
)
def test_bad_task_is_refused_beside_its_field_and_nothing_is_written(
    world, login, case, change, field_id, message
):
    household = _household(world)
    change = {
        k: (str(world.user(v).id) if k == "assigned_to_id" and not v.isdigit() else v)
        for k, v in change.items()
    }
    browser = login("caseworker_a")
    response = browser.post(f"/households/{household.id}/tasks/new", _payload(**change))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message.lower() in _errors_beside(page, field_id).lower()
    assert "Bring the mukhtar" in page  # what was typed is still there
    assert _tasks() == []
    assert _events("task_created") == []


@pytest.mark.parametrize("who", ["caseworker_b", "supervisor_a", "inactive"], ids=lambda who: who)
def test_the_service_gives_tasks_only_to_active_caseworkers_of_the_team(world, who):
    """Whatever a form offers, the rule holds for every caller."""
    household = _household(world)
    person = UserFactory(team=world.team_a, active=False) if who == "inactive" else world.user(who)
    with pytest.raises(ValidationFailed) as refused:
        add_task(household, "Visit", local_today(), world.caseworker_a, assigned_to=person)
    assert list(refused.value.errors) == ["assigned_to_id"]
    assert _tasks() == []


# --- completing -----------------------------------------------------------------------------


def test_marking_a_task_done_records_who_and_when(world, login):
    household = _household(world, assigned_to=world.caseworker_a2)
    task = _task(household, world.caseworker_a2)
    browser = login("caseworker_a")
    response = browser.post(f"/households/{household.id}/tasks/{task.id}/done")
    assert response.status_code == 302
    assert response.location.endswith(f"/households/{household.id}#tasks")
    db.session.refresh(task)
    assert task.done_at is not None and task.done_by_id == world.caseworker_a.id
    [event] = _events("task_done")
    assert event.household_id == household.id and event.actor_id == world.caseworker_a.id
    assert event.detail == {"task_id": task.id, "title": "Call the mukhtar"}


def test_a_task_already_done_is_left_as_it_is_with_a_clear_message(world, login):
    household = _household(world)
    task = _task(household, world.caseworker_a)
    first = login("caseworker_a")
    first.post(f"/households/{household.id}/tasks/{task.id}/done")
    db.session.refresh(task)
    done_at = task.done_at

    second = login("supervisor_a")
    response = second.post(f"/households/{household.id}/tasks/{task.id}/done")
    assert response.status_code == 302
    page = second.get(response.location).get_data(as_text=True)
    assert "already marked done by " + world.caseworker_a.full_name in page
    assert "nothing was changed" in page
    db.session.refresh(task)
    assert task.done_at == done_at and task.done_by_id == world.caseworker_a.id
    assert len(_events("task_done")) == 1


def test_a_task_of_another_household_answers_404(world, login):
    household = _household(world)
    other = _household(world)
    task = _task(other, world.caseworker_a)
    browser = login("caseworker_a")
    assert browser.post(f"/households/{household.id}/tasks/{task.id}/done").status_code == 404
    assert browser.post(f"/households/{other.id}/tasks/99999/done").status_code == 404
    db.session.refresh(task)
    assert task.is_open


def test_done_needs_a_post_with_the_csrf_token(world, login):
    household = _household(world)
    task = _task(household, world.caseworker_a)
    browser = login("caseworker_a")
    assert browser.get(f"/households/{household.id}/tasks/{task.id}/done").status_code == 405
    url = f"/households/{household.id}/tasks/{task.id}/done"
    assert browser.post(url, csrf=False).status_code == 400
    db.session.refresh(task)
    assert task.is_open


def test_the_done_button_of_the_household_page_passes_the_csrf_check(world, login):
    """Each button's token field is named after its task (unique ids on the page)."""
    household = _household(world)
    task = _task(household, world.caseworker_a)
    browser = login("caseworker_a")
    url = f"/households/{household.id}/tasks/{task.id}/done"
    assert (
        browser.post(url, {f"task-{task.id}-csrf_token": browser.token}, csrf=False).status_code
        == 302
    )
    db.session.refresh(task)
    assert not task.is_open


# --- scope ----------------------------------------------------------------------------------


def test_another_team_never_reaches_a_teams_tasks_even_with_crafted_ids(world, login):
    theirs = _household(world, assigned_to=world.caseworker_a)
    task = _task(theirs, world.caseworker_a, title="Team A only", due_in=-1)
    mine = _household(world, team=world.team_b, assigned_to=world.caseworker_b)
    browser = login("caseworker_b")

    assert browser.get(f"/households/{theirs.id}/tasks/new").status_code == 404
    assert browser.post(f"/households/{theirs.id}/tasks/new", _payload()).status_code == 404
    assert browser.post(f"/households/{theirs.id}/tasks/{task.id}/done").status_code == 404
    assert browser.post(f"/households/{mine.id}/tasks/{task.id}/done").status_code == 404
    assert "Team A only" not in browser.get("/tasks").get_data(as_text=True)
    assert "Team A only" not in login("supervisor_b").get("/tasks").get_data(as_text=True)
    db.session.refresh(task)
    assert task.is_open
    assert len(_tasks()) == 1


def test_a_task_given_to_someone_outside_the_households_scope_stays_out_of_their_list(world, login):
    """The lists start from the households the user may see, not from the task's assignee."""
    household = _household(world, assigned_to=world.caseworker_a)
    _task(household, world.caseworker_a, title="Written before the move", assigned_to=None)
    task = _task(household, world.caseworker_a, title="Outside B's scope")
    task.assigned_to_id = world.caseworker_b.id  # as if caseworker_b had left team A
    db.session.commit()
    page = login("caseworker_b").get("/tasks").get_data(as_text=True)
    assert "Outside B&#39;s scope" not in page and "Outside B's scope" not in page


@pytest.mark.parametrize("role", ["admin", "screener", "focal", "reporting"])
def test_other_roles_have_no_task_list(world, login, role):
    assert login(role).get("/tasks").status_code == 403


def test_anonymous_is_sent_to_the_login_page(world, make_browser):
    response = make_browser().get("/tasks")
    assert response.status_code == 302 and "/login" in response.location


# --- lists ----------------------------------------------------------------------------------


@pytest.fixture
def due_tasks(world):
    """Tasks of team A around caseworker_a, and one of team B."""
    mine = _household(world, assigned_to=world.caseworker_a)
    colleague = _household(world, assigned_to=world.caseworker_a2)
    team_b = _household(world, team=world.team_b, assigned_to=world.caseworker_b)
    a, a2 = world.caseworker_a, world.caseworker_a2
    _task(mine, a, "Overdue for me", due_in=-3, assigned_to=a)
    _task(mine, a, "Due today for me", due_in=0, assigned_to=a)
    _task(mine, a, "Unassigned on my household", due_in=14)
    _task(mine, a, "Too far ahead", due_in=15, assigned_to=a)
    _task(mine, a, "Already done", due_in=-1, assigned_to=a, done=True)
    _task(colleague, a2, "Mine on a colleague's household", due_in=2, assigned_to=a)
    _task(colleague, a2, "Overdue for my colleague", due_in=-10, assigned_to=a2)
    _task(colleague, a2, "Unassigned on a colleague's household", due_in=1)
    _task(team_b, world.caseworker_b, "Team B's own", due_in=-2, assigned_to=world.caseworker_b)


def _sections(page: str) -> tuple[str, str]:
    overdue, upcoming = page.split('id="upcoming"')
    return overdue, upcoming


def test_a_caseworker_sees_their_own_tasks_overdue_and_coming_up(world, login, due_tasks):
    response = login("caseworker_a").get("/tasks")
    assert response.status_code == 200
    overdue, upcoming = _sections(response.get_data(as_text=True))
    assert "Overdue for me" in overdue
    for title in ("Due today for me", "Unassigned on my household"):
        assert title in upcoming and title not in overdue
    assert "Mine on a colleague&#39;s household" in upcoming
    for absent in (
        "Too far ahead",
        "Already done",
        "Overdue for my colleague",
        "Unassigned on a colleague",
        "Team B",
    ):
        assert absent not in overdue + upcoming
    assert "Overdue (1)" in overdue and ">Caseworker<" not in overdue


def test_a_supervisor_sees_the_whole_teams_tasks_with_who_does_them(world, login, due_tasks):
    overdue, upcoming = _sections(login("supervisor_a").get("/tasks").get_data(as_text=True))
    assert overdue.index("Overdue for my colleague") < overdue.index("Overdue for me")
    assert "Unassigned on a colleague&#39;s household" in upcoming
    assert ">Caseworker<" in overdue
    assert world.caseworker_a2.full_name in overdue
    assert "Team B" not in overdue + upcoming and "Too far ahead" not in upcoming

    other = login("supervisor_b").get("/tasks").get_data(as_text=True)
    assert "Team B&#39;s own" in other and "for me" not in other


def test_a_long_overdue_list_comes_in_pages(app, world, login):
    app.config["PAGE_SIZE"] = 2
    household = _household(world, assigned_to=world.caseworker_a)
    for days in (5, 4, 3):
        _task(household, world.caseworker_a, f"Late by {days} days", due_in=-days)
    browser = login("caseworker_a")
    first = _sections(browser.get("/tasks").get_data(as_text=True))[0]
    assert "Late by 5 days" in first and "Late by 4 days" in first
    assert "Late by 3 days" not in first and "Page 1 of 2" in first
    second = _sections(browser.get("/tasks?page=2").get_data(as_text=True))[0]
    assert "Late by 3 days" in second and "Late by 5 days" not in second


# --- the household page's section -----------------------------------------------------------


def _section(app, user, household) -> str:
    with app.test_request_context():
        login_user(user)
        return render_template_string(
            '{% include "tasks/_household_section.html" %}', household=household
        )


def test_the_household_section_shows_open_tasks_and_folds_done_ones(app, world):
    household = _household(world, assigned_to=world.caseworker_a)
    _task(household, world.caseworker_a, "Late visit", due_in=-2, assigned_to=world.caseworker_a)
    _task(household, world.caseworker_a, "Next visit", due_in=5)
    _task(household, world.caseworker_a, "Visit made", due_in=-8, done=True)
    page = _section(app, world.caseworker_a, household)

    open_part, done_part = page.split("<details>")
    assert open_part.index("Late visit") < open_part.index("Next visit")
    late_row = open_part[open_part.index("Late visit") - 200 : open_part.index("Late visit")]
    assert "Overdue" in late_row
    next_row = open_part[open_part.index("Late visit") : open_part.index("Next visit")]
    assert next_row.count("Overdue") == 0
    assert f'href="/households/{household.id}/tasks/new"' in open_part
    done_buttons = re.findall(r'action="/households/\d+/tasks/(\d+)/done"', open_part)
    assert len(done_buttons) == 2  # one per open task
    assert open_part.count(f'id="task-{done_buttons[0]}-csrf_token"') == 1
    assert "1 done task" in done_part and "Visit made" in done_part
    assert "Visit made" not in open_part


def test_the_household_section_is_empty_for_those_who_do_not_work_on_tasks(app, world):
    household = _household(world, assigned_to=world.caseworker_a, stage="vetting")
    _task(household, world.caseworker_a, "Private task")
    assert "Private task" in _section(app, world.supervisor_a, household)
    for outsider in (world.screener, world.supervisor_b, world.admin):
        assert _section(app, outsider, household).strip() == ""


# --- follow-up after return -----------------------------------------------------------------


def test_a_household_that_returns_gets_a_follow_up_visit_in_30_days(world):
    household = _household(world, assigned_to=world.caseworker_a2, stage="departure_clearance")
    record(household, "stage_changed", world.screener, from_stage="vetting", to_stage="cleared")
    acceptance = {
        "mukhtar_letter": True,
        "committee_decision": "approved",
        "destination_confirmed": True,
    }
    db.session.add(
        Assessment(
            household_id=household.id,
            kind="acceptance",
            data=acceptance,
            author_id=world.caseworker_a.id,
        )
    )
    db.session.commit()

    move(household, "returned", world.caseworker_a, expected_version=household.version)
    db.session.commit()

    assert household.stage == "returned"
    [task] = _tasks()
    assert task.household_id == household.id
    assert task.title == "Follow-up visit after return"
    assert task.due_on == local_today() + timedelta(days=30)
    assert task.assigned_to_id == world.caseworker_a2.id  # the household's caseworker
    assert task.created_by_id == world.caseworker_a.id
    kinds = [
        e.kind
        for e in db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.household_id == household.id)
            .order_by(CaseEvent.id)
        )
    ]
    assert kinds[-2:] == ["stage_changed", "task_created"]


def test_no_follow_up_when_the_return_is_refused(world):
    household = _household(world, assigned_to=world.caseworker_a, stage="departure_clearance")
    db.session.commit()  # no clearance nor acceptance on record
    with pytest.raises(MoveRefused, match="security clearance"):
        move(household, "returned", world.caseworker_a)
    db.session.rollback()
    assert _tasks() == []
