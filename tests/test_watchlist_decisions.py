"""Screeners' decisions on watch-list alerts: a match needs two screeners (four eyes), whatever
two screeners answer and in whatever order; a decision needs a known answer and a reason; a
confirmed or withdrawn alert takes no more answers; every answer is kept and audited; and a
confirmed match is on the vetting record for screeners only: other readers of the case file
are not told it exists."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.access.policy import visible_groups
from app.audit.models import AuditEntry
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.presenter import entries
from app.history.services import timeline
from app.registry.models import Member
from app.watchlist import screening
from app.watchlist.decisions import ANSWERS, THE_PERSON, decide
from app.watchlist.models import AlertDecision, AlertStatus, WatchAlert
from tests.test_watchlist_screening import (
    AHMAD,
    OTHER,
    REASON,
    WANTED,
    alert_of,
    answer,
    load_list,
    man,
    register,
    second_screener,
    settle,
)

MATCH = "QDi.9001"  # the reference a confirmed match names on the household page
CONFIRMED = "Watch-list match confirmed"  # the case-history event, for screeners alone


@pytest.fixture
def screener_b():
    return second_screener()


@pytest.fixture
def alert(world) -> WatchAlert:
    """The list loaded, the wanted man registered and his household at security vetting
    (where screeners read the case file): his alert is open."""
    load_list(world, [WANTED, OTHER])
    household = register(world, man(*AHMAD))
    household.stage = "vetting"
    settle()
    return alert_of(household.members[0])


def refused(alert: WatchAlert, said: str, reason: str, screener) -> dict:
    """The errors of an answer the alert refuses; it is left as it was, nothing recorded."""
    before = (alert.status, len(alert.decisions))
    with pytest.raises(ValidationFailed) as refusal:
        decide(alert, said, reason, screener)
    settle()
    assert (alert.status, len(alert.decisions)) == before
    return refusal.value.errors


def timeline_of(user, household) -> list[str]:
    """The case history as `user` reads it, every entry's words together."""
    groups = visible_groups(user, household)
    return [
        f"{e.title} {e.reason or ''} {e.restricted or ''}"
        for e in entries(timeline(household), groups)
    ]


def test_a_match_takes_two_screeners_and_is_read_by_screeners_alone(
    world, alert, screener_b, login
):
    assert answer(alert, (THE_PERSON, world.screener)).status == AlertStatus.PENDING
    errors = refused(alert, THE_PERSON, "I am sure: same names.", world.screener)
    assert list(errors) == ["answer"] and alert.status == AlertStatus.PENDING
    assert answer(alert, (THE_PERSON, screener_b)).status == AlertStatus.CONFIRMED

    household = alert.member.household
    events = timeline(household)
    confirmed = [e for e in events if e.kind == "watchlist_match_confirmed"]
    assert [(e.member_id, e.actor_id) for e in confirmed] == [(alert.member_id, screener_b.id)]
    for screener in (world.screener, screener_b):
        assert sum(CONFIRMED in line for line in timeline_of(screener, household)) == 1
    for reader in (world.caseworker_a, world.supervisor_a):
        lines = timeline_of(reader, household)
        assert len(lines) == len(events) - 1  # left out, not shown as withheld
        assert not any(CONFIRMED in line or MATCH in line for line in lines)

    url = f"/households/{household.id}"
    assert MATCH in login("screener").get(url).get_data(as_text=True)
    page = login("caseworker_a").get(url).get_data(as_text=True)
    assert MATCH not in page and "Watch-list" not in page


def test_one_screener_alone_cannot_clear_anothers_the_person(world, alert, screener_b):
    answer(alert, (THE_PERSON, world.screener), (AlertStatus.NOT_PERSON, screener_b))
    assert alert.status == AlertStatus.POSSIBLE  # still in the queue, for a third look
    assert answer(alert, (THE_PERSON, world.screener)).status == AlertStatus.PENDING
    assert list(refused(alert, THE_PERSON, REASON, world.screener)) == ["answer"]
    assert answer(alert, (THE_PERSON, screener_b)).status == AlertStatus.CONFIRMED


@pytest.mark.parametrize(
    ("said", "reason", "field"),
    [
        (AlertStatus.NOT_PERSON, "", "reason"),
        (THE_PERSON, " \n\t ", "reason"),
        (AlertStatus.POSSIBLE, None, "reason"),
        ("maybe", REASON, "answer"),
        (AlertStatus.CONFIRMED, REASON, "answer"),  # no way round the second screener
        (AlertStatus.PENDING, REASON, "answer"),
        (AlertStatus.WITHDRAWN, REASON, "answer"),
    ],
    ids=["empty", "blank", "none", "unknown", "confirmed", "pending", "withdrawn"],
)
def test_an_answer_needs_a_known_answer_and_a_reason(world, alert, said, reason, field):
    assert list(refused(alert, said, reason, world.screener)) == [field]
    assert alert.status == AlertStatus.OPEN and alert.decisions == []
    audited = sa.select(AuditEntry).where(AuditEntry.action == "watchlist.decided")
    assert db.session.scalars(audited).all() == []


def test_a_confirmed_alert_takes_no_more_answers(world, alert, screener_b):
    answer(alert, (THE_PERSON, world.screener), (THE_PERSON, screener_b))
    for said in (AlertStatus.NOT_PERSON, AlertStatus.POSSIBLE, THE_PERSON):
        for screener in (world.screener, screener_b):
            assert list(refused(alert, said, REASON, screener)) == [None]
    assert alert.status == AlertStatus.CONFIRMED and len(alert.decisions) == 2


def test_a_withdrawn_alert_takes_no_answer(world, alert):
    load_list(world, [OTHER])  # the new version no longer lists him
    alert = db.session.get(WatchAlert, alert.id)
    assert alert.status == AlertStatus.WITHDRAWN
    for said in (AlertStatus.NOT_PERSON, AlertStatus.POSSIBLE, THE_PERSON):
        assert list(refused(alert, said, REASON, world.screener)) == [None]
    assert alert.status == AlertStatus.WITHDRAWN and alert.decisions == []


def test_every_answer_is_kept_with_who_when_and_why_and_audited(world, alert, screener_b):
    said = [
        (AlertStatus.POSSIBLE, world.screener, "Same year, the mother's name unknown."),
        (THE_PERSON, screener_b, "The mother's name matches the court's file."),
        (AlertStatus.NOT_PERSON, world.screener, "  Another man: born in Hit, not Mosul.  "),
    ]
    for answer_given, screener, reason in said:
        decide(alert, answer_given, reason, screener)
        settle()
    kept = db.session.scalars(sa.select(AlertDecision).order_by(AlertDecision.id)).all()
    assert [(d.alert_id, d.decision, d.decided_by_id, d.reason) for d in kept] == [
        (alert.id, a, s.id, r.strip()) for a, s, r in said
    ]
    assert all(d.decided_at is not None for d in kept)
    assert kept[0].decided_at <= kept[1].decided_at <= kept[2].decided_at
    audited = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "watchlist.decided")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.target, e.user_id, e.detail["answer"]) for e in audited] == [
        (f"alert:{alert.id}", s.id, a) for a, s, _r in said
    ]
    assert [(e.detail["before"], e.detail["after"]) for e in audited] == [
        ("open", "possible"),
        ("possible", "pending"),
        ("pending", "possible"),  # "not the person" does not clear a pending match alone
    ]
    assert not any(r.strip() in str(e.detail) for e in audited for _a, _s, r in said)


@pytest.fixture
def wanted(alert) -> Member:
    return alert.member


def fresh_alert(member: Member) -> WatchAlert:
    """The alert on `member` raised anew, no decision yet: one per example of a property."""
    for model in (AlertDecision, WatchAlert):  # the last example's, out of the session too
        db.session.execute(sa.delete(model))
        for kept in [o for o in db.session.identity_map.values() if isinstance(o, model)]:
            db.session.expunge(kept)
    assert screening.screen_members([member.id]) == 1
    db.session.commit()
    return alert_of(member)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(said=st.lists(st.tuples(st.sampled_from([0, 1]), st.sampled_from(ANSWERS)), max_size=8))
def test_only_two_screeners_one_after_the_other_confirm_a_match(world, wanted, screener_b, said):
    """Whatever two screeners answer, in any order: confirmed exactly when the last two answers
    taken are "the person" from two different screeners; an answer is refused only on a
    confirmed alert or when it would confirm one's own; every answer taken is kept."""
    screeners = (world.screener, screener_b)
    alert = fresh_alert(wanted)
    taken: list[tuple[int, str]] = []
    for who, said_now in said:
        before = alert.status
        try:
            decide(alert, said_now, REASON, screeners[who])
        except ValidationFailed:
            own = before == AlertStatus.PENDING and taken[-1] == (who, THE_PERSON)
            assert before == AlertStatus.CONFIRMED or (said_now == THE_PERSON and own)
            assert alert.status == before
            continue
        assert before != AlertStatus.CONFIRMED
        taken.append((who, said_now))
        last = taken[-2:]
        two = len(last) == 2 and last[0][0] != last[1][0]
        assert (alert.status == AlertStatus.CONFIRMED) == (
            two and all(a == THE_PERSON for _, a in last)
        )
    db.session.commit()
    kept = sa.select(sa.func.count()).where(AlertDecision.alert_id == alert.id)
    assert db.session.scalar(kept) == len(taken)
    if len({who for who, _ in taken}) < 2:
        assert alert.status != AlertStatus.CONFIRMED
