"""Notifications: for each event the right people are told once and nobody else; the message names
the case number and no one in it; the menu counts what is unread; marking read leads to the page;
another user's notification does not exist; what the reader may no longer see is neither listed
nor counted; the morning's job tells once however often it runs; the list reads a bounded number
of statements."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.access.roles import Role
from app.core.dates import local_today
from app.extensions import db
from app.imports.models import ImportStatus
from app.notifications import services as notify
from app.notifications.models import Kind, Notification, Target
from app.referrals.models import AgencyService, Referral
from app.registry.models import Household
from app.tasks.models import Task
from app.transfers.models import Transfer
from app.workflow.models import ApprovalRequest
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    HouseholdFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    move_to_team_b,
)
from tests.test_import_commit import commit_now, csv_bytes, family_rows, receive_and_check
from tests.test_watchlist_matching import WANTED
from tests.test_watchlist_screening import AHMAD, load_list, man, register
from tests.workflow_support import put_at

TOMORROW = local_today() + timedelta(days=1)
NAMES = ("سلمى", "Salma", "الجبوري", "Al-Jubouri")


@pytest.fixture
def household(world) -> Household:
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[MemberFactory(given_name_ar="سلمى", given_name_en="Salma")],
    )
    put_at(household, "follow_up")
    return household


@pytest.fixture
def legal_aid(world) -> AgencyService:
    """The NGO (where `focal` works) offers legal aid."""
    service = AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity,documents"
    )
    db.session.add(service)
    db.session.commit()
    return service


def told() -> list[tuple[str, int, str, int | None]]:
    """(username, kind, target type, target id) of every notification, in order."""
    from app.auth.models import User

    db.session.expire_all()
    rows = db.session.execute(
        sa.select(
            User.username, Notification.kind, Notification.target_type, Notification.target_id
        )
        .join(User, User.id == Notification.user_id)
        .order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


def page(browser, url: str = "/notifications/") -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def unread_in_menu(html: str) -> int:
    """The number beside "Notifications" in the menu (0 when none is shown)."""
    entry = re.search(r'href="/notifications/"[^>]*>Notifications(.*?)</a>', html)
    assert entry, "no Notifications entry in the menu"
    count = re.search(r'<span aria-hidden="true">(\d+)</span>', entry.group(1))
    return int(count.group(1)) if count else 0


def refer(browser, household, service, consent: bool = True):
    data = {
        "service_id": service.id,
        "member_id": "",
        "reason": "Marriage certificate lost in the camp",
        "urgency": "priority",
        "due_on": TOMORROW.isoformat(),
        "groups": ["documents"],
    }
    if consent:
        data.update(
            consent_by="Salma", consent_on=local_today().isoformat(), consent_method="verbal"
        )
    assert browser.post(f"/households/{household.id}/refer", data).status_code == 302
    db.session.expire_all()
    return db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()


def act(browser, referral, action: str, note: str = ""):
    response = browser.post(f"/referrals/{referral.id}/{action}", {"note": note})
    assert response.status_code == 302, response.get_data(as_text=True)


def ask_closure(browser, household) -> ApprovalRequest:
    db.session.refresh(household)
    data = {"target": "closed", "mode": "request", "reason": "Case complete"}
    response = browser.post(
        f"/households/{household.id}/move", {**data, "version": household.version}
    )
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.scalars(sa.select(ApprovalRequest)).one()


def tell(user, kind: str, target_type: str, target_id, household=None) -> Notification:
    n = Notification(
        user_id=user.id,
        kind=kind,
        target_type=target_type,
        target_id=target_id,
        household_id=household.id if household is not None else None,
    )
    db.session.add(n)
    db.session.commit()
    return n


# --- who is told of what -------------------------------------------------------------------------


def test_a_referral_sent_tells_the_agencys_focal_points_alone(world, login, household, legal_aid):
    UserFactory(username="focal.two", role=Role.AGENCY_FOCAL.value, agency=world.focal.agency)
    UserFactory(
        username="focal.gone", role=Role.AGENCY_FOCAL.value, agency=world.focal.agency, active=False
    )
    UserFactory(username="focal.elsewhere", role=Role.AGENCY_FOCAL.value, agency=AgencyFactory())
    draft = refer(login("caseworker_a"), household, legal_aid, consent=False)
    assert told() == []  # a draft waits for consent or an override: nobody receives it yet

    referral = refer(login("caseworker_a"), household, legal_aid)
    assert told() == [
        ("focal", Kind.REFERRAL_RECEIVED, Target.REFERRAL, referral.id),
        ("focal.two", Kind.REFERRAL_RECEIVED, Target.REFERRAL, referral.id),
    ]
    assert draft.state == "draft"

    focal = login("focal")
    html = page(focal)
    assert f"New referral to your agency: case {household.case_number}." in text(html)
    assert not any(name in html for name in NAMES)
    assert unread_in_menu(html) == 1


def test_a_supervisors_override_sends_and_tells_the_focal_point(world, login, household, legal_aid):
    draft = refer(login("caseworker_a"), household, legal_aid, consent=False)
    response = login("supervisor_a").post(
        f"/referrals/{draft.id}/override", {"reason": "Urgent legal deadline", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert told() == [("focal", Kind.REFERRAL_RECEIVED, Target.REFERRAL, draft.id)]


def test_the_agencys_answers_tell_the_person_who_referred(world, login, household, legal_aid):
    first = refer(login("caseworker_a"), household, legal_aid)
    second = refer(login("caseworker_a"), household, legal_aid)
    focal = login("focal")
    act(focal, first, "accept")
    act(focal, first, "start")
    act(focal, first, "progress", "Met the family")
    act(focal, first, "complete", "Certificate issued")
    act(focal, second, "decline", "Outside our area")
    answers = [row for row in told() if row[0] == "caseworker.a"]
    assert answers == [
        ("caseworker.a", Kind.REFERRAL_ACCEPTED, Target.REFERRAL, first.id),
        ("caseworker.a", Kind.REFERRAL_COMPLETED, Target.REFERRAL, first.id),
        ("caseworker.a", Kind.REFERRAL_DECLINED, Target.REFERRAL, second.id),
    ]
    assert {row[0] for row in told()} == {"caseworker.a", "focal"}  # nobody else
    html = page(login("caseworker_a"))
    words = text(html)
    case = household.case_number
    for said in ("accepted", "completed", "declined"):
        assert f"Your referral of case {case} was {said}." in words
    # No reason, outcome or note travels with a notification.
    assert "Certificate issued" not in html and "Outside our area" not in html
    assert not any(name in html for name in NAMES)


def test_an_approval_asked_tells_who_decides_and_the_decision_tells_the_asker(
    world, login, household
):
    asker = login("caseworker_a")
    request = ask_closure(asker, household)
    assert told() == [("supervisor.a", Kind.APPROVAL_ASKED, Target.APPROVAL, request.id)]
    supervisor = login("supervisor_a")
    html = page(supervisor)
    assert f"Your approval is asked on case {household.case_number}." in text(html)
    assert unread_in_menu(html) == 1

    decided = supervisor.post(
        f"/review/{request.id}", {"decision": "return", "comment": "Papers missing"}
    )
    assert decided.status_code == 302
    assert told()[1:] == [("caseworker.a", Kind.APPROVAL_RETURNED, Target.APPROVAL, request.id)]
    html = page(asker)
    assert f"Your request on case {household.case_number} was returned." in text(html)
    assert "Papers missing" not in html  # the comment stays with the request


def test_an_approval_given_tells_the_asker_once(world, login, household):
    request = ask_closure(login("caseworker_a"), household)
    login("supervisor_a").post(f"/review/{request.id}", {"decision": "approve", "comment": "Ok"})
    assert [row for row in told() if row[0] == "caseworker.a"] == [
        ("caseworker.a", Kind.APPROVAL_GIVEN, Target.APPROVAL, request.id)
    ]
    assert len(told()) == 2


def test_a_stand_in_decider_is_told_and_loses_it_with_the_request(
    world, login, make_browser, household
):
    """Team A's only supervisor asks: a supervisor of another team of the agency decides, and
    reads the notification only while the request waits."""
    team_c = TeamFactory(name="Team C", agency=world.team_a.agency)
    stand_in = UserFactory(
        username="supervisor.c", role=Role.SUPERVISOR.value, team=team_c, agency=team_c.agency
    )
    request = ask_closure(login("supervisor_a"), household)
    assert told() == [("supervisor.c", Kind.APPROVAL_ASKED, Target.APPROVAL, request.id)]
    assert notify.unread_count(stand_in) == 1
    browser = make_browser()
    browser.login(stand_in)
    assert household.case_number in page(browser)
    decided = browser.post(f"/review/{request.id}", {"decision": "approve", "comment": "Seen"})
    assert decided.status_code == 302, text(decided.get_data(as_text=True))[-600:]
    db.session.expire_all()
    assert notify.unread_count(db.session.get(type(stand_in), stand_in.id)) == 0
    assert household.case_number not in page(browser)


def test_a_hand_over_tells_the_receiving_supervisors_then_the_asker(world, login, household):
    UserFactory(
        username="supervisor.b2", role=Role.SUPERVISOR.value, team=world.team_b,
        agency=world.team_b.agency,
    )  # fmt: skip
    sender = login("supervisor_a")
    data = {"to_team_id": world.team_b.id, "reason": "Returned to Mosul"}
    assert sender.post(f"/households/{household.id}/transfer", data).status_code == 302
    transfer = db.session.scalars(sa.select(Transfer)).one()
    assert told() == [
        ("supervisor.b", Kind.HANDOVER_ASKED, Target.TRANSFER, transfer.id),
        ("supervisor.b2", Kind.HANDOVER_ASKED, Target.TRANSFER, transfer.id),
    ]
    receiving = login("supervisor_b")
    html = page(receiving)
    assert f"A hand-over of case {household.case_number} waits for your answer." in text(html)
    assert not any(name in html for name in NAMES)  # the receiving team reads no name yet
    assert receiving.post(f"/transfers/{transfer.id}/accept", {}).status_code == 302
    assert told()[2:] == [("supervisor.a", Kind.HANDOVER_ACCEPTED, Target.TRANSFER, transfer.id)]
    # The sending team no longer reads the household, but still sees its hand-over.
    assert f"Your hand-over of case {household.case_number} was accepted." in text(page(sender))


def test_a_declined_hand_over_tells_the_asker(world, login, household):
    sender = login("supervisor_a")
    data = {"to_team_id": world.team_b.id, "reason": "Returned to Mosul"}
    sender.post(f"/households/{household.id}/transfer", data)
    transfer = db.session.scalars(sa.select(Transfer)).one()
    login("supervisor_b").post(f"/transfers/{transfer.id}/decline", {"note": "Not our area"})
    assert told()[-1] == ("supervisor.a", Kind.HANDOVER_DECLINED, Target.TRANSFER, transfer.id)
    assert "Not our area" not in page(sender)


def test_an_imported_list_tells_the_supervisor_who_committed_it(world, login):
    imported, _found = receive_and_check(world, csv_bytes(family_rows(2)))
    done = commit_now(world, imported)
    assert done.status == ImportStatus.DONE
    assert told() == [("supervisor.a", Kind.IMPORT_DONE, Target.IMPORT, imported.id)]
    supervisor = login("supervisor_a")
    html = page(supervisor)
    assert "The transfer list you imported is done." in text(html)
    assert unread_in_menu(html) == 1
    form = f'action="/notifications/{told_ids()[0]}/read"'
    assert form in html
    response = supervisor.post(f"/notifications/{told_ids()[0]}/read")
    assert response.status_code == 302 and response.location.endswith(f"/imports/{imported.id}")


def test_an_import_still_under_way_tells_nobody(world):
    imported, _found = receive_and_check(world, csv_bytes(family_rows(1)))
    imported.status = ImportStatus.RUNNING
    notify.import_finished(imported)
    imported.status = ImportStatus.FAILED
    imported.committed_by_id = world.supervisor_a.id
    notify.import_finished(imported)
    db.session.commit()
    assert told() == [("supervisor.a", Kind.IMPORT_FAILED, Target.IMPORT, imported.id)]


def test_new_screening_alerts_tell_each_screener_once_per_job(world, login):
    screener_b = UserFactory(username="screener.b", role=Role.SCREENER.value)
    load_list(world, [WANTED])
    register(world, man(*AHMAD))  # the listed man registered: one job, one alert
    assert told() == [
        ("screener", Kind.SCREENING_ALERTS, Target.ALERTS, None),
        ("screener.b", Kind.SCREENING_ALERTS, Target.ALERTS, None),
    ]
    screener = login("screener")
    html = page(screener)
    assert "1 new screening alert." in text(html)
    assert not any(name in html for name in ("احمد", "AHMAD", "الجبوري"))
    assert unread_in_menu(html) == 1
    [mine] = [
        n for n in db.session.scalars(sa.select(Notification)) if n.user_id == world.screener.id
    ]
    response = screener.post(f"/notifications/{mine.id}/read")
    assert response.status_code == 302 and response.location.endswith("/watchlist/alerts")

    # Another job raising two: the screener who read theirs gets a new one; the other's
    # unread one now says three.
    notify.screening_alerts(2)
    db.session.commit()
    counts = {
        (n.user_id, n.read_at is None): n.count for n in db.session.scalars(sa.select(Notification))
    }
    assert counts == {
        (world.screener.id, False): 1,
        (world.screener.id, True): 2,
        (screener_b.id, True): 3,
    }
    notify.screening_alerts(0)  # a job that raised none tells nobody
    db.session.commit()
    assert len(told()) == 3


def test_nobody_but_screeners_reads_screening_alerts(world):
    n = tell(world.supervisor_a, Kind.SCREENING_ALERTS, Target.ALERTS, None)
    assert notify.unread_count(world.supervisor_a) == 0
    assert notify.readable(world.supervisor_a, n.id) is None


# --- what falls due, every morning ---------------------------------------------------------------


@pytest.fixture
def due(world, household, legal_aid):
    """Tasks due tomorrow, today, in a week, overdue and done; one given to nobody; a referral
    overdue and one not yet."""
    today = local_today()
    cw = world.caseworker_a

    def task(days, assigned=cw, done=False):
        t = Task(household=household, title="Visit Salma", due_on=today + timedelta(days=days))
        t.assigned_to = assigned
        if done:
            from app.core.db import utcnow

            t.done_at = utcnow()
        return t

    tasks = {
        "tomorrow": task(1),
        "today": task(0),
        "next_week": task(7),
        "overdue": task(-3),
        "done": task(-3, done=True),
        "nobodys": task(-3, assigned=None),
    }
    referrals = {
        name: Referral(
            household=household,
            agency=legal_aid.agency,
            service=legal_aid,
            reason="Papers",
            urgency="routine",
            due_on=today + timedelta(days=days),
            groups="identity",
            state=state,
            created_by=cw,
        )
        for name, days, state in (
            ("overdue", -2, "sent"),
            ("answered", -2, "accepted"),
            ("not_yet", 2, "sent"),
        )
    }
    db.session.add_all([*tasks.values(), *referrals.values()])
    db.session.commit()
    return tasks, referrals


def test_the_morning_job_tells_what_falls_due_once(world, login, household, due):
    tasks, referrals = due
    assert notify.notify_due() == 4
    db.session.commit()
    assert sorted(told()) == sorted(
        [
            ("caseworker.a", Kind.TASK_DUE_TOMORROW, Target.TASK, tasks["tomorrow"].id),
            ("caseworker.a", Kind.TASK_DUE_TODAY, Target.TASK, tasks["today"].id),
            ("caseworker.a", Kind.TASK_OVERDUE, Target.TASK, tasks["overdue"].id),
            ("caseworker.a", Kind.REFERRAL_OVERDUE, Target.REFERRAL, referrals["overdue"].id),
        ]
    )
    assert notify.notify_due() == 0  # run again: nothing new
    db.session.commit()
    assert len(told()) == 4
    html = page(login("caseworker_a"))
    case = household.case_number
    words = text(html)
    assert f"A task of yours on case {case} is due tomorrow." in words
    assert f"A task of yours on case {case} is overdue." in words
    assert f"Your referral of case {case} is overdue: the agency has not accepted it." in words
    assert "Visit Salma" not in html and not any(name in html for name in NAMES)
    assert unread_in_menu(html) == 4
    assert f'href="/households/{household.id}#tasks"' not in html  # unread: opened by a form


def test_a_task_told_due_tomorrow_is_not_told_due_again_today(world, household, due):
    tasks, _referrals = due
    notify.notify_due()
    db.session.commit()
    # The next morning: tomorrow's task is due today, and was told already.
    tasks["tomorrow"].due_on = local_today()
    db.session.commit()
    assert notify.notify_due() == 0


def test_the_morning_job_runs_from_the_command_line_once(app, world, household, due):
    """As `flask jobs run-periodic` runs it where no worker does (its own app context,
    committed by the job runner), twice."""
    from app import jobs

    assert jobs.PERIODIC[notify.DUE_JOB][0] == "0 6 * * *"
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["jobs", "run-periodic", notify.DUE_JOB])
        assert result.exit_code == 0, result.output
    assert len(told()) == 4


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    days=st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=6),
    runs=st.integers(min_value=1, max_value=3),
)
def test_the_morning_job_is_idempotent(world, household, days, runs):
    db.session.execute(sa.delete(Notification))
    db.session.execute(sa.delete(Task))
    today = local_today()
    for offset in days:
        db.session.add(
            Task(
                household_id=household.id,
                title="Visit",
                due_on=today + timedelta(days=offset),
                assigned_to_id=world.caseworker_a.id,
            )
        )
    db.session.commit()
    first = notify.notify_due()
    db.session.commit()
    for _ in range(runs):
        assert notify.notify_due() == 0
        db.session.commit()
    assert first == sum(1 for d in days if d < 0 or d in (0, 1))
    keys = [(n.user_id, n.target_id, n.kind in notify.TASK_DUE) for n in _all()]
    assert len(keys) == len(set(keys)) == first


def _all() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification)))


def told_ids() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification.id).order_by(Notification.id)))


# --- reading -------------------------------------------------------------------------------------


def test_marking_read_leads_to_the_page_and_lowers_the_count(world, login, household):
    ask_closure(login("caseworker_a"), household)
    supervisor = login("supervisor_a")
    [n] = _all()
    html = page(supervisor)
    assert unread_in_menu(html) == 1 and "Unread" in html
    response = supervisor.post(f"/notifications/{n.id}/read")
    assert response.status_code == 302 and response.location.endswith("/review")
    db.session.expire_all()
    assert db.session.get(Notification, n.id).read_at is not None
    html = page(supervisor)
    assert unread_in_menu(html) == 0
    assert f"Your approval is asked on case {household.case_number}." in text(html)
    assert 'href="/review"' in html  # a read one is a plain link


def test_mark_all_read(world, login, household, legal_aid):
    refer(login("caseworker_a"), household, legal_aid)
    refer(login("caseworker_a"), household, legal_aid)
    focal = login("focal")
    assert unread_in_menu(page(focal)) == 2
    assert focal.post("/notifications/read-all").status_code == 302
    html = page(focal)
    assert unread_in_menu(html) == 0 and "Mark all as read" not in html
    assert all(n.read_at is not None for n in _all())


def test_another_users_notification_does_not_exist(world, login, household):
    ask_closure(login("caseworker_a"), household)
    [n] = _all()
    for role in ("caseworker_a", "caseworker_a2", "supervisor_b", "focal", "admin"):
        assert login(role).post(f"/notifications/{n.id}/read").status_code == 404
    assert login("caseworker_a").post("/notifications/999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, n.id).read_at is None


def test_every_role_opens_its_own_list(world, login):
    for role in ("admin", "supervisor_a", "caseworker_a", "screener", "focal", "reporting"):
        html = page(login(role))
        assert "No notifications." in html and unread_in_menu(html) == 0


def test_the_list_speaks_arabic(world, login, household):
    ask_closure(login("caseworker_a"), household)
    world.supervisor_a.locale = "ar"
    db.session.commit()
    html = page(login("supervisor_a"))
    assert 'lang="ar"' in html
    assert f'<bdi dir="ltr">{household.case_number}</bdi>' in html  # kept left to right


# --- the access policy when read -----------------------------------------------------------------


def test_a_caseworker_moved_to_another_team_no_longer_reads_them(world, login, household):
    request = ask_closure(login("caseworker_a"), household)
    login("supervisor_a").post(f"/review/{request.id}", {"decision": "return", "comment": "No"})
    mine = [n for n in _all() if n.user_id == world.caseworker_a.id]
    assert len(mine) == 1 and notify.unread_count(world.caseworker_a) == 1
    move_to_team_b(world, world.caseworker_a)
    browser = login("caseworker_a")
    html = page(browser)
    assert household.case_number not in html and "No notifications." in html
    assert unread_in_menu(html) == 0
    assert browser.post(f"/notifications/{mine[0].id}/read").status_code == 404


def test_a_focal_point_moved_to_another_agency_no_longer_reads_them(
    world, login, household, legal_aid
):
    refer(login("caseworker_a"), household, legal_aid)
    assert notify.unread_count(world.focal) == 1
    world.focal.agency = AgencyFactory()
    db.session.commit()
    html = page(login("focal"))
    assert household.case_number not in html and unread_in_menu(html) == 0


def test_a_draft_referral_is_not_read_by_the_agency(world, household, legal_aid):
    """A notification pointing to a referral the agency may not see (a draft) is left out."""
    referral = Referral(
        household=household, agency=legal_aid.agency, service=legal_aid, reason="Papers",
        urgency="routine", due_on=TOMORROW, groups="identity", state="draft",
        created_by=world.caseworker_a,
    )  # fmt: skip
    db.session.add(referral)
    db.session.commit()
    tell(world.focal, Kind.REFERRAL_RECEIVED, Target.REFERRAL, referral.id, household)
    assert notify.unread_count(world.focal) == 0
    referral.state = "sent"
    db.session.commit()
    assert notify.unread_count(world.focal) == 1


def test_a_household_handed_over_leaves_the_old_teams_task_notifications(world, login, household):
    task = Task(household=household, title="Visit", due_on=TOMORROW)
    task.assigned_to = world.caseworker_a
    db.session.add(task)
    db.session.commit()
    notify.notify_due()
    db.session.commit()
    assert notify.unread_count(world.caseworker_a) == 1
    household.team_id = world.team_b.id
    db.session.commit()
    assert notify.unread_count(world.caseworker_a) == 0


# --- cost ----------------------------------------------------------------------------------------


@contextmanager
def counted():
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)


def _many(world, how_many: int, legal_aid) -> None:
    """`how_many` notifications to supervisor_a, of the kinds a supervisor reads, each about
    a household of its own, every other one read."""
    from app.core.db import utcnow

    db.session.execute(sa.delete(Notification))
    for i in range(how_many):
        other = HouseholdFactory(
            team=world.team_a, camp=world.camp, origin_governorate=world.ninewa
        )
        referral = Referral(
            household=other, agency=legal_aid.agency, service=legal_aid, reason="Papers",
            urgency="routine", due_on=TOMORROW, groups="identity", state="accepted",
            created_by=world.supervisor_a,
        )  # fmt: skip
        db.session.add(referral)
        db.session.flush()
        kind, target, target_id = [
            (Kind.APPROVAL_ASKED, Target.APPROVAL, 1),
            (Kind.TASK_OVERDUE, Target.TASK, 1),
            (Kind.REFERRAL_ACCEPTED, Target.REFERRAL, referral.id),
        ][i % 3]
        db.session.add(
            Notification(
                user_id=world.supervisor_a.id,
                kind=kind,
                target_type=target,
                target_id=target_id,
                household_id=other.id,
                read_at=None if i % 2 else utcnow(),
            )
        )
    db.session.commit()


def listed(html: str) -> int:
    """How many notifications the page lists."""
    if 'class="notifications"' not in html:
        return 0
    return html.split('class="notifications"', 1)[1].split("</ol>", 1)[0].count("<li")


def test_the_list_reads_a_bounded_number_of_statements(world, login, legal_aid):
    browser = login("supervisor_a")
    sizes = {}
    for how_many in (3, 30):
        _many(world, how_many, legal_aid)
        with counted() as statements:
            html = page(browser)
        assert listed(html) == min(how_many, 25)
        assert unread_in_menu(html) == how_many // 2
        sizes[how_many] = len(statements)
    assert sizes[30] == sizes[3], sizes
    assert sizes[30] <= 20, sizes


def test_the_unread_count_is_one_statement(world, household):
    tell(world.supervisor_a, Kind.APPROVAL_ASKED, Target.APPROVAL, 1, household)
    db.session.refresh(world.supervisor_a)
    with counted() as statements:
        assert notify.unread_count(world.supervisor_a) == 1
    assert len(statements) == 1 and "count" in statements[0].lower()
