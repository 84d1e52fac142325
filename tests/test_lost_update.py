"""Two people editing the same household: the later save never overwrites the earlier one."""

from __future__ import annotations

import html
import re

import pytest

from app.core.dates import local_today
from app.extensions import db
from app.registry import services
from app.registry.models import Household
from tests.forms import HEAD, household_payload


@pytest.fixture
def household(world, login):
    login("caseworker_a").post("/households/new", household_payload(world, members=[HEAD]))
    return db.session.query(Household).one()


def _edit_payload(world, page: str, **fields) -> dict:
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', page
    )
    member_id = re.search(r'name="members-0-id" type="hidden" value="(\d+)"', page)
    assert version and member_id, "the edit form carries the version and the member ids"
    members = [{**HEAD, "id": member_id.group(1)}]
    return household_payload(world, members=members, version=version.group(1), **fields)


def test_the_later_save_is_refused_naming_who_saved_and_keeping_the_input(world, login, household):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    url = f"/households/{household.id}/edit"
    amal_form = amal.get(url).get_data(as_text=True)
    omar_form = omar.get(url).get_data(as_text=True)

    first = amal.post(url, _edit_payload(world, amal_form, shelter="Block A, tent 1"))
    assert first.status_code == 302

    second = omar.post(url, _edit_payload(world, omar_form, shelter="Block Z, tent 99"))
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert world.caseworker_a.full_name in page  # who changed it
    assert "Not saved" in page
    assert "Block Z, tent 99" in page  # what Omar typed is still in the form

    db.session.expire_all()
    saved = db.session.get(Household, household.id)
    assert saved.shelter == "Block A, tent 1"  # Amal's save stands
    assert saved.version == 2


def _link_to(page: str, household) -> str:
    """The link the refusal gives to the household as it is now (opened in a new tab)."""
    anchor = rf'<a href="/households/{household.id}" target="_blank"[^>]*>([^<]+)</a>'
    link = re.search(anchor, page)
    assert link, "the refusal links to the current record"
    return link.group(1)


@pytest.mark.parametrize(
    ("locale", "yourself", "link"),
    [
        ("en", "Not saved: you changed this household yourself on", "Open the current record"),
        (
            "ar",
            "لم يتم الحفظ: أنت نفسك عدّلت بيانات هذه الأسرة في",
            "افتح السجل الحالي في علامة تبويب جديدة",
        ),
    ],
)
def test_a_save_from_an_older_tab_of_the_same_person_says_it_was_them(
    world, login, household, locale, yourself, link
):
    world.caseworker_a.locale = locale
    db.session.commit()
    amal = login("caseworker_a")
    url = f"/households/{household.id}/edit"
    first_tab, second_tab = amal.get(url).get_data(True), amal.get(url).get_data(True)
    assert amal.post(url, _edit_payload(world, first_tab, shelter="A-1")).status_code == 302

    refused = amal.post(url, _edit_payload(world, second_tab, shelter="Z-99"))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert yourself in page
    assert world.caseworker_a.full_name not in page.split("<main")[1].split("</form>")[0]
    assert link in _link_to(page, household)
    assert "Z-99" in page


def test_a_refusal_naming_another_person_links_to_the_current_record(world, login, household):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    url = f"/households/{household.id}/edit"
    omar_form = omar.get(url).get_data(as_text=True)
    amal.post(url, _edit_payload(world, amal.get(url).get_data(as_text=True), shelter="A-1"))
    page = omar.post(url, _edit_payload(world, omar_form, shelter="Z-99")).get_data(True)
    assert f"Not saved: {world.caseworker_a.full_name} changed this household" in page
    assert "yourself" not in page and "Open the current record" in _link_to(page, household)


def test_after_the_refusal_saving_again_is_a_deliberate_overwrite(world, login, household):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    url = f"/households/{household.id}/edit"
    omar_form = omar.get(url).get_data(as_text=True)
    amal.post(url, _edit_payload(world, amal.get(url).get_data(as_text=True), shelter="A-1"))

    refused = omar.post(url, _edit_payload(world, omar_form, shelter="Z-99"))
    assert refused.status_code == 409
    again = omar.post(url, _edit_payload(world, refused.get_data(as_text=True), shelter="Z-99"))
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Household, household.id).shelter == "Z-99"


def test_a_tampered_or_missing_version_is_refused(world, login, household):
    browser = login("caseworker_a")
    url = f"/households/{household.id}/edit"
    payload = _edit_payload(world, browser.get(url).get_data(as_text=True), shelter="X")
    payload["version"] = ""
    assert browser.post(url, payload).status_code == 409
    db.session.expire_all()
    assert db.session.get(Household, household.id).shelter == "Block C, tent 14"


def test_a_concurrent_write_between_read_and_flush_is_caught_by_the_database(app, world, household):
    """Both editors passed the version check; the row's version column still refuses one."""
    editor = db.session.get(Household, household.id)
    # Someone else saves in between, through another connection.
    with db.engine.begin() as other:
        other.execute(
            Household.__table__.update()
            .where(Household.__table__.c.id == household.id)
            .values(version=2, updated_by_id=world.supervisor_a.id)
        )
    data = services.HouseholdInput(
        camp_id=world.camp.id,
        camp_ref="HOL-0042",
        origin_governorate_id=world.ninewa.id,
        members=[
            services.MemberInput(
                given_name_ar="فاطمة",
                father_name_ar="أحمد",
                sex="F",
                relationship="head",
                estimated_age=30,
            )
        ],
    )
    with pytest.raises(services.StaleEdit) as refused:
        services.update_household(editor, data, expected_version=1, actor=world.caseworker_a)
    db.session.rollback()
    assert refused.value.household_id == household.id
    saved = db.session.get(Household, household.id)
    assert saved.version == 2 and saved.updated_by_id == world.supervisor_a.id
    assert saved.members[0].birth_date.year != local_today().year - 30  # nothing of ours landed


def _base(page: str) -> str:
    """The record the edit page was opened on, as the page keeps it."""
    found = re.search(r'id="base" name="base" type="hidden" value="([^"]*)"', page) or re.search(
        r'name="base" type="hidden" value="([^"]*)"', page
    )
    assert found, "the edit form keeps what it was opened on"
    return html.unescape(found.group(1))


def _beside(page: str, field_id: str) -> str:
    start = page.find(f'id="{field_id}-errors"')
    return page[start : page.index("</ul>", start)] if start >= 0 else ""


def test_the_refusal_marks_each_field_changed_meanwhile_with_what_the_record_holds(
    world, login, household
):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    url = f"/households/{household.id}/edit"
    amal_form, omar_form = (b.get(url).get_data(as_text=True) for b in (amal, omar))
    changed = _edit_payload(world, amal_form, shelter="Block A, tent 1", batch_id="")
    assert amal.post(url, {**changed, "base": _base(amal_form)}).status_code == 302

    mine = _edit_payload(world, omar_form, notes="Omar's note")
    refused = omar.post(url, {**mine, "base": _base(omar_form)})

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    told = "Changed since this page was opened; the record now holds: «Block A, tent 1»."
    assert told in html.unescape(_beside(page, "shelter"))
    assert "Changed since" not in _beside(page, "notes")  # Omar's own change, not Amal's
    assert "The members were changed too" not in page
    again = omar.post(url, {**mine, "base": _base(page), "version": "2"})
    assert again.status_code == 302  # now deliberate: the refusal moved the base on


def test_the_refusal_says_the_members_changed_and_a_garbled_base_marks_nothing(
    world, login, household
):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    url = f"/households/{household.id}/edit"
    amal_form, omar_form = (b.get(url).get_data(as_text=True) for b in (amal, omar))
    renamed = _edit_payload(world, amal_form)
    renamed["members-0-given_name_en"] = "Ahmad"
    assert amal.post(url, renamed).status_code == 302

    told = omar.post(url, {**_edit_payload(world, omar_form), "base": _base(omar_form)})
    assert "The members were changed too since this page was opened" in told.get_data(as_text=True)
    garbled = omar.post(url, {**_edit_payload(world, omar_form), "base": "{not json"})
    assert garbled.status_code == 409
    assert "Changed since this page was opened" not in garbled.get_data(as_text=True)


def test_a_base_nested_past_the_parsers_depth_marks_nothing_and_is_no_server_error(
    world, login, household
):
    amal, omar = login("caseworker_a"), login("supervisor_a")
    url = f"/households/{household.id}/edit"
    amal_form, omar_form = (b.get(url).get_data(as_text=True) for b in (amal, omar))
    assert amal.post(url, _edit_payload(world, amal_form, shelter="Block A")).status_code == 302
    deep = "[" * 100_000 + "]" * 100_000
    refused = omar.post(url, {**_edit_payload(world, omar_form), "base": deep})
    assert refused.status_code == 409
    assert "Changed since this page was opened" not in refused.get_data(as_text=True)
