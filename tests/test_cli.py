"""The operator's commands: `flask create-user` and `flask demo-data`, as run from a shell."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import config
from app import create_app
from app.access.roles import Role
from app.auth.models import User
from app.demo.households import _family
from app.extensions import db
from app.reference.models import Agency, Camp, Team
from app.referrals.models import Referral
from app.registry.models import Household, Member
from app.registry.search import fold
from tests import databases
from tests.factories import DistrictFactory, GovernorateFactory

GOOD_PASSWORD = "olive-tree-river-2026"
ARABIC_NAME = re.compile(r"^[\u0600-\u06ff]+( [\u0600-\u06ff]+)*$")


def run(app, *args: str, password: str | None = None):
    """Invoke a command as an operator would; the password goes to standard input."""
    return app.test_cli_runner().invoke(
        args=list(args), input=None if password is None else password + "\n"
    )


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def household_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Household))


def log_in(browser, username: str, password: str):
    browser.get("/login")
    return browser.post("/login", {"username": username, "password": password})


# --- create-user ------------------------------------------------------------------------------


def test_create_user_makes_an_account_that_can_log_in(app, world, browser):
    result = run(
        app,
        "create-user",
        "Nadia.Hassan",
        "--role",
        "caseworker",
        "--agency",
        "MOMD",
        "--team",
        "Team A",
        "--full-name",
        "Nadia Hassan",
        password=GOOD_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    assert "Created user nadia.hassan" in result.output
    user = db.session.scalar(sa.select(User).where(User.username == "nadia.hassan"))
    assert user is not None
    assert (user.role, user.agency.code, user.team.name, user.full_name) == (
        "caseworker",
        "MOMD",
        "Team A",
        "Nadia Hassan",
    )

    assert log_in(browser, "nadia.hassan", "wrong-password-entirely").status_code == 422
    assert log_in(browser, "nadia.hassan", GOOD_PASSWORD).status_code == 302
    page = browser.get("/households/")
    assert page.status_code == 200
    assert "Nadia Hassan" in page.get_data(as_text=True)


def test_create_user_stores_an_argon2id_hash_never_the_password(app, world):
    result = run(
        app,
        "create-user",
        "nadia.hassan",
        "--role",
        "screener",
        "--agency",
        "MOMD",
        password=GOOD_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "nadia.hassan"))
    assert stored.startswith("$argon2id$")
    assert GOOD_PASSWORD not in stored
    assert GOOD_PASSWORD not in result.output


def test_create_user_without_full_name_uses_the_username(app, world):
    result = run(
        app, "create-user", "amal.k", "--role", "admin", "--agency", "NGO", password=GOOD_PASSWORD
    )

    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "amal.k"))
    assert user.full_name == "amal.k"
    assert user.team is None


REFUSALS = {
    "short password": (
        ["nadia.hassan", "--role", "caseworker", "--agency", "MOMD", "--team", "Team A"],
        "abc123XYZ!",
        "at least 12 characters",
    ),
    "empty password": (
        ["nadia.hassan", "--role", "caseworker", "--agency", "MOMD"],
        "",
        "at least 12 characters",
    ),
    "password equal to the username": (
        ["nadia.hassan.k", "--role", "caseworker", "--agency", "MOMD"],
        "Nadia.Hassan.K",
        "may not be the username",
    ),
    "unknown role": (
        ["nadia.hassan", "--role", "superuser", "--agency", "MOMD"],
        GOOD_PASSWORD,
        "Invalid value for '--role'",
    ),
    "unknown agency": (
        ["nadia.hassan", "--role", "caseworker", "--agency", "XYZ"],
        GOOD_PASSWORD,
        "Unknown agency XYZ",
    ),
    "unknown team": (
        ["nadia.hassan", "--role", "caseworker", "--agency", "MOMD", "--team", "Team Z"],
        GOOD_PASSWORD,
        "Unknown team Team Z",
    ),
    "team of another agency": (
        ["nadia.hassan", "--role", "caseworker", "--agency", "MOMD", "--team", "Team B"],
        GOOD_PASSWORD,
        "Team B belongs to another agency",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_create_user_refuses_with_a_message_and_writes_nothing(app, world, case):
    args, password, message = REFUSALS[case]
    before = user_count()

    result = run(app, "create-user", *args, password=password)

    assert result.exit_code != 0
    # A refusal is a message for the operator, not a crash with a traceback.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert message in result.output
    assert user_count() == before
    assert db.session.scalar(sa.select(User).where(User.username == args[0].lower())) is None


@pytest.mark.parametrize("username", ["admin", "Admin", " ADMIN "])
def test_create_user_refuses_a_username_already_taken_whatever_its_case(app, world, username):
    before = user_count()
    old_hash = world.admin.password_hash

    result = run(
        app,
        "create-user",
        username,
        "--role",
        "caseworker",
        "--agency",
        "NGO",
        password=GOOD_PASSWORD,
    )

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "already taken" in result.output
    assert user_count() == before
    db.session.expire_all()
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    assert (admin.role, admin.agency.code, admin.password_hash) == ("admin", "MOMD", old_hash)


# --- demo-data --------------------------------------------------------------------------------

ORIGINS = ("IQ-NI", "IQ-AN", "IQ-SD", "IQ-KI", "IQ-DI", "IQ-BG")


def add_governorates() -> None:
    """The governorates the migrations load in a real database (the test schema has none)."""
    for n, iso in enumerate(ORIGINS):
        governorate = GovernorateFactory(iso_code=iso, pcode=f"IQG{n:02d}")
        DistrictFactory(governorate=governorate, pcode=f"IQG{n:02d}Q01")


@pytest.fixture
def governorates(app) -> None:
    add_governorates()


def demo_password(output: str) -> str:
    match = re.search(r"password for all: (\S+)\)", output)
    assert match, output
    return match.group(1)


def heads() -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(Household)
            .where(Member.relationship == "head")
            .order_by(Household.case_number)
        )
    )


def test_demo_data_creates_the_reference_users_and_households(app, governorates):
    result = run(app, "demo-data", "--households", "30", "--seed", "7")

    assert result.exit_code == 0, result.output
    assert "Created 30 demo households" in result.output

    agencies = {a.code: a.kind for a in db.session.scalars(sa.select(Agency))}
    assert {"MOMD", "NSS", "IHCHR", "IOM", "UNHCR", "UNICEF"} <= set(agencies)
    assert "ngo" in agencies.values()
    assert {"ALHOL", "ROJ", "JEDDAH1"} <= set(db.session.scalars(sa.select(Camp.code)))
    assert len(db.session.scalars(sa.select(Team)).all()) >= 2

    users = db.session.scalars(sa.select(User)).all()
    assert {u.role for u in users} == {r.value for r in Role}
    caseworkers = [u for u in users if u.role == Role.CASEWORKER]
    assert len({u.team_id for u in caseworkers if u.team_id is not None}) >= 2
    for user in users:  # the operator is told every login
        assert re.search(rf"^\s+{re.escape(user.username)}\s", result.output, re.M), user.username

    households = db.session.scalars(sa.select(Household)).all()
    assert len(households) == 30
    assert len({h.case_number for h in households}) == 30
    for household in households:
        assert [m.relationship for m in household.members].count("head") == 1
        head = household.head
        for part in (head.given_name_ar, head.father_name_ar, head.family_name_ar):
            assert ARABIC_NAME.match(part), part
        assert head.given_name_en and head.given_name_en.isascii()
        text = household.search_text
        assert fold(household.case_number) in text
        assert fold(head.given_name_ar) in text and fold(head.family_name_en) in text


def test_demo_users_log_in_with_the_printed_password(app, governorates, make_browser):
    result = run(app, "demo-data", "--households", "3", "--seed", "1")
    password = demo_password(result.output)

    for user in db.session.scalars(sa.select(User)).all():
        assert log_in(make_browser(), user.username, password).status_code == 302, user.username


def test_demo_data_searchable_by_arabic_and_latin_head_names(app, governorates, make_browser):
    result = run(app, "demo-data", "--households", "10", "--seed", "3")
    head = heads()[0]
    household = head.household
    caseworker = household.assigned_to
    browser = make_browser()
    assert log_in(browser, caseworker.username, demo_password(result.output)).status_code == 302
    browser.get("/households/")  # a new session, a new CSRF token: read it from a page

    for query in (f"{head.given_name_ar} {head.family_name_ar}", head.family_name_en.upper()):
        sent = browser.post("/households/search", {"q": query})
        page = browser.get(sent.headers["Location"])
        assert household.case_number in page.get_data(as_text=True), query


def test_demo_data_a_second_run_adds_nothing_and_says_so(app, governorates):
    first = run(app, "demo-data", "--households", "12", "--seed", "5")
    assert first.exit_code == 0, first.output
    users, households = user_count(), household_count()

    second = run(app, "demo-data", "--households", "12", "--seed", "5")

    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output and "nothing added" in second.output
    assert (user_count(), household_count()) == (users, households) == (users, 12)
    assert "admin" in second.output  # the logins are still printed


@given(today=st.dates(date(2000, 1, 1), date(2100, 12, 31)), seed=st.integers(0, 2**32))
@settings(max_examples=60, deadline=None)
def test_no_demo_member_is_born_after_the_day_the_data_is_made(today, seed):
    """The household form refuses a birth date in the future: a demo household must save."""
    families = [_family(random.Random(seed + n), today) for n in range(5)]
    assert all(m["birth_date"] <= today for family in families for m, _, _ in family)


def test_demo_caseworkers_see_only_their_own_teams_households(app, governorates, make_browser):
    result = run(app, "demo-data", "--households", "18", "--seed", "11")
    password = demo_password(result.output)
    prefix = app.config["CASE_NUMBER_PREFIX"]
    caseworkers = db.session.scalars(
        sa.select(User).where(User.role == Role.CASEWORKER).order_by(User.id)
    ).all()
    assert len({c.team_id for c in caseworkers}) >= 2

    for caseworker in caseworkers:
        rows = db.session.execute(sa.select(Household.case_number, Household.team_id)).all()
        own = {number for number, team in rows if team == caseworker.team_id}
        assert 0 < len(own) < 18 <= app.config["PAGE_SIZE"]  # the other team has some; one page
        browser = make_browser()
        assert log_in(browser, caseworker.username, password).status_code == 302

        page = browser.get("/households/").get_data(as_text=True)

        shown = set(re.findall(rf"{re.escape(prefix)}-\d{{4}}-\d{{6}}", page))
        assert shown == own, caseworker.username


@contextmanager
def another_app(tmp_path, template_database) -> Iterator:
    """A second app on a database of its own, with its own app context pushed."""
    folder = tmp_path / "other"
    folder.mkdir(parents=True)
    with databases.fresh_database(folder, template_database) as url:
        settings = config.TestingConfig()
        settings.SQLALCHEMY_DATABASE_URI = url
        settings.SQLALCHEMY_ENGINE_OPTIONS = {}
        other = create_app(settings)
        with other.app_context():
            try:
                yield other
            finally:
                db.session.remove()
                db.engine.dispose()


def demo_heads(app, seed: int) -> list[tuple]:
    result = run(app, "demo-data", "--households", "15", "--seed", str(seed))
    assert result.exit_code == 0, result.output
    return [
        (h.household.case_number, h.name_ar, h.name_en, h.birth_date, h.household.phone)
        for h in heads()
    ]


def test_demo_data_same_seed_same_households(app, governorates, tmp_path, template_database):
    first = demo_heads(app, seed=42)

    with another_app(tmp_path, template_database) as other:
        add_governorates()
        again = demo_heads(other, seed=42)
    with another_app(tmp_path / "third", template_database) as other:
        add_governorates()
        different = demo_heads(other, seed=43)

    assert len(first) == 15
    assert again == first
    assert [h[1] for h in different] != [h[1] for h in first]


def test_demo_data_without_governorates_refuses_with_a_message(app):
    """A database without the governorates the migrations load: say so, write nothing."""
    result = run(app, "demo-data", "--households", "5")

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "governorate" in result.output.lower()
    assert (user_count(), household_count()) == (0, 0)


def test_demo_referrals_wait_in_the_focal_points_inboxes(app, governorates, make_browser):
    result = run(app, "demo-data", "--households", "30", "--seed", "5")
    assert re.search(r", (\d+) referrals", result.output).group(1) != "0"
    states = set(db.session.scalars(sa.select(Referral.state)))
    assert {"sent", "accepted"} <= states
    for focal in ("focal.iom", "focal.nakhla"):
        browser = make_browser()
        assert log_in(browser, focal, demo_password(result.output)).status_code == 302
        inbox = browser.get("/referrals/inbox").get_data(as_text=True)
        assert "AWD-" in inbox, focal


def test_demo_data_spreads_the_journeys_over_past_months(app, governorates, make_browser):
    """Registrations and moves over months, each move after the one before: the supervisors'
    dashboards show stuck cases and the weekly chart a trend."""
    from datetime import timedelta

    from app.core.db import as_utc, utcnow
    from app.history.models import CaseEvent

    result = run(app, "demo-data", "--households", "200", "--seed", "2")
    assert result.exit_code == 0, result.output
    now = utcnow()
    households = db.session.scalars(sa.select(Household)).all()
    registered = [as_utc(h.created_at) for h in households]
    assert (now - min(registered)).days > 120 and (now - max(registered)).days < 14
    for household in households:
        events = db.session.scalars(
            sa.select(CaseEvent)
            .where(
                CaseEvent.household_id == household.id,
                CaseEvent.kind.in_(("registered", "stage_changed")),
            )
            .order_by(CaseEvent.id)
        ).all()
        moments = [as_utc(e.at) for e in events]
        assert moments == sorted(moments) and moments[-1] <= now, household.case_number
        assert as_utc(household.stage_changed_at) == moments[-1]
        year = household.case_number.split("-")[1]
        assert int(year) in {moments[0].year, (moments[0] + timedelta(hours=3)).year}
    stuck = [h for h in households if (now - as_utc(h.stage_changed_at)).days > 30]
    assert 10 < len(stuck) < len(households) - 10
    arrivals = db.session.scalars(sa.select(CaseEvent.at).where(CaseEvent.to_stage == "arrived"))
    weeks = {as_utc(at).isocalendar()[:2] for at in arrivals if (now - as_utc(at)).days < 84}
    assert len(weeks) >= 8  # arrivals in most of the twelve weeks the dashboard draws

    browser = make_browser()
    assert log_in(browser, "supervisor.a", demo_password(result.output)).status_code == 302
    page = browser.get("/dashboard").get_data(as_text=True)
    stuck_list = page[page.index("In one stage for more than 30 days") :]
    assert re.search(r"AWD-\d{4}-\d{6}", stuck_list[: stuck_list.index("</ul>")])
