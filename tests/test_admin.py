"""Administration: users and reference data, by an admin and refused to everyone else."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.admin.services import BATCH_RULES, save_reference
from app.auth.models import User
from app.auth.passwords import verify_password
from app.core.validation import ValidationFailed
from app.extensions import db
from app.reference.models import Agency, Camp, ReturnBatch, Team
from tests.factories import PASSWORD, AgencyFactory, CampFactory, UserFactory

NEW_PASSWORD = "a-fresh-long-password"
NON_ADMINS = ("supervisor_a", "caseworker_a", "screener", "focal", "reporting")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def fresh(model, **where):
    db.session.expire_all()
    return db.session.scalar(sa.select(model).filter_by(**where))


def error_beside(html: str, field: str, message: str) -> bool:
    """The message is in the error list tied to that field's input."""
    start = html.find(f'id="{field}-errors"')
    return start != -1 and message in html[start : html.find("</ul>", start)]


def user_payload(**fields) -> dict:
    data = {
        "username": "New.Worker",
        "full_name": "New Worker",
        "email": "new.worker@example.org",
        "locale": "ar",
        "role": "caseworker",
        "agency": "MOMD",
        "team": "Team A",
        "password": NEW_PASSWORD,
        "active": "y",
        "your_password": PASSWORD,  # the admin's own, re-entered to give a role
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def edit_payload(user: User, **fields) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email or "",
        "locale": user.locale,
        "role": user.role,
        "agency": user.agency.code,
        "team": user.team.name if user.team else "",
        "password": "",
        "active": "y" if user.active else None,
        "your_password": PASSWORD,
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# --- who may ------------------------------------------------------------------------------


def admin_urls(world) -> list[tuple[str, bool]]:
    """(url, whether it takes a POST) for every admin page."""
    urls = [
        ("/admin/users", False),
        ("/admin/users/new", True),
        (f"/admin/users/{world.caseworker_a.id}/edit", True),
        ("/admin/reference", False),
        ("/admin/reference/unknown", False),
    ]
    items = {"camps": world.camp, "agencies": world.team_a.agency, "teams": world.team_a}
    items["batches"] = world.batch
    for kind, item in items.items():
        base = f"/admin/reference/{kind}"
        urls += [(base, False), (f"{base}/new", True), (f"{base}/{item.id}/edit", True)]
    return urls


@pytest.mark.parametrize("role", NON_ADMINS)
def test_other_roles_are_refused_every_admin_url(world, login, role):
    browser = login(role)
    before = count(Camp), count(User)
    for url, posts in admin_urls(world):
        assert browser.get(url).status_code == 403, url
        if posts:
            assert browser.post(url, {"code": "X", "username": "x"}).status_code == 403, url
    assert (count(Camp), count(User)) == before


def test_anonymous_is_sent_to_login(world, browser):
    for url, _posts in admin_urls(world):
        response = browser.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_unknown_kind_is_not_found(login):
    admin = login("admin")
    assert admin.get("/admin/reference/governorates").status_code == 404
    assert admin.get("/admin/reference/nothing/new").status_code == 404
    assert admin.get("/admin/reference/camps/99999/edit").status_code == 404


# --- users --------------------------------------------------------------------------------


def test_user_list_shows_and_filters(world, login):
    admin = login("admin")
    html = admin.get("/admin/users").get_data(as_text=True)
    for user in (world.admin, world.caseworker_a, world.reporting):
        assert user.username in html
    assert "Reporting officer" in html
    html = admin.get("/admin/users?role=caseworker&active=yes").get_data(as_text=True)
    assert "caseworker.a2" in html
    assert "supervisor.a" not in html
    UserFactory(username="gone.worker", active=False, agency=world.team_a.agency)
    html = admin.get("/admin/users?active=no").get_data(as_text=True)
    assert "gone.worker" in html
    assert "caseworker.a2" not in html
    assert admin.get("/admin/users?role=bogus&active=maybe&page=x").status_code == 200


def test_admin_creates_user(world, login, make_browser):
    admin = login("admin")
    assert admin.get("/admin/users/new").status_code == 200
    response = admin.post("/admin/users/new", user_payload())
    assert response.status_code == 302
    user = fresh(User, username="new.worker")
    assert user.full_name == "New Worker"
    assert user.role == "caseworker"
    assert user.locale == "ar"
    assert user.team_id == world.team_a.id
    assert user.active
    assert "new.worker" in admin.get("/admin/users").get_data(as_text=True)
    make_browser().login(user, NEW_PASSWORD)


def test_duplicate_username_is_refused_and_nothing_written(world, login):
    admin = login("admin")
    before = count(User)
    response = admin.post("/admin/users/new", user_payload(username="CASEWORKER.A"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "username", "already taken")
    assert 'value="New Worker"' in html  # what was typed is kept
    assert count(User) == before


def test_new_user_needs_a_good_password_and_a_matching_team(world, login):
    admin = login("admin")
    before = count(User)
    response = admin.post("/admin/users/new", user_payload(password=""))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "password", "Enter a password")
    response = admin.post("/admin/users/new", user_payload(password="short"))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "password", "at least 12")
    response = admin.post("/admin/users/new", user_payload(team="Team B"))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "team", "belongs to another agency")
    assert count(User) == before


def test_admin_edits_user_and_keeps_password_when_blank(world, login):
    admin = login("admin")
    user = world.caseworker_a
    old_hash = user.password_hash
    assert admin.get(f"/admin/users/{user.id}/edit").status_code == 200
    payload = edit_payload(user, role="supervisor", full_name="Huda Renamed", active=None)
    response = admin.post(f"/admin/users/{user.id}/edit", payload)
    assert response.status_code == 302
    user = fresh(User, id=user.id)
    assert (user.role, user.full_name, user.active) == ("supervisor", "Huda Renamed", False)
    assert user.password_hash == old_hash


def test_admin_sets_a_new_password(world, login, make_browser):
    admin = login("admin")
    user = world.caseworker_b
    payload = edit_payload(user, password=NEW_PASSWORD)
    assert admin.post(f"/admin/users/{user.id}/edit", payload).status_code == 302
    assert verify_password(fresh(User, id=user.id).password_hash, NEW_PASSWORD)
    make_browser().login(user, NEW_PASSWORD)


def test_edit_to_a_taken_username_is_refused(world, login):
    admin = login("admin")
    user = world.caseworker_a
    payload = edit_payload(user, username="caseworker.b")
    response = admin.post(f"/admin/users/{user.id}/edit", payload)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "username", "already taken")
    assert fresh(User, id=user.id).username == "caseworker.a"


def test_admin_cannot_deactivate_self(world, login):
    admin = login("admin")
    me = world.admin
    response = admin.post(f"/admin/users/{me.id}/edit", edit_payload(me, active=None))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "active", "You cannot deactivate your own account.")
    assert fresh(User, id=me.id).active
    assert admin.get("/admin/users").status_code == 200  # still logged in, still admin


def test_admin_cannot_remove_own_admin_role(world, login):
    admin = login("admin")
    me = world.admin
    response = admin.post(f"/admin/users/{me.id}/edit", edit_payload(me, role="caseworker"))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "role", "own administrator role")
    assert fresh(User, id=me.id).role == "admin"


def test_admin_may_edit_own_name(world, login):
    admin = login("admin")
    me = world.admin
    payload = edit_payload(me, full_name="Samir Renamed")
    assert admin.post(f"/admin/users/{me.id}/edit", payload).status_code == 302
    assert fresh(User, id=me.id).full_name == "Samir Renamed"


# --- reference data -----------------------------------------------------------------------


def test_reference_index_links_kinds_and_counts_shipped_divisions(world, login):
    html = login("admin").get("/admin/reference").get_data(as_text=True)
    for kind in ("camps", "agencies", "teams", "batches"):
        assert f'href="/admin/reference/{kind}"' in html
    assert "<dt>Governorates</dt><dd>2</dd>" in html
    assert "<dt>Districts</dt><dd>3</dd>" in html


def new_payloads(world) -> dict[str, dict]:
    return {
        "camps": {
            "code": "roj",
            "name_en": "Roj",
            "name_ar": "روج",
            "country": "SY",
            "active": "y",
        },
        "agencies": {
            "code": "IOM",
            "kind": "un",
            "name_en": "International Organization for Migration",
            "name_ar": "المنظمة الدولية للهجرة",
            "active": "y",
        },
        "teams": {"name": "Team C", "agency_id": world.team_a.agency_id, "active": "y"},
        "batches": {
            "number": "B-2026-02",
            "departure_date": "2026-03-03",
            "origin_camp_id": world.camp.id,
            "destination_camp_id": world.centre.id,
            "notes": "Forty households",
        },
    }


CREATED = {
    "camps": (Camp, {"code": "ROJ"}),
    "agencies": (Agency, {"code": "IOM"}),
    "teams": (Team, {"name": "Team C"}),
    "batches": (ReturnBatch, {"number": "B-2026-02"}),
}


@pytest.mark.parametrize("kind", sorted(CREATED))
def test_admin_creates_each_kind(world, login, kind):
    admin = login("admin")
    assert admin.get(f"/admin/reference/{kind}/new").status_code == 200
    response = admin.post(f"/admin/reference/{kind}/new", new_payloads(world)[kind])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/reference/{kind}")
    model, where = CREATED[kind]
    row = fresh(model, **where)
    assert row is not None
    html = admin.get(f"/admin/reference/{kind}").get_data(as_text=True)
    assert "saved" in html  # the flash message
    assert f"/admin/reference/{kind}/{row.id}/edit" in html


def test_created_rows_hold_what_was_posted(world, login):
    admin = login("admin")
    for kind, payload in new_payloads(world).items():
        assert admin.post(f"/admin/reference/{kind}/new", payload).status_code == 302
    camp = fresh(Camp, code="ROJ")
    assert (camp.name_ar, camp.country, camp.is_centre, camp.active) == ("روج", "SY", False, True)
    assert fresh(Agency, code="IOM").kind == "un"
    assert fresh(Team, name="Team C").agency_id == world.team_a.agency_id
    batch = fresh(ReturnBatch, number="B-2026-02")
    assert batch.departure_date == date(2026, 3, 3)
    assert (batch.origin_camp_id, batch.destination_camp_id) == (world.camp.id, world.centre.id)


def edit_cases(world) -> list[tuple[str, object, dict, str, object]]:
    """(kind, row, payload, attribute, expected value after the save)"""
    agency = world.team_a.agency
    return [
        (
            "camps",
            world.camp,
            {"code": "ALHOL", "name_en": "al-Hol camp", "name_ar": "الهول", "country": "SY"},
            "active",
            False,
        ),
        (
            "agencies",
            agency,
            {"code": agency.code, "kind": "government", "name_en": "MoMD", "name_ar": "وزارة"},
            "name_en",
            "MoMD",
        ),
        (
            "teams",
            world.team_b,
            {"name": "Team B renamed", "agency_id": world.team_b.agency_id},
            "name",
            "Team B renamed",
        ),
        (
            "batches",
            world.batch,
            {
                "number": "B-2026-01",
                "departure_date": "2026-02-01",
                "origin_camp_id": world.camp.id,
                "destination_camp_id": world.centre.id,
            },
            "departure_date",
            date(2026, 2, 1),
        ),
    ]


def test_admin_edits_each_kind(world, login):
    admin = login("admin")
    for kind, row, payload, attribute, expected in edit_cases(world):
        url = f"/admin/reference/{kind}/{row.id}/edit"
        assert admin.get(url).status_code == 200, kind
        assert admin.post(url, payload).status_code == 302, kind
        assert getattr(fresh(type(row), id=row.id), attribute) == expected, kind


DUPLICATES = {
    "camps": ("code", "alhol"),
    "agencies": ("code", "momd"),
    "teams": ("name", "team a"),
    "batches": ("number", "b-2026-01"),
}


@pytest.mark.parametrize("kind", sorted(DUPLICATES))
def test_duplicate_is_refused_beside_the_field_and_nothing_written(world, login, kind):
    admin = login("admin")
    field, value = DUPLICATES[kind]
    model = CREATED[kind][0]
    before = count(model)
    payload = {**new_payloads(world)[kind], field: value}
    response = admin.post(f"/admin/reference/{kind}/new", payload)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, field, "already in use")
    assert count(model) == before


def test_renaming_onto_another_row_is_refused(world, login):
    admin = login("admin")
    other = CampFactory(code="ROJ", name_en="Roj")
    payload = {"code": "ALHOL", "name_en": "Roj", "name_ar": "روج", "country": "SY"}
    response = admin.post(f"/admin/reference/camps/{other.id}/edit", payload)
    assert response.status_code == 422
    assert fresh(Camp, id=other.id).code == "ROJ"


def test_batch_must_arrive_at_another_camp_that_is_a_centre(app, world, login):
    admin = login("admin")
    payload = {**new_payloads(world)["batches"], "origin_camp_id": world.centre.id}
    response = admin.post("/admin/reference/batches/new", payload)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "destination_camp_id", "must differ")
    # The form offers only centres; the service refuses any other destination from any caller.
    payload = {**payload, "origin_camp_id": world.centre.id, "destination_camp_id": world.camp.id}
    payload["departure_date"] = date(2026, 3, 3)
    # A request context, because messages are translated into the requester's language.
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        save_reference(BATCH_RULES, None, payload)
    assert "destination_camp_id" in refused.value.errors
    assert count(ReturnBatch) == 1


def test_reception_centre_must_be_in_iraq_and_stay_one_while_batches_arrive(world, login):
    admin = login("admin")
    payload = {**new_payloads(world)["camps"], "is_centre": "y"}
    response = admin.post("/admin/reference/camps/new", payload)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "is_centre", "must be in Iraq")
    centre = world.centre
    payload = {"code": centre.code, "name_en": "x", "name_ar": "x", "country": "IQ"}
    response = admin.post(f"/admin/reference/camps/{centre.id}/edit", payload)
    assert response.status_code == 422
    assert fresh(Camp, id=centre.id).is_centre


def test_team_cannot_move_away_from_its_users_agency(world, login):
    admin = login("admin")
    team = world.team_a
    other = AgencyFactory(code="OTHER")
    payload = {"name": team.name, "agency_id": other.id, "active": "y"}
    response = admin.post(f"/admin/reference/teams/{team.id}/edit", payload)
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "agency_id", "another agency")
    assert fresh(Team, id=team.id).agency_id == world.team_a.agency_id


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("batches", "departure_date", "2026-13-45"),
        ("batches", "origin_camp_id", "not-a-number"),
        ("teams", "agency_id", "99999"),
        ("agencies", "kind", "club"),
        ("camps", "code", "has spaces"),
    ],
)
def test_malformed_input_answers_422_not_500(world, login, kind, field, value):
    admin = login("admin")
    before = count(CREATED[kind][0])
    payload = {**new_payloads(world)[kind], field: value}
    response = admin.post(f"/admin/reference/{kind}/new", payload)
    assert response.status_code == 422
    assert 'class="field-errors"' in response.get_data(as_text=True)
    assert count(CREATED[kind][0]) == before


def test_deactivated_agency_stays_listed_for_its_team(world, login):
    admin = login("admin")
    agency = world.team_b.agency
    payload = {"code": agency.code, "kind": agency.kind, "name_en": "NGO", "name_ar": "منظمة"}
    assert admin.post(f"/admin/reference/agencies/{agency.id}/edit", payload).status_code == 302
    assert not fresh(Agency, id=agency.id).active
    html = admin.get("/admin/reference/teams/new").get_data(as_text=True)
    assert f'value="{agency.id}"' not in html  # not offered for new teams
    team_url = f"/admin/reference/teams/{world.team_b.id}/edit"
    assert f'<option selected value="{agency.id}">' in admin.get(team_url).get_data(as_text=True)


def test_lists_escape_what_admins_typed(world, login):
    CampFactory(code="XSS", name_en="<script>alert(1)</script>")
    html = login("admin").get("/admin/reference/camps").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_every_admin_page_renders_in_arabic(world, login):
    world.admin.locale = "ar"
    db.session.commit()
    admin = login("admin")
    for url, _posts in admin_urls(world):
        if "unknown" in url:
            continue
        response = admin.get(url)
        assert response.status_code == 200, url
        assert 'dir="rtl"' in response.get_data(as_text=True)


def test_reference_lists_page_through_their_own_kind(app, world, login):
    app.config["PAGE_SIZE"] = 2
    CampFactory(code="ROJ", name_en="Roj")
    admin = login("admin")
    first = admin.get("/admin/reference/camps").get_data(as_text=True)
    assert 'href="/admin/reference/camps?page=2"' in first
    second = admin.get("/admin/reference/camps?page=2").get_data(as_text=True)
    assert 'href="/admin/reference/camps?page=1"' in second
    for code in ("ALHOL", "JEDDAH1", "ROJ"):  # the order depends on the database's collation
        assert (code in first) != (code in second), code
