"""Many people writing at the same moment, on SQLite as on PostgreSQL: every number the app
hands out (case numbers, assessment versions, the audit trail's place in its chain) is handed
out once, in order and without a gap, and nobody gets an error for having written at the same
moment as someone else.

Each writer is a thread with its own app context, hence its own database session and
connection, against the test's own database (a file for SQLite, a database of the test server
for PostgreSQL); a barrier starts them together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import sqlalchemy as sa

from app.access.roles import Role
from app.audit.models import AuditEntry
from app.audit.services import check_chain
from app.core.dates import local_today
from app.core.locks import SQLITE_BUSY_SECONDS
from app.demo.names import FEMALE_GIVEN, MALE_GIVEN
from app.extensions import db
from app.registry.models import Household
from app.screening import services as screening
from app.screening.models import Assessment
from app.transfers import services as transfers
from app.transfers.models import Transfer
from app.workflow import services as workflow
from app.workflow.models import ApprovalRequest
from tests.factories import HouseholdFactory, MemberFactory, TeamFactory, UserFactory
from tests.forms import HEAD, household_payload

WRITERS, EACH = 8, 20


def _together(app, writers: int, work: Callable[[int], object]) -> list:
    """Run `work(i)` for i in range(writers), each in a thread of its own with its own app
    context, all started at once; returns what each returned or raised."""
    barrier = threading.Barrier(writers)

    def run(index: int):
        with app.app_context():
            try:
                return work_after(index)
            except Exception as error:  # what the writer would have got as a 500
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    def work_after(index: int):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(run, range(writers)))


def _caseworkers(world, count: int) -> list:
    people = [
        UserFactory(
            username=f"writer.{i}",
            role=Role.CASEWORKER.value,
            team=world.team_a,
            agency=world.team_a.agency,
        )
        for i in range(count)
    ]
    db.session.commit()
    return people


def _someone(number: int) -> dict:
    """A head of household of their own: no two registrations here are possible duplicates."""
    given = FEMALE_GIVEN[number % len(FEMALE_GIVEN)][0]
    father, grandfather = (MALE_GIVEN[number // len(FEMALE_GIVEN) + k][0] for k in (0, 9))
    return {
        "camp_ref": f"W-{number}",
        "members-0-given_name_ar": given,
        "members-0-father_name_ar": father,
        "members-0-grandfather_name_ar": grandfather,
        "members-0-given_name_en": "",
        "members-0-father_name_en": "",
        "members-0-grandfather_name_en": "",
    }


def test_registrations_at_the_same_moment_get_every_number_once_in_order(app, world, make_browser):
    """8 caseworkers each register 20 households as fast as they can, all at once."""
    people = _caseworkers(world, WRITERS)
    usernames = [p.username for p in people]
    form = household_payload(world, members=[HEAD])  # read here: the world is this thread's

    def register(index: int) -> list[int]:
        browser = make_browser()
        browser.login(SimpleNamespace(username=usernames[index]))
        answers = []
        for n in range(EACH):
            answer = browser.post("/households/new", {**form, **_someone(index * EACH + n)})
            answers.append(answer.status_code)
        return answers

    results = _together(app, WRITERS, register)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} writers failed: {errors[:3]}"
    answers = [status for statuses in results for status in statuses]
    assert answers == [302] * (WRITERS * EACH)  # every one registered, none refused or failed
    year = local_today().year
    numbers = sorted(db.session.scalars(sa.select(Household.case_number)))
    assert numbers == [f"AWD-{year}-{n:06d}" for n in range(1, WRITERS * EACH + 1)]
    check = check_chain()
    assert check.broken is None, check.problem
    registered = sa.select(sa.func.count()).where(AuditEntry.action == "case.registered")
    assert db.session.scalar(registered.select_from(AuditEntry)) == WRITERS * EACH


def test_assessments_saved_at_the_same_moment_get_every_version_once(app, world):
    """8 people save the same household's community acceptance 20 times each, all at once."""
    people = _caseworkers(world, WRITERS)
    household = HouseholdFactory(
        team=world.team_a, camp=world.camp, origin_governorate=world.ninewa
    )
    db.session.commit()
    household_id, people_ids = household.id, [p.id for p in people]
    data = {
        "mukhtar_letter": False,
        "committee_decision": "pending",
        "destination_confirmed": False,
    }

    def save(index: int) -> int:
        from app.auth.models import User

        for _ in range(EACH):
            here = db.session.get(Household, household_id)
            actor = db.session.get(User, people_ids[index])
            screening.save_assessment("acceptance", here, None, data, actor)
            db.session.commit()
        return EACH

    results = _together(app, WRITERS, save)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} writers failed: {errors[:3]}"
    saved = db.session.execute(
        sa.select(Assessment.version, Assessment.current).where(
            Assessment.household_id == household_id
        )
    ).all()
    assert sorted(v for v, _ in saved) == list(range(1, WRITERS * EACH + 1))
    assert [v for v, current in saved if current] == [WRITERS * EACH]


def test_hand_overs_asked_at_the_same_moment_leave_one_waiting_and_refuse_the_others(app, world):
    """8 supervisors of team A ask, at once, to hand the same household over."""
    supervisors = [
        UserFactory(
            username=f"sup.{i}",
            role=Role.SUPERVISOR.value,
            team=world.team_a,
            agency=world.team_a.agency,
        )
        for i in range(WRITERS)
    ]
    team_c = TeamFactory(name="Team C", agency=world.team_a.agency)
    UserFactory(role=Role.SUPERVISOR.value, team=team_c, agency=team_c.agency)  # answers it
    household = HouseholdFactory(
        team=world.team_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[MemberFactory()],
    )
    db.session.commit()
    household_id, team_c_id = household.id, team_c.id
    ids = [s.id for s in supervisors]

    def ask(index: int) -> str:
        from app.auth.models import User
        from app.core.validation import ValidationFailed

        here = db.session.get(Household, household_id)
        actor = db.session.get(User, ids[index])
        try:
            transfers.request_transfer(here, team_c_id, False, "Closer to home", actor)
            db.session.commit()
        except ValidationFailed as refused:
            db.session.rollback()
            return " ".join(str(m) for ms in refused.errors.values() for m in ms)
        return "sent"

    results = _together(app, WRITERS, ask)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} writers failed: {errors[:3]}"
    assert results.count("sent") == 1
    assert sorted(set(results) - {"sent"}) == [
        "A hand-over of this household is already waiting for an answer."
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1


def test_approvals_asked_at_the_same_moment_leave_one_waiting_and_refuse_the_others(app, world):
    """8 caseworkers of team A ask, at once, to close the same case."""
    people = _caseworkers(world, WRITERS)
    household = HouseholdFactory(
        team=world.team_a, camp=world.camp, origin_governorate=world.ninewa, stage="follow_up"
    )
    household_id, ids = household.id, [p.id for p in people]

    def ask(index: int) -> str:
        from app.auth.models import User

        here = db.session.get(Household, household_id)
        actor = db.session.get(User, ids[index])
        try:
            workflow.request_move(here, "closed", actor, "Case complete")
            db.session.commit()
        except workflow.MoveRefused as refused:
            db.session.rollback()
            return " ".join(refused.messages)
        return "sent"

    results = _together(app, WRITERS, ask)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} writers failed: {errors[:3]}"
    assert results.count("sent") == 1
    assert {r.split(";")[0] for r in results if r != "sent"} <= {
        "Someone changed this household at the same moment",
        "A request for approval is waiting on this household",
    }
    waiting = sa.select(sa.func.count()).where(ApprovalRequest.status == "pending")
    assert db.session.scalar(waiting.select_from(ApprovalRequest)) == 1


def test_a_registration_waits_for_another_writer_instead_of_failing(app, world, login):
    """Someone else holds the case counter (and on SQLite the database's write lock) for a
    second: the registration waits for them, then gets its number."""
    browser = login("caseworker_a")
    form = household_payload(world, members=[HEAD])
    year = local_today().year
    holding, held_for = threading.Event(), 1.0

    def hold_the_counter() -> None:
        with app.app_context(), db.engine.connect() as other:
            other.execute(
                sa.text(
                    "INSERT INTO case_counters (year, last_value) VALUES (:year, 0) "
                    "ON CONFLICT (year) DO UPDATE SET last_value = case_counters.last_value"
                ),
                {"year": year},
            )
            holding.set()
            time.sleep(held_for)
            other.commit()

    holder = threading.Thread(target=hold_the_counter)
    holder.start()
    assert holding.wait(timeout=10)
    started = time.monotonic()
    answer = browser.post("/households/new", form)
    waited = time.monotonic() - started
    holder.join()

    assert answer.status_code == 302
    assert waited >= held_for * 0.8
    assert db.session.scalar(sa.select(Household.case_number)) == f"AWD-{year}-000001"
    if db.engine.dialect.name == "sqlite":
        timeout = db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert timeout == SQLITE_BUSY_SECONDS * 1000
