"""Registering, viewing and editing households through the web form."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.dates import local_today
from app.extensions import db
from app.registry.models import Household, Member
from tests.factories import HouseholdFactory
from tests.forms import DAUGHTER, HEAD, SON, household_payload


def households() -> list[Household]:
    return list(db.session.scalars(sa.select(Household)))


def test_caseworker_registers_a_household_with_three_members(world, login):
    browser = login("caseworker_a")
    response = browser.post("/households/new", household_payload(world))
    assert response.status_code == 302
    [household] = households()
    assert response.location.endswith(f"/households/{household.id}")
    assert household.case_number == f"AWD-{local_today().year}-000001"
    assert household.team_id == world.team_a.id
    assert household.assigned_to_id == world.caseworker_a.id
    assert household.phone == "+9647701234567"
    head, son, daughter = household.members
    assert head.name_ar == "فاطمة أحمد إبراهيم الجبوري"
    assert sorted(head.document_codes) == ["civil_id", "isis_issued"]
    assert son.birth_is_estimate and son.age_on(local_today()) == 9
    assert daughter.birth_date == date(2019, 11, 30) and not daughter.birth_is_estimate

    page = browser.get(f"/households/{household.id}").get_data(as_text=True)
    assert "فاطمة أحمد إبراهيم الجبوري" in page
    assert "Fatima Ahmed Ibrahim Al-Jubouri" in page
    assert "Document issued by ISIS" in page
    assert "estimated" in page


def test_case_numbers_follow_each_other(world, login):
    browser = login("caseworker_a")
    browser.post("/households/new", household_payload(world, camp_ref="A-1"))
    browser.save_household("/households/new", household_payload(world, camp_ref="A-2"))
    numbers = sorted(h.case_number for h in households())
    year = local_today().year
    assert numbers == [f"AWD-{year}-000001", f"AWD-{year}-000002"]


def _errors_beside(page: str, field_id: str) -> str:
    """The error list tied to a field (aria-describedby points at it)."""
    marker = f'id="{field_id}-errors"'
    assert marker in page, f"no error shown beside {field_id}"
    start = page.index(marker)
    return page[start : page.index("</ul>", start)]


BAD_INPUT = [
    ("missing camp ID", {"camp_ref": ""}, "camp_ref", "Enter the household"),
    (
        "future birth date",
        {"members-0-birth_date": "2999-01-01"},
        "members-0-birth_date",
        "cannot be in the future",
    ),
    (
        "birth before 1900",
        {"members-1-birth_date": "1899-12-31", "members-1-estimated_age": ""},
        "members-1-birth_date",
        "before 1900",
    ),
    (
        "no birth date nor age",
        {"members-2-birth_date": ""},
        "members-2-birth_date",
        "a year of birth or an estimated age",
    ),
    (
        "age out of range",
        {"members-1-estimated_age": "150"},
        "members-1-estimated_age",
        "from 0 to 120",
    ),
    ("malformed date", {"members-0-birth_date": "31/02/1990"}, "members-0-birth_date", "date"),
    ("missing Arabic name", {"members-0-given_name_ar": ""}, "members-0-given_name_ar", "required"),
    ("over-long name", {"members-0-family_name_en": "x" * 81}, "members-0-family_name_en", "80"),
    ("malformed phone", {"phone": "12345"}, "phone", "phone number"),
    ("letters in phone", {"phone": "0770-abc-4567"}, "phone", "phone number"),
    (
        "unknown governorate",
        {"origin_governorate_id": "99999"},
        "origin_governorate_id",
        "valid choice",
    ),
    ("unknown district", {"origin_district_id": "99999"}, "origin_district_id", "valid choice"),
    ("missing sex", {"members-2-sex": ""}, "members-2-sex", "Choose the sex"),
]


@pytest.mark.parametrize(
    ("case", "change", "field_id", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_beside_its_field_and_keeps_what_was_typed(
    world, login, case, change, field_id, message
):
    browser = login("caseworker_a")
    response = browser.post("/households/new", household_payload(world, **change))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message.lower() in _errors_beside(page, field_id).lower()
    assert "إبراهيم" in page and "Block C, tent 14" in page  # what was typed is still there
    assert households() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_district_outside_the_governorate_is_refused(world, login):
    browser = login("caseworker_a")
    payload = household_payload(world, origin_district_id=world.ramadi.id)
    page = browser.post("/households/new", payload).get_data(as_text=True)
    assert "is not in Ninewa" in _errors_beside(page, "origin_district_id")
    assert households() == []


def test_a_destination_district_without_its_governorate_is_refused(world, login):
    browser = login("caseworker_a")
    payload = household_payload(world, destination_governorate_id="")
    response = browser.post("/households/new", payload)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    told = _errors_beside(page, "destination_governorate_id")
    assert "Choose the governorate of Telafar, or clear the district too." in told
    assert households() == []
    cleared = household_payload(world, destination_governorate_id="", destination_district_id="")
    assert browser.post("/households/new", cleared).status_code == 302  # no destination yet


def test_camp_id_already_registered_is_refused(world, login):
    existing = HouseholdFactory(
        camp=world.camp, camp_ref="HOL-0042", team=world.team_a, origin_governorate=world.ninewa
    )
    browser = login("caseworker_a")
    response = browser.post("/households/new", household_payload(world, camp_ref="HOL-0042"))
    assert response.status_code == 422
    assert "already registered" in _errors_beside(response.get_data(as_text=True), "camp_ref")
    assert [h.id for h in households()] == [existing.id]


def test_same_camp_id_in_another_camp_is_a_different_household(world, login):
    HouseholdFactory(
        camp=world.centre, camp_ref="HOL-0042", team=world.team_a, origin_governorate=world.ninewa
    )
    browser = login("caseworker_a")
    assert browser.post("/households/new", household_payload(world)).status_code == 302


def test_exactly_one_head_of_household(world, login):
    browser = login("caseworker_a")
    no_head = household_payload(world, members=[SON, DAUGHTER])
    page = browser.post("/households/new", no_head).get_data(as_text=True)
    assert "exactly one member as head" in page
    two_heads = household_payload(world, members=[HEAD, {**DAUGHTER, "relationship": "head"}])
    assert browser.post("/households/new", two_heads).status_code == 422
    assert households() == []


def test_tampered_vocabulary_codes_are_refused(world, login):
    browser = login("caseworker_a")
    payload = household_payload(world, **{"members-0-needs": ["XX-NOPE"]})
    assert browser.post("/households/new", payload).status_code == 422
    assert households() == []


def test_add_and_remove_member_rows_without_javascript(world, login):
    browser = login("caseworker_a")
    added = browser.post("/households/new", {**household_payload(world), "add_member": "1"})
    page = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="members-3-given_name_ar"' in page  # a fourth, empty row
    assert households() == []  # nothing saved by adding a row

    removed = browser.post("/households/new", {**household_payload(world), "remove_member": "1"})
    page = removed.get_data(as_text=True)
    assert 'name="members-1-given_name_ar"' not in page
    assert "عمر" not in page.split("<template")[0]  # the son's row is gone, the others stay
    assert "زينب" in page


def test_rows_posted_with_gaps_in_their_numbers_are_saved(world, login):
    """The page's script numbers new rows after the highest; removed rows leave gaps."""
    browser = login("caseworker_a")
    payload = household_payload(world, members=[HEAD])
    payload.update({f"members-5-{k}": v for k, v in DAUGHTER.items()})
    assert browser.post("/households/new", payload).status_code == 302
    [household] = households()
    assert [m.given_name_en for m in household.members] == ["Fatima", "Zainab"]


def test_edit_changes_members_and_keeps_their_identity(world, login):
    browser = login("caseworker_a")
    browser.post("/households/new", household_payload(world))
    [household] = households()
    head_id = household.members[0].id
    form = browser.get(f"/households/{household.id}/edit").get_data(as_text=True)
    assert f'value="{head_id}"' in form and 'value="1"' in form  # member id and version

    payload = household_payload(
        world,
        members=[{**HEAD, "id": head_id, "needs": ["WR-WD"]}],
        version="1",
        phone="+964 780 000 1111",
    )
    response = browser.post(f"/households/{household.id}/edit", payload)
    assert response.status_code == 302
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert [m.id for m in household.members] == [head_id]
    assert household.members[0].need_codes == ["WR-WD"]
    assert household.phone == "+9647800001111"
    assert household.version == 2
    assert household.updated_by_id == world.caseworker_a.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1


def test_supervisor_assigns_a_caseworker_of_their_team_only(world, login):
    browser = login("supervisor_a")
    ok = household_payload(world, assigned_to_id=world.caseworker_a2.id)
    assert browser.post("/households/new", ok).status_code == 302
    [household] = households()
    assert household.assigned_to_id == world.caseworker_a2.id

    other_team = household_payload(world, camp_ref="X-2", assigned_to_id=world.caseworker_b.id)
    response = browser.post("/households/new", other_team)
    assert response.status_code == 422
    assert len(households()) == 1


def test_form_is_refused_without_csrf_token(world, login):
    browser = login("caseworker_a")
    response = browser.post("/households/new", household_payload(world), csrf=False)
    assert response.status_code == 400
    assert households() == []


def test_every_problem_of_a_refused_form_shows_in_one_round(world, login):
    """The fields' own checks (an empty camp ID) and the service's (a phone that is no phone, a
    district outside its governorate) are told together, each beside its field once."""
    browser = login("caseworker_a")
    payload = household_payload(world, camp_ref="", phone="abc", origin_district_id=world.ramadi.id)
    response = browser.post("/households/new", payload)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the household's ID in the camp." in _errors_beside(page, "camp_ref")
    assert "Enter a phone number such as" in _errors_beside(page, "phone")
    assert "is not in Ninewa" in _errors_beside(page, "origin_district_id")
    assert _errors_beside(page, "camp_ref").count("<li>") == 1
    assert households() == []
