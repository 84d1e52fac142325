"""Merging two records judged the same person, with or without their households, and undoing
it: what moves, what a supervisor then sees, what is refused, and that undoing puts every row
back as it was."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.validation import ValidationFailed
from app.extensions import db
from app.history import services as history
from app.history.models import CaseEvent
from app.identity import linkage, merging
from app.identity import services as identity
from app.identity.models import DuplicatePair, IdentityKey, Merge, PairStatus
from app.referrals.models import AgencyService, Referral
from app.registry.models import Household, Member, MemberDocument, MemberIdentifier, MemberNeed
from app.tasks.models import Task
from app.transfers.models import Collaboration, Transfer
from tests.factories import HouseholdFactory, MemberFactory, judged_pair
from tests.forms import HEAD, household_payload

REASON = "Same camp ID card and mother's name; the family confirmed at the interview"

# Columns a merge and its undoing change on purpose, left out of the before/after comparison:
# the household's optimistic lock and last change (both bumped so that an editor holding an old
# page is told it is stale), and the timeline entries telling of the merge and of its undoing.
BOOKKEEPING_COLUMNS = {"households": {"version", "updated_at", "updated_by_id"}}
BOOKKEEPING_EVENTS = ("merged", "unmerged")
BOOKKEEPING_TABLES = {"identity_merges"}  # the merge itself, with its manifest


# --- building -------------------------------------------------------------------------------


def _person(given_en: str, given_ar: str, relationship: str = "head", position: int = 0, **kw):
    return MemberFactory(
        given_name_en=given_en,
        given_name_ar=given_ar,
        relationship=relationship,
        position=position,
        **kw,
    )


def _household(world, *members: Member) -> Household:
    household = HouseholdFactory(
        team=world.team_a, assigned_to=world.caseworker_a, camp=world.camp, members=list(members)
    )
    linkage.refresh(household.members)  # as registration does
    db.session.commit()
    return household


def _pair(a: Member, b: Member, status: str = PairStatus.SAME) -> DuplicatePair:
    return judged_pair(a, b, status)


@pytest.fixture
def legal_aid(world) -> AgencyService:
    service = AgencyService(agency=world.focal.agency, service="legal_aid")
    db.session.add(service)
    db.session.commit()
    return service


def _referral(world, service, household, member=None) -> Referral:
    referral = Referral(
        household_id=household.id,
        member_id=member.id if member is not None else None,
        agency_id=service.agency_id,
        service_id=service.id,
        reason="Civil documents lost in the camp",
        urgency="routine",
        due_on=date(2026, 12, 15),
        groups="identity",
        created_by_id=world.caseworker_a.id,
    )
    db.session.add(referral)
    return referral


def _task(world, household, title: str) -> Task:
    task = Task(
        household_id=household.id,
        title=title,
        due_on=date(2026, 12, 20),
        created_by_id=world.caseworker_a.id,
    )
    db.session.add(task)
    history.record(household, "task_created", world.caseworker_a, title=title, due_on="2026-12-20")
    return task


def _merge(pair, actor, kept, households=False, reason=REASON) -> Merge:
    done = merging.merge(pair, actor, kept.id, reason, households=households)
    db.session.commit()
    return done


def _undo(done, actor, reason="Two sisters, not one woman: the camp ID was mistyped") -> Merge:
    undone = merging.undo(done, actor, reason)
    db.session.commit()
    return undone


def _reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# --- reading as an auditor would ------------------------------------------------------------


def _affected_tables() -> list[str]:
    """Households, members and every table pointing at either, the merge's own left out."""
    names = {"households", "members"}
    for table in db.metadata.sorted_tables:
        if any(fk.column.table.name in ("households", "members") for fk in table.foreign_keys):
            names.add(table.name)
    return sorted(names - BOOKKEEPING_TABLES)


def _dump() -> dict[str, list[tuple]]:
    """Every row of every affected table, all columns but the named bookkeeping, in key order."""
    dump = {}
    for name in _affected_tables():
        table = db.metadata.tables[name]
        columns = [c for c in table.columns if c.name not in BOOKKEEPING_COLUMNS.get(name, ())]
        stmt = sa.select(*columns).order_by(*table.primary_key.columns)
        if name == "case_events":
            stmt = stmt.where(table.c.kind.not_in(BOOKKEEPING_EVENTS))
        dump[name] = [tuple(row) for row in db.session.execute(stmt)]
    return dump


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _shown(page: str, member_en: str, member_ar: str) -> bool:
    return member_en in page or member_ar in page


# --- merging households ---------------------------------------------------------------------


@pytest.fixture
def two_families(world, legal_aid):
    """The same woman registered twice, each time with other children: in K as Fatima with
    Omar, in R as Fatimah with Zainab and Yusuf. R has a task, a referral for her, its history."""
    kept = _person("Fatima", "فاطمة")
    omar = _person("Omar", "عمر", "son", 1)
    k = _household(world, kept, omar)
    retired = _person("Fatimah", "فاطمه")
    zainab = _person("Zainab", "زينب", "daughter", 1)
    yusuf = _person("Yusuf", "يوسف", "son", 2)
    r = _household(world, retired, zainab, yusuf)
    _task(world, k, "Visit the clinic in Mosul")
    _task(world, r, "Renew the ration card")
    referral = _referral(world, legal_aid, r, retired)
    db.session.commit()
    return {
        "k": k,
        "r": r,
        "kept": kept,
        "retired": retired,
        "omar": omar,
        "zainab": zainab,
        "yusuf": yusuf,
        "referral": referral,
        "pair": _pair(kept, retired),
    }


def test_merging_households_brings_everything_onto_the_kept_one(world, login, two_families):
    f = two_families
    versions = (f["k"].version, f["r"].version)
    done = _merge(f["pair"], world.supervisor_a, f["kept"], households=True)

    k, r = _reload(f["k"]), _reload(f["r"])
    assert done.households_merged and r.merged_into_id == k.id
    assert _reload(f["retired"]).merged_into_id == f["kept"].id
    assert _reload(f["pair"]).status == PairStatus.MERGED
    assert (k.version, r.version) > versions  # an editor holding either page is told it is stale
    # Everything of R is on K: its task, its referral (now for the kept person), its members.
    tasks = db.session.scalars(sa.select(Task.household_id)).all()
    assert tasks == [k.id, k.id]
    referral = _reload(f["referral"])
    assert (referral.household_id, referral.member_id) == (k.id, f["kept"].id)
    assert [(m.given_name_en, m.position) for m in k.members] == [
        ("Fatima", 0),
        ("Omar", 1),
        ("Zainab", 2),
        ("Yusuf", 3),
    ]
    assert r.members == []

    supervisor = login("supervisor_a")
    listing = _page(supervisor, "/households/")
    assert k.case_number in listing and r.case_number not in listing
    # The retired household's address leads to the kept one, to whoever may open it.
    sent = supervisor.get(f"/households/{r.id}")
    assert sent.status_code == 302 and sent.location.endswith(f"/households/{k.id}")
    assert login("caseworker_b").get(f"/households/{r.id}").status_code == 404  # nor a hint
    page = _page(supervisor, f"/households/{k.id}")
    for name_en, name_ar in (("Zainab", "زينب"), ("Yusuf", "يوسف"), ("Omar", "عمر")):
        assert _shown(page, name_en, name_ar)
    # Both histories on the kept household's timeline.
    assert "Visit the clinic in Mosul" in page and "Renew the ration card" in page
    kinds = db.session.scalars(
        sa.select(CaseEvent.kind).where(CaseEvent.household_id == k.id)
    ).all()
    assert "merged" in kinds


def test_the_timeline_of_each_household_names_the_other_case(world, two_families):
    f = two_families
    _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.kind == "merged")).all()
    told = {(e.household_id, e.detail["other_case"], e.detail["side"], e.reason) for e in events}
    assert told == {
        (f["k"].id, f["r"].case_number, "kept", REASON),
        (f["r"].id, f["k"].case_number, "retired", REASON),
    }


# --- merging persons only -------------------------------------------------------------------


def test_a_person_merge_gives_the_kept_record_what_it_lacked(world, login, legal_aid):
    kept = _person("Fatima", "فاطمة")
    kept.documents.append(MemberDocument(kind="civil_id"))
    kept.identifiers.append(MemberIdentifier(kind="civil_id", value="00123456"))
    k = _household(world, kept)
    retired = _person("Fatimah", "فاطمه", "sister", 1)
    retired.documents += [MemberDocument(kind="civil_id"), MemberDocument(kind="birth_certificate")]
    retired.needs.append(MemberNeed(code="SV-VA"))
    retired.identifiers += [
        MemberIdentifier(kind="civil_id", value="00999999"),
        MemberIdentifier(kind="passport", value="A7654321"),
    ]
    r = _household(world, _person("Huda", "هدى"), retired)
    referral = _referral(world, legal_aid, r, retired)
    db.session.commit()
    keys_before = set(
        db.session.scalars(sa.select(IdentityKey.key).where(IdentityKey.member_id == kept.id))
    )

    done = _merge(_pair(kept, retired), world.supervisor_a, kept)

    assert not done.households_merged
    kept, retired = _reload(kept), _reload(retired)
    assert sorted(kept.document_codes) == ["birth_certificate", "civil_id"]
    assert kept.need_codes == ["SV-VA"]
    # The kept number stands; the number it lacked is gained.
    assert kept.identifier_numbers == {"civil_id": "00123456", "passport": "A7654321"}
    # What both held stays with the retired record, kept for an undo.
    assert retired.document_codes == ["civil_id"]
    assert retired.identifier_numbers == {"civil_id": "00999999"}
    # The referral stays with R (a person merge moves no household) but is for the kept person.
    referral = _reload(referral)
    assert (referral.household_id, referral.member_id) == (r.id, kept.id)
    # Keys are recomputed from the numbers gained.
    keys_after = set(
        db.session.scalars(sa.select(IdentityKey.key).where(IdentityKey.member_id == kept.id))
    )
    assert keys_after != keys_before

    page = _page(login("supervisor_a"), f"/households/{r.id}")
    assert not _shown(page, "Fatimah", "فاطمه")
    assert _shown(page, "Huda", "هدى")
    assert [m.given_name_en for m in _reload(r).members] == ["Huda"]
    assert _reload(k).merged_into_id is None and _reload(r).merged_into_id is None


def test_an_editor_holding_a_page_read_before_the_merge_is_told_it_is_stale(world, login):
    caseworker = login("caseworker_a")
    caseworker.post("/households/new", household_payload(world, members=[HEAD]))
    kept_home = db.session.scalars(sa.select(Household)).one()
    kept = kept_home.members[0]
    url = f"/households/{kept_home.id}/edit"
    form = caseworker.get(url).get_data(as_text=True)
    retired = _person("Fatimah", "فاطمه", "sister", 1)
    _household(world, _person("Huda", "هدى"), retired)
    _merge(_pair(kept, retired), world.supervisor_a, kept)

    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    member_id = re.search(r'name="members-0-id" type="hidden" value="(\d+)"', form)
    members = [{**HEAD, "id": member_id.group(1)}]
    payload = household_payload(world, members=members, version=version.group(1), shelter="B-2")
    refused = caseworker.post(url, payload)
    assert refused.status_code == 409 and "Not saved" in refused.get_data(as_text=True)
    assert _reload(kept_home).shelter != "B-2"


# --- undoing --------------------------------------------------------------------------------


def test_undo_puts_every_row_back_exactly(world, two_families, legal_aid):
    f = two_families
    f["kept"].documents.append(MemberDocument(kind="civil_id"))
    f["retired"].documents += [
        MemberDocument(kind="civil_id"),
        MemberDocument(kind="unified_id"),
    ]
    f["retired"].needs.append(MemberNeed(code="SV-VA"))
    f["retired"].identifiers.append(MemberIdentifier(kind="passport", value="A7654321"))
    _referral(world, legal_aid, f["k"], f["omar"])
    _referral(world, legal_aid, f["r"])
    db.session.add_all(
        [
            Collaboration(household_id=f["k"].id, team_id=world.team_b.id),
            Collaboration(household_id=f["r"].id, team_id=world.team_b.id),  # K has the same
            Transfer(
                household_id=f["r"].id,
                from_team_id=world.team_b.id,
                to_team_id=world.team_a.id,
                reason="Returned to Mosul",
                state="accepted",
                requested_by_id=world.supervisor_b.id,
            ),
        ]
    )
    history.record(f["r"], "note", world.caseworker_a, reason="Met the family at the centre")
    db.session.commit()
    linkage.refresh([_reload(f["kept"]), _reload(f["retired"])])
    db.session.commit()
    versions = {h: _reload(f[h]).version for h in ("k", "r")}
    before = _dump()

    done = _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    assert _dump() != before
    undone = _undo(done, world.supervisor_a)

    assert _dump() == before
    assert undone.undone_at is not None and undone.undone_by_id == world.supervisor_a.id
    assert _reload(f["pair"]).status == PairStatus.SAME
    assert all(_reload(f[h]).version > versions[h] for h in ("k", "r"))
    unmerged = db.session.scalars(
        sa.select(CaseEvent.household_id).where(CaseEvent.kind == "unmerged")
    ).all()
    assert sorted(unmerged) == sorted([f["k"].id, f["r"].id])


def test_undo_of_a_person_merge_puts_every_row_back(world, legal_aid):
    kept = _person("Fatima", "فاطمة")
    kept.needs.append(MemberNeed(code="SV-VA"))
    k = _household(world, kept)
    retired = _person("Fatimah", "فاطمه", "sister", 1)
    retired.needs += [MemberNeed(code="SV-VA"), MemberNeed(code="LP-AN")]
    r = _household(world, _person("Huda", "هدى"), retired)
    _referral(world, legal_aid, r, retired)
    history.record(r, "note", world.caseworker_a, member_id=retired.id, reason="Seen")
    pair = _pair(kept, retired)
    before = _dump()
    done = _merge(pair, world.supervisor_a, kept)
    assert _dump() != before
    _undo(done, world.supervisor_a)
    assert _dump() == before
    assert [m.given_name_en for m in _reload(r).members] == ["Huda", "Fatimah"]
    assert _reload(k).merged_into_id is None


def test_restore_all_undoes_every_merge_for_a_downgrade(world, two_families):
    f = two_families
    before = _dump()
    _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    assert merging.restore_all(db.session.connection()) == 1
    db.session.commit()
    db.session.expire_all()
    after = _dump()
    # restore_all writes no timeline entry and leaves versions and keys as they are.
    assert after["tasks"] == before["tasks"] and after["referrals"] == before["referrals"]
    assert after["members"] == before["members"]
    assert after["case_events"] == before["case_events"]
    assert _reload(f["pair"]).status == PairStatus.SAME


# --- refusals -------------------------------------------------------------------------------


def _refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    db.session.rollback()
    return refused.value.errors


def _nothing_merged() -> bool:
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Merge)) == 0
        and db.session.scalar(sa.select(sa.func.count()).where(Member.merged_into_id.is_not(None)))
        == 0
        and db.session.scalar(
            sa.select(sa.func.count()).where(Household.merged_into_id.is_not(None))
        )
        == 0
    )


@pytest.mark.parametrize("status", [PairStatus.OPEN, PairStatus.UNSURE, PairStatus.NOT_SAME])
def test_only_a_pair_judged_the_same_may_be_merged(world, two_families, status):
    f = two_families
    f["pair"].status = status
    db.session.commit()
    errors = _refused(merging.merge, f["pair"], world.supervisor_a, f["kept"].id, REASON, True)
    assert "Judge them first" in errors[None][0]
    assert _nothing_merged()


def test_a_reason_and_one_of_the_two_are_required(world, two_families):
    f = two_families
    errors = _refused(merging.merge, f["pair"], world.supervisor_a, f["kept"].id, "  ", True)
    assert list(errors) == ["reason"]
    errors = _refused(merging.merge, f["pair"], world.supervisor_a, f["omar"].id, REASON, True)
    assert list(errors) == ["kept_member_id"]
    assert _nothing_merged()


def test_a_head_is_retired_only_with_the_household(world, two_families):
    f = two_families
    errors = _refused(merging.merge, f["pair"], world.supervisor_a, f["kept"].id, REASON)
    assert "merge the households too" in errors["households"][0]
    assert f["r"].case_number in errors["households"][0]
    assert _nothing_merged()


def test_a_record_merged_away_is_not_merged_again(world, two_families):
    f = two_families
    third = _household(world, _person("Fatma", "فطمة"))
    _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    again = _pair(f["retired"], third.members[0])
    errors = _refused(merging.merge, again, world.supervisor_a, third.members[0].id, REASON, True)
    assert "merged into another already" in errors[None][0]
    errors = _refused(merging.merge, _reload(f["pair"]), world.supervisor_a, f["kept"].id, REASON)
    assert "merged already" in errors[None][0]


def test_two_waiting_hand_overs_are_settled_before_the_households_merge(world, two_families):
    f = two_families
    for household in (f["k"], f["r"]):
        db.session.add(
            Transfer(
                household_id=household.id,
                from_team_id=world.team_a.id,
                to_team_id=world.team_b.id,
                reason="Returned to Anbar",
                requested_by_id=world.supervisor_a.id,
            )
        )
    db.session.commit()
    errors = _refused(merging.merge, f["pair"], world.supervisor_a, f["kept"].id, REASON, True)
    assert "hand-over waiting" in errors[None][0]
    assert _nothing_merged()


def test_an_undo_is_done_once_with_a_reason(world, two_families):
    f = two_families
    done = _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    assert list(_refused(merging.undo, done, world.supervisor_a, "")) == ["reason"]
    _undo(_reload(done), world.supervisor_a)
    errors = _refused(merging.undo, _reload(done), world.supervisor_a, "again")
    assert "undone already" in errors[None][0]


def test_merges_are_undone_newest_first(world):
    a = _person("Fatima", "فاطمة")
    b = _person("Fatimah", "فاطمه", "sister", 1)
    c = _person("Fatma", "فطمة", "sister", 1)
    _household(world, a)
    _household(world, _person("Huda", "هدى"), b)
    _household(world, _person("Rana", "رنا"), c)
    first = _merge(_pair(a, b), world.supervisor_a, a)
    second = _merge(_pair(a, c), world.supervisor_a, a)

    errors = _refused(merging.undo, _reload(first), world.supervisor_a, "Mistyped")
    assert f"number {second.id}" in errors[None][0]
    assert _reload(first).undone_at is None
    _undo(_reload(second), world.supervisor_a)
    _undo(_reload(first), world.supervisor_a)
    assert _reload(b).merged_into_id is None and _reload(c).merged_into_id is None


# --- never automatic ------------------------------------------------------------------------


def test_a_merge_is_never_automatic(world):
    # The factory gives both the same names, parents and birth date.
    one = _household(world, _person("Fatima", "فاطمة"))
    other = _household(world, _person("Fatima", "فاطمة"))
    actor = db.session.get(type(world.caseworker_a), world.caseworker_a.id)  # loaded, as in a
    # request: services._keep reads `actor.id` with the new pair pending, and an expired actor
    # would autoflush it half-filled.
    raised = identity.raise_pairs(other.members, "registration", actor)
    identity.scan()
    db.session.commit()
    pairs = db.session.scalars(sa.select(DuplicatePair)).all()
    assert raised >= 1 and len(pairs) == 1
    identity.decide(pairs[0], PairStatus.SAME, "The same woman", world.supervisor_a)
    db.session.commit()
    assert _nothing_merged()
    assert _reload(pairs[0]).status == PairStatus.SAME
    assert {m.household_id for m in db.session.scalars(sa.select(Member))} == {one.id, other.id}


# --- the property ---------------------------------------------------------------------------

homes = st.sampled_from(["kept", "retired"])
people = st.sampled_from(["kept", "retired", "other", None])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tasks=st.lists(homes, max_size=4),
    referrals=st.lists(st.tuples(homes, people), max_size=4),
    households=st.booleans(),
    keep_first=st.booleans(),
)
def test_merge_then_undo_changes_nothing(
    world, legal_aid, tasks, referrals, households, keep_first
):
    """For any tasks and referrals on either household, for either person, merging and undoing
    leaves every affected table as it was; while merged, none points at the retired records."""
    a = _person("Fatima", "فاطمة")
    other = _person("Zainab", "زينب", "daughter", 2)
    ha = _household(world, a)
    if households:  # households are merged from the pair of their heads
        b = _person("Fatimah", "فاطمه")
        hb = _household(world, b, other)
        kept, retired = (a, b) if keep_first else (b, a)
    else:  # a person alone: the one retired is not a head
        b = _person("Fatimah", "فاطمه", "sister", 1)
        hb = _household(world, _person("Huda", "هدى"), b, other)
        kept, retired = a, b
    home = {"kept": kept.household_id, "retired": retired.household_id}
    person = {"kept": kept, "retired": retired, "other": other, None: None}
    for where in tasks:
        db.session.add(Task(household_id=home[where], title="Follow up", due_on=date(2026, 12, 1)))
    for where, who in referrals:
        _referral(world, legal_aid, db.session.get(Household, home[where]), person[who])
    pair = _pair(a, b)
    before = _dump()

    done = _merge(pair, world.supervisor_a, kept, households=households)
    if households:
        assert not db.session.scalar(
            sa.select(sa.func.count()).where(Task.household_id == retired.household_id)
        )
    assert not db.session.scalar(sa.select(sa.func.count()).where(Referral.member_id == retired.id))
    _undo(_reload(done), world.supervisor_a)
    assert _dump() == before
    assert {ha.id, hb.id} <= {h.id for h in db.session.scalars(sa.select(Household))}


def test_a_merge_across_teams_is_refused_until_one_household_is_handed_over(world):
    """A merge moves a file's assessments, notes and referrals: across teams (here, agencies)
    that would hand a file over without a hand-over. Judging the pair is allowed; the merge
    says what to do first, and nothing moves."""
    a = _person("Fatima", "فاطمة")
    _household(world, a)
    b = _person("Fatimah", "فاطمه")
    HouseholdFactory(team=world.team_b, camp=world.camp, members=[b])
    linkage.refresh([b])
    pair = _pair(a, b)
    before = _dump()
    with pytest.raises(ValidationFailed) as refused:
        merging.merge(pair, world.supervisor_a, a.id, REASON, households=True)
    db.session.rollback()
    message = " ".join(refused.value.errors[None])
    assert world.team_b.name in message and "hand one household over" in message
    assert _dump() == before


def test_households_merge_only_from_the_pair_of_their_heads(world):
    """Merging households is for one family registered twice: from its heads' pair. A child's
    pair across two households is merged as a person alone."""
    head_a, son_a = _person("Fatima", "فاطمة"), _person("Omar", "عمر", "son", 1)
    head_b, son_b = _person("Huda", "هدى"), _person("Omar", "عمر", "son", 1)
    _household(world, head_a, son_a)
    _household(world, head_b, son_b)
    pair = _pair(son_a, son_b)
    with pytest.raises(ValidationFailed) as refused:
        merging.merge(pair, world.supervisor_a, son_a.id, REASON, households=True)
    db.session.rollback()
    assert "two heads" in refused.value.errors["households"][0]
    done = _merge(_reload(pair), world.supervisor_a, _reload(son_a), households=False)
    assert not done.households_merged


def test_the_retired_case_number_finds_the_kept_case(world, login, two_families):
    """An old case number on paper still leads somewhere: the search finds the kept case."""
    f = two_families
    _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    browser = login("supervisor_a")
    sent = browser.post("/households/search", {"q": f["r"].case_number.lower()})
    listing = _page(browser, sent.location)
    assert re.findall(r">(AWD-\d{4}-\d{6})</a>", listing) == [f["k"].case_number]


def test_undoing_twice_says_why_nothing_happened(world, login, two_families):
    """A second undo (a double click, a stale tab) is refused with its reason on the page."""
    f = two_families
    done = _merge(f["pair"], world.supervisor_a, f["kept"], households=True)
    browser = login("supervisor_a")
    reason = {"undo-reason": "The camp list had two sisters"}
    assert browser.post(f"/identity/merges/{done.id}/undo", reason).status_code == 302
    again = browser.post(f"/identity/merges/{done.id}/undo", reason)
    assert again.status_code == 422
    assert "This merge was undone already." in again.get_data(as_text=True)


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["identity", *args])


def test_an_operator_judges_merges_and_undoes_from_a_terminal_as_a_named_user(
    app, world, two_families
):
    """The CLI acts as a named user through the same policy: a caseworker is refused, a
    supervisor of the team lists, judges, merges and undoes, each step in the audit trail."""
    f = two_families
    pair = f["pair"]
    pair.status = PairStatus.OPEN
    db.session.commit()
    refused = _cli(app, "judge", str(pair.id), "same", "--reason", "x", "--as", "caseworker.a")
    assert refused.exit_code != 0 and "may not" in refused.output
    listed = _cli(app, "pairs", "--as", "supervisor.a")
    assert listed.exit_code == 0 and f["k"].case_number in listed.output
    no_reason = _cli(app, "judge", str(pair.id), "same", "--reason", " ", "--as", "supervisor.a")
    assert no_reason.exit_code != 0 and "Say why" in no_reason.output
    judged = _cli(app, "judge", str(pair.id), "same", "--reason", REASON, "--as", "supervisor.a")
    assert judged.exit_code == 0, judged.output
    merged = _cli(
        app, "merge", str(pair.id), "--keep", str(f["kept"].id), "--households",
        "--reason", REASON, "--as", "supervisor.a",
    )  # fmt: skip
    assert merged.exit_code == 0, merged.output
    db.session.expire_all()
    assert _reload(f["r"]).merged_into_id == f["k"].id
    done = db.session.scalar(sa.select(Merge))
    undone = _cli(app, "undo", str(done.id), "--reason", "Sisters", "--as", "supervisor.a")
    assert undone.exit_code == 0, undone.output
    db.session.expire_all()
    assert _reload(f["r"]).merged_into_id is None
    outsider = _cli(app, "pairs", "--as", "supervisor.b")
    assert f["k"].case_number not in outsider.output  # team B sees none of team A's pairs
