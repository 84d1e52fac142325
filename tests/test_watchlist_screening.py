"""Screening registered persons against a watch list: who is alerted when a list is loaded and
when a person is registered, imported or edited; what a new version of the list screens again
and withdraws; what a decision keeps from being raised again and what brings it back; and that
screening never changes a household."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date

import pytest
import sqlalchemy as sa
from flask import g

from app import jobs
from app.audit import services as audit
from app.extensions import db
from app.registry import services
from app.registry.models import Household, Member
from app.screening.models import Assessment
from app.watchlist import loading, screening
from app.watchlist.decisions import THE_PERSON, decide
from app.watchlist.models import AlertStatus, ListKind, WatchAlert, WatchEntry
from app.watchlist.un_xml import read_un_list
from tests.factories import UserFactory
from tests.test_import_commit import commit_now, csv_bytes, receive_and_check
from tests.test_watchlist_matching import WANTED
from tests.watchlist_data import un_list_xml
from tests.workflow_support import clear_vetting

OTHER = {  # a second listed man, whom only Khalid below is alike
    **WANTED,
    "dataid": "6909002",
    "reference": "QDi.9002",
    "names": ["KHALID", "YASIR", "SALIH", "AL-DULAYMI"],
    "original_script": "خالد ياسر صالح الدليمي",
    "births": [{"type": "EXACT", "year": "1975"}],
    "aliases": [],
}
AHMAD = ("احمد", "محمد", "حسين", date(1980, 3, 5))  # the wanted man as registered
KHALID = ("خالد", "ياسر", "صالح", date(1975, 8, 2), "head", "هدى سالم", "الدليمي")
BORN_1976 = {"births": [{"type": "EXACT", "year": "1976"}]}  # a change to OTHER
BORN_1981 = {"births": [*WANTED["births"], {"type": "EXACT", "year": "1981"}]}  # to WANTED
REASON = "Compared the four names, the year of birth and the mother's name."


def man(given, father, grandfather, born, relationship="head", mother="فاطمة علي", family=None):
    return services.MemberInput(
        given_name_ar=given,
        father_name_ar=father,
        grandfather_name_ar=grandfather,
        family_name_ar=family or "الجبوري",
        mother_name_ar=mother,
        sex="M",
        relationship=relationship,
        birth_date=born,
    )


def settle() -> None:
    """What the end of a request does: write its audit entries, commit, run the jobs it asked
    for (inline in tests); then read afresh what those jobs wrote."""
    audit.write_buffer(committed=True)
    db.session.commit()
    jobs.launch_committed()
    db.session.expire_all()


def asked() -> list[str]:
    """The jobs asked for by what this "request" has done so far, not yet launched."""
    return [name for name, _arguments in g.get(jobs._AFTER_COMMIT, [])]


def register(world, *members, ref="HOL-1", settled=True) -> Household:
    data = services.HouseholdInput(world.camp.id, ref, world.ninewa.id, list(members))
    household = services.register_household(data, world.caseworker_a)
    if settled:
        settle()
    return household


def edit(world, household: Household, shelter=None, **head_changes) -> None:
    """Save `household` again through the registry (not settled), its head changed."""
    members = []
    for member in household.members:
        values = {f.name: getattr(member, f.name, None) for f in fields(services.MemberInput)}
        values.update(identifiers={}, documents=[], needs=[], id=member.id)
        if member.relationship == "head":
            values.update(head_changes)
        members.append(services.MemberInput(**values))
    place = (household.camp_id, household.camp_ref, household.origin_governorate_id)
    data = services.HouseholdInput(*place, members, shelter=shelter)
    services.update_household(household, data, household.version, world.caseworker_a)


def load_list(world, people, settled=True) -> loading.Loaded:
    content = un_list_xml(people)
    persons = read_un_list(content)
    loaded = loading.load(
        "UN consolidated list", ListKind.UN, persons, "c.xml", content, world.screener
    )
    if settled:
        settle()
    return loaded


def alerts() -> list[WatchAlert]:
    return list(db.session.scalars(sa.select(WatchAlert).order_by(WatchAlert.id)))


def alert_of(member: Member, reference: str = "QDi.9001") -> WatchAlert | None:
    found = [a for a in alerts() if a.member_id == member.id and a.entry.reference == reference]
    return found[0] if found else None


def answer(alert: WatchAlert, *answers: tuple[str, object]) -> WatchAlert:
    """Each (answer, screener) decided on `alert`, each as its own request."""
    for said, screener in answers:
        decide(alert, said, REASON, screener)
        settle()
    return alert


def second_screener():
    return UserFactory(username="screener.b", full_name="Second Screener", role="screener")


@pytest.fixture
def screener_b():
    return second_screener()


@pytest.fixture
def family(world) -> dict[str, Member]:
    """The wanted man with his son, and his brother (same father and mother), registered
    before any list was loaded."""
    ahmad = register(
        world, man(*AHMAD), man("عمر", "احمد", "محمد", date(2008, 6, 1), "son", "زينب خالد")
    )
    brother = register(world, man("علي", "محمد", "حسين", date(1983, 1, 9)), ref="HOL-2")
    return {"ahmad": ahmad.members[0], "son": ahmad.members[1], "brother": brother.members[0]}


def test_a_loaded_list_alerts_on_the_listed_man_alone_and_says_why(world, family):
    assert alerts() == []  # registered before any list: nothing to screen against
    load_list(world, [WANTED])
    raised = [(a.member_id, a.entry.reference, a.status, a.source) for a in alerts()]
    assert raised == [(family["ahmad"].id, "QDi.9001", AlertStatus.OPEN, "list")]
    explanation = alerts()[0].explanation
    assert {"given", "birth"} <= {line["feature"] for line in explanation}
    for line in explanation:
        assert set(line) == {"feature", "level", "weight"} and line["level"]
        assert isinstance(line["weight"], int | float)
    stored = json.dumps(explanation, ensure_ascii=False)
    for value in ("احمد", "AHMAD", "1980", "الجبوري", "AL-JUBURI", "فاطمة"):
        assert value not in stored


def test_persons_registered_or_edited_into_the_listed_man_are_screened_then(world):
    load_list(world, [WANTED])
    brother = register(world, man("علي", "محمد", "حسين", date(1983, 1, 9)), ref="HOL-2")
    ahmad = register(world, man(*AHMAD)).members[0]
    yusuf = register(world, man("يوسف", "محمد", "حسين", date(1980, 3, 5)), ref="HOL-3")
    raised = [(a.member_id, a.source, a.status) for a in alerts()]
    assert raised == [(ahmad.id, "registration", AlertStatus.OPEN)]
    assert alert_of(brother.members[0]) is None
    edit(world, yusuf, given_name_ar="احمد")  # a typo in his name corrected
    assert screening.SCREEN_MEMBERS_JOB in asked()
    settle()
    alert = alert_of(yusuf.members[0])
    assert (alert.source, alert.status) == ("registration", AlertStatus.OPEN)


def test_with_no_list_loaded_registration_asks_for_no_screening(world):
    register(world, man(*AHMAD), settled=False)
    assert screening.SCREEN_MEMBERS_JOB not in asked()
    settle()
    assert alerts() == []


def test_persons_an_imported_list_writes_are_screened_as_imported(world):
    load_list(world, [WANTED])
    rows = [["F-1", "احمد محمد حسين الجبوري", "فاطمة علي", "1980", "ذكر", "رب الأسرة"]]
    done = commit_now(world, receive_and_check(world, csv_bytes(rows))[0])
    assert done.created == 1
    db.session.expire_all()
    member = db.session.scalars(sa.select(Member)).one()
    assert [(a.member_id, a.source, a.status) for a in alerts()] == [(member.id, "import", "open")]


def test_a_new_version_screens_again_only_the_entries_it_changed(world, family):
    load_list(world, [WANTED, OTHER])
    answer(alert_of(family["ahmad"]), (AlertStatus.NOT_PERSON, world.screener))
    loaded = load_list(world, [WANTED, {**OTHER, **BORN_1976}], settled=False)
    assert g.get(jobs._AFTER_COMMIT) == [
        (screening.SCREEN_ENTRIES_JOB, {"entry_ids": loaded.to_screen})
    ]
    assert [db.session.get(WatchEntry, i).reference for i in loaded.to_screen] == ["QDi.9002"]
    settle()
    alert = alert_of(family["ahmad"])
    assert alert.status == AlertStatus.NOT_PERSON and len(alert.decisions) == 1


@pytest.mark.parametrize(
    "waiting", [(), (AlertStatus.POSSIBLE,), (THE_PERSON,)], ids=["open", "possible", "pending"]
)
def test_an_entry_dropped_withdraws_its_waiting_alerts_and_a_confirmed_match_stays(
    world, family, screener_b, waiting
):
    khalid = register(world, man(*KHALID), ref="HOL-3").members[0]
    load_list(world, [WANTED, OTHER])
    answer(alert_of(family["ahmad"]), *((said, world.screener) for said in waiting))
    confirmed = [(THE_PERSON, world.screener), (THE_PERSON, screener_b)]
    answer(alert_of(khalid, "QDi.9002"), *confirmed)
    load_list(world, [{**OTHER, "reference": "QDi.9003", "dataid": "6909003"}])
    assert alert_of(family["ahmad"]).status == AlertStatus.WITHDRAWN
    assert alert_of(khalid, "QDi.9002").status == AlertStatus.CONFIRMED


def test_an_entry_listed_again_after_it_was_dropped_is_alerted_again(world, family):
    load_list(world, [WANTED])
    load_list(world, [OTHER])
    assert alert_of(family["ahmad"]).status == AlertStatus.WITHDRAWN
    load_list(world, [WANTED, OTHER])  # the man is on the list again, as he was
    assert alert_of(family["ahmad"]).status == AlertStatus.OPEN


@pytest.fixture
def registered(world) -> Household:
    """The list loaded, then the wanted man registered: his alert is open."""
    load_list(world, [WANTED, OTHER])
    return register(world, man(*AHMAD))


@pytest.mark.parametrize(
    "change", [{"birth_date": date(1980, 7, 1)}, {"given_name_en": "Ahmed"}], ids=["born", "name"]
)
def test_not_the_person_stands_until_the_persons_identity_changes(world, registered, change):
    ahmad = registered.members[0]
    answer(alert_of(ahmad), (AlertStatus.NOT_PERSON, world.screener))
    load_list(world, [WANTED, {**OTHER, **BORN_1976}])
    assert alert_of(ahmad).status == AlertStatus.NOT_PERSON  # another entry changed
    edit(world, registered, shelter="Block D, tent 3")
    assert screening.SCREEN_MEMBERS_JOB not in asked()  # not his identity: not screened
    settle()
    assert alert_of(ahmad).status == AlertStatus.NOT_PERSON
    edit(world, registered, **change)
    settle()
    alert = alert_of(ahmad)
    assert (alert.status, alert.source) == (AlertStatus.OPEN, "registration")


@pytest.mark.parametrize(
    "change",
    [
        {"aliases": [*WANTED["aliases"], {"quality": "Low", "name": "Abu Hamza"}]},
        BORN_1981,
    ],
    ids=["alias", "birth"],
)
def test_not_the_person_stands_until_the_entry_changes(world, registered, change):
    ahmad = registered.members[0]
    answer(alert_of(ahmad), (AlertStatus.NOT_PERSON, world.screener))
    load_list(world, [{**WANTED, **change}, OTHER])
    alert = alert_of(ahmad)
    assert (alert.status, alert.source) == (AlertStatus.OPEN, "list")
    assert [d.decision for d in alert.decisions] == [AlertStatus.NOT_PERSON]  # kept


@pytest.mark.parametrize(
    ("answers", "status"),
    [((AlertStatus.POSSIBLE,), AlertStatus.POSSIBLE), ((THE_PERSON,) * 2, AlertStatus.CONFIRMED)],
    ids=["possible", "confirmed"],
)
def test_possible_stays_waiting_and_confirmed_stays_confirmed_whatever_changes(
    world, registered, screener_b, answers, status
):
    ahmad = registered.members[0]
    screeners = [world.screener, screener_b]
    answer(alert_of(ahmad), *zip(answers, screeners, strict=False))
    load_list(world, [{**WANTED, **BORN_1981}, OTHER])
    edit(world, registered, birth_date=date(1980, 7, 1))
    settle()
    alert = alert_of(ahmad)
    assert alert.status == status and len(alert.decisions) == len(answers)


def test_a_decision_stands_when_the_same_screening_runs_again(world, registered):
    """A job retried, or run twice, raises nothing a screener decided on these very records."""
    ahmad = registered.members[0]
    edit(world, registered, birth_date=date(1980, 7, 1))
    settle()
    answer(alert_of(ahmad), (AlertStatus.NOT_PERSON, world.screener))
    listed = list(db.session.scalars(sa.select(WatchEntry.id)))
    assert screening.screen_members([ahmad.id], "registration") == 0
    assert screening.screen_entries(listed) == 0
    settle()
    assert alert_of(ahmad).status == AlertStatus.NOT_PERSON


def household_state(household: Household) -> tuple:
    """All a case file says of where the household stands: stage, version, vetting, routes."""
    db.session.expire_all()
    saved = db.session.get(Household, household.id)
    stored = sa.select(Assessment).where(Assessment.household_id == saved.id).order_by("id")
    vetting = [
        (a.id, a.member_id, a.version, a.current, a.data) for a in db.session.scalars(stored)
    ]
    members = [(m.id, m.route, m.identity_digest) for m in saved.members]
    return saved.stage, saved.stage_changed_at, saved.version, vetting, members


def test_screening_and_deciding_never_change_a_household(world, family, screener_b):
    ahmad, household = family["ahmad"], family["ahmad"].household
    household.stage, family["son"].route = "vetting", "separated"
    clear_vetting(household, world.screener)  # a vetting record for each member; commits
    before = household_state(household)
    load_list(world, [WANTED])
    said = [(AlertStatus.POSSIBLE, world.screener), (THE_PERSON, world.screener)]
    assert answer(alert_of(ahmad), *said, (THE_PERSON, screener_b)).status == AlertStatus.CONFIRMED
    load_list(world, [{**WANTED, **BORN_1981}])
    assert household_state(household) == before
