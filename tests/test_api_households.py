"""Households registered and changed through the API: the registration form's rules, field
by field at the JSON's paths, possible duplicates named before anything is kept, If-Match on
every change, and the same access policy as the pages."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Household
from tests.test_api import READ, call, post, token_for

WRITE = [*READ, "households:write"]


def head(**values) -> dict:
    return {
        "given_name_ar": "أحمد",
        "father_name_ar": "خالد",
        "family_name_ar": "الجبوري",
        "given_name_en": "Ahmed",
        "sex": "M",
        "relationship": "head",
        "birth_year": 1985,
        **values,
    }


def new_household(world, **values) -> dict:
    return {
        "camp": world.camp.code,
        "camp_ref": "HOL-77-123",
        "origin_governorate": world.ninewa.pcode,
        "origin_district": world.mosul.pcode,
        "phone": "0770 123 4567",
        "members": [
            head(identifiers={"civil_id": "12345678"}, documents=["civil_id"]),
            head(
                given_name_ar="سارة",
                given_name_en="Sara",
                sex="F",
                relationship="daughter",
                birth_year=2015,
            ),
        ],
        **values,
    }


def register(app, world, user=None, **values):
    token = token_for(user or world.caseworker_a, WRITE)
    return post(app, token, "/api/v1/households", new_household(world, **values), None)


def test_a_caseworker_registers_a_household_and_reads_it_back(app, world):
    response = register(app, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/households/{body['case_number']}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert [m["name_en"] for m in body["members"]][1].startswith("Sara")
    token = token_for(world.caseworker_a, READ)
    again = call(app, token, response.headers["Location"]).get_json()
    assert again["members"][0]["documents"] == ["civil_id"]
    stored = db.session.scalars(sa.select(Household)).one()
    assert stored.team_id == world.team_a.id and stored.assigned_to_id == world.caseworker_a.id
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "api.household.create" in actions


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"camp": "NOWHERE"}, ("camp",)),
        ({"origin_governorate": "IQG99"}, ("origin_governorate",)),
        ({"origin_district": "IQG01Q03"}, ("origin_district",)),  # Ramadi is not in Ninewa
        ({"destination_district": "IQG15Q05"}, ("destination_governorate",)),  # no governorate
        ({"phone": "call me"}, ("phone",)),
        ({"members": []}, ("members",)),
        (
            {"members": [head(birth_year=None, birth_date="2999-01-01")]},
            ("members", "0", "birth_date"),
        ),
        (
            {"members": [head(identifiers={"civil_id": "<1>"})]},
            ("members", "0", "identifiers.civil_id"),
        ),
        ({"members": [head(relationship="son")]}, ("_schema",)),  # no head of household
        ({"members": [head(sex="X")]}, ("members", "0", "sex")),
        ({"members": [{"sex": "M"}]}, ("members", "0", "given_name_ar")),
        ({"surname": "x"}, ("surname",)),
    ],
)
def test_a_refused_household_is_told_at_the_field_and_nothing_is_kept(app, world, change, path):
    response = register(app, world, **change)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    found = body["errors"]["json"]
    for key in path:
        found = found[key]
    assert found and all(isinstance(m, str) and m for m in found)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 0


def test_messages_are_in_the_callers_language(app, world):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    body = register(app, world, members=[head(sex="X", birth_year="soon")]).get_json()
    messages = [*body["errors"]["json"]["members"]["0"].values(), [body["detail"]]]
    for message in (m for listed in messages for m in listed):
        assert any("\u0600" <= ch <= "\u06ff" for ch in message), message


def test_a_person_already_registered_is_named_before_anything_is_kept(app, world):
    first = register(app, world).get_json()
    response = register(app, world, camp_ref="HOL-99-001")
    assert response.status_code == 409
    named = response.get_json()["duplicates"]
    assert {d["case_number"] for d in named} == {first["case_number"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 1
    seen = [d["candidate_id"] for d in named]
    again = register(app, world, camp_ref="HOL-99-001", duplicates_seen=seen)
    assert again.status_code == 201


def test_a_duplicate_in_a_household_the_caller_cannot_open_is_not_named(app, world):
    assert register(app, world).status_code == 201
    response = register(app, world, user=world.caseworker_b, camp_ref="HOL-99-002")
    assert response.status_code == 201  # team B may not learn that team A holds this man


def change(app, token, case_number, body, version):
    return post(app, token, f"/api/v1/households/{case_number}", body, version, method="PATCH")


@pytest.fixture
def registered(app, world):
    return register(app, world).get_json()


def test_a_change_keeps_what_it_does_not_name(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    daughter = registered["members"][1]["id"]
    body = {"shelter": "Block 4", "members": [{"id": daughter, "estimated_age": 9}]}
    response = change(app, token, registered["case_number"], body, registered["version"])
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["version"] == registered["version"] + 1
    assert after["contact"]["shelter"] == "Block 4" and after["contact"]["phone"]
    assert after["members"][1]["birth_precision"] == "age"
    assert after["members"][0]["documents"] == ["civil_id"]  # the head, not named, is kept


def test_members_are_added_and_removed(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    daughter = registered["members"][1]["id"]
    body = {
        "members": [head(given_name_ar="مريم", sex="F", relationship="spouse", birth_year=1990)],
        "remove_members": [daughter],
    }
    response = change(app, token, registered["case_number"], body, registered["version"])
    assert response.status_code == 200, response.get_json()
    assert [m["relationship"] for m in response.get_json()["members"]] == ["head", "spouse"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"members": [{"id": 999999, "sex": "F"}]}, ("members", "0", "id")),
        ({"remove_members": [999999]}, ("remove_members",)),
        (
            {"members": [{"id": "{daughter}", "birth_date": "2999-01-01"}]},
            ("members", "0", "birth_date"),
        ),
        ({"members": [{"id": "{daughter}", "relationship": "head"}]}, ("_schema",)),
        ({"camp_ref": None}, ("camp_ref",)),
    ],
)
def test_a_refused_change_is_told_at_the_requests_own_paths(app, world, registered, body, path):
    token = token_for(world.caseworker_a, WRITE)
    daughter = registered["members"][1]["id"]
    for member in body.get("members", []):
        if member.get("id") == "{daughter}":
            member["id"] = daughter
    response = change(app, token, registered["case_number"], body, registered["version"])
    assert response.status_code == 422, response.get_json()
    found = response.get_json()["errors"]["json"]
    for key in path:
        found = found[key]
    assert found
    db.session.expire_all()
    assert db.session.scalars(sa.select(Household)).one().version == registered["version"]


def test_a_change_needs_if_match_and_a_stale_one_loses(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    case, version = registered["case_number"], registered["version"]
    assert change(app, token, case, {"shelter": "A"}, None).status_code == 428
    assert change(app, token, case, {"shelter": "A"}, version).status_code == 200
    stale = change(app, token, case, {"shelter": "B"}, version)
    assert stale.status_code == 412
    db.session.expire_all()
    assert db.session.scalars(sa.select(Household)).one().shelter == "A"


def test_two_writers_with_the_same_version_one_wins_nothing_lost(app, world, registered):
    tokens = [token_for(world.caseworker_a, WRITE), token_for(world.supervisor_a, WRITE)]
    case, version = registered["case_number"], registered["version"]
    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def write(token: str, shelter: str) -> None:
        with app.app_context():
            start.wait()
            answers[shelter] = change(app, token, case, {"shelter": shelter}, version).status_code

    threads = [
        threading.Thread(target=write, args=(t, s)) for t, s in zip(tokens, "AB", strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [200, 412]
    winner = next(s for s, status in answers.items() if status == 200)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Household)).one().shelter == winner


ROLES = ("admin", "caseworker_a", "caseworker_b", "supervisor_a", "screener", "focal", "reporting")
MAY_REGISTER = {"caseworker_a", "caseworker_b", "supervisor_a"}
MAY_CHANGE = {"caseworker_a", "supervisor_a"}  # team A's household


@pytest.mark.parametrize("role", ROLES)
def test_who_may_register_and_change(app, world, registered, role):
    user = world.user(role)
    full, read_only = token_for(user, WRITE), token_for(user, READ)
    body = new_household(world, camp_ref=f"HOL-{role}")
    body["members"] = [head(given_name_ar="يوسف", father_name_ar="إبراهيم", birth_year=1960)]
    created = post(app, full, "/api/v1/households", body, None).status_code
    assert created == (201 if role in MAY_REGISTER else 403), role
    assert post(app, read_only, "/api/v1/households", body, None).status_code == 403
    case, version = registered["case_number"], registered["version"]
    changed = change(app, full, case, {"notes": role}, version).status_code
    # Team B's caseworker finds no such household; the roles that change none (a screener
    # reads some, from vetting on) are refused before the household is looked for.
    expected = 200 if role in MAY_CHANGE else 404
    if role in {"admin", "focal", "reporting", "screener"}:
        expected = 403
    assert changed == expected, role
    assert change(app, read_only, case, {"notes": role}, version).status_code in {403, 404}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.dictionaries(
        st.sampled_from(["camp", "camp_ref", "origin_governorate", "phone", "members", "x"]),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.lists(st.integers())),
    )
)
def test_any_body_is_answered_without_a_server_error(app, world, body):
    token = token_for(world.caseworker_a, WRITE)
    response = post(app, token, "/api/v1/households", body, None)
    assert response.status_code in {201, 409, 422}, response.get_json()
    assert response.mimetype in {"application/json", "application/problem+json"}


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        ('"{v}:br"', 200),  # the ETag as Flask-Compress sends a compressed answer's
        ('"{v}:gzip"', 200),
        ('"0", "{v}"', 200),  # a list naming the current version
        ("*", 200),
        ('W/"{v}"', 412),  # If-Match compares strongly (RFC 9110 section 13.1.1)
        ('""', 412),
    ],
)
def test_if_match_is_read_as_http_says(app, world, registered, if_match, status):
    token = token_for(world.caseworker_a, WRITE)
    headers = {
        "Authorization": f"Bearer {token}",
        "If-Match": if_match.format(v=registered["version"]),
    }
    url = f"/api/v1/households/{registered['case_number']}"
    response = send(app, "PATCH", url, headers, json={"shelter": "Block 9"})
    assert response.status_code == status, response.get_json()


def send(app, method: str, url: str, headers: dict, **body):
    outside = _cv_app.set(None)
    try:
        return app.test_client().open(url, method=method, headers=headers, **body)
    finally:
        _cv_app.reset(outside)


def test_a_body_that_is_not_json_is_refused_not_read_as_nothing(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    headers = {"Authorization": f"Bearer {token}", "If-Match": f'"{registered["version"]}"'}
    url = f"/api/v1/households/{registered['case_number']}"
    plain = send(
        app, "PATCH", url, {**headers, "Content-Type": "text/plain"}, data='{"shelter": "x"}'
    )
    assert plain.status_code == 415 and plain.mimetype == "application/problem+json"
    deep = b'{"shelter": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    nested = send(app, "PATCH", url, {**headers, "Content-Type": "application/json"}, data=deep)
    assert nested.status_code == 400 and nested.get_json()["errors"]["json"]


def test_a_change_that_changes_nothing_keeps_the_version(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    case, version = registered["case_number"], registered["version"]
    for body in ({}, {"duplicates_seen": [2**40]}, {"camp_ref": registered["camp_ref"]}):
        response = change(app, token, case, body, version)
        assert response.status_code == 200 and response.get_json()["version"] == version


# --- places named as the importer names them ---------------------------------------------

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@st.composite
def spelled(draw, code: str) -> str:
    """`code` as a person or a partner's system may write it: any case, its hyphen kept,
    dropped, a space or another dash, its digits in either script, spaces around."""
    cased = "".join(ch.upper() if draw(st.booleans()) else ch.lower() for ch in code)
    joined = cased.replace("-", draw(st.sampled_from(["-", "", " ", "\u2010", " - "])))
    digits = joined.translate(ARABIC_DIGITS) if draw(st.booleans()) else joined
    return draw(st.sampled_from(["", " "])) + digits + draw(st.sampled_from(["", " "]))


def by_api(field: str, sent: str) -> int | None:
    """The id the API's household writes read in `field` (None: refused)."""
    from app.api.household_writes import PLACES, _place_ids

    ids, errors = _place_ids({field: sent})
    return None if errors else ids[PLACES[field]]


def by_importer(sent: str):
    """The place a transfer list's place column reads in `sent` (None: refused)."""
    from app.imports.places import places_by_name

    return places_by_name().find(sent)


@pytest.mark.parametrize("sent", ["IQ-NI", "iq-ni", "IQNI", "IQG15", " iqg15 ", "IQ NI"])
def test_a_governorate_is_named_by_its_iso_code_or_p_code_any_case(app, world, sent):
    response = register(app, world, origin_governorate=sent, origin_district="iqg15q05")
    assert response.status_code == 201, response.get_json()
    stored = db.session.scalars(sa.select(Household)).one()
    assert (stored.origin_governorate_id, stored.origin_district_id) == (
        world.ninewa.id,
        world.mosul.id,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_api_and_the_importer_read_a_place_code_alike(world, data):
    """Whatever spelling of a governorate's ISO code or p-code, or of a district's p-code:
    the API's household writes and the importer's place column read the same place."""
    kind = data.draw(st.sampled_from(["iso", "governorate", "district"]))
    code = {"iso": world.ninewa.iso_code, "governorate": world.ninewa.pcode}.get(
        kind, world.mosul.pcode
    )
    sent = data.draw(spelled(code))
    imported = by_importer(sent)
    if kind == "district":
        assert by_api("origin_district", sent) == imported.district_id == world.mosul.id
        assert by_api("origin_governorate", sent) is None  # a district is no governorate
    else:
        assert by_api("origin_governorate", sent) == imported.governorate_id == world.ninewa.id
        assert imported.district_id is None


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    sent=st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=12),
        st.sampled_from(["IQ-NI", "IQG15", "IQG15Q05", "IQG15Q08"]).flatmap(spelled),
    )
)
def test_what_the_api_reads_as_a_place_the_importer_reads_as_the_same(world, sent):
    """The importer reads names too; any code the API takes, it takes as the same place."""
    governorate, district = by_api("origin_governorate", sent), by_api("origin_district", sent)
    imported = by_importer(sent)
    if governorate is not None:
        assert imported is not None and imported.governorate_id == governorate
    if district is not None:
        assert imported is not None and imported.district_id == district


# --- contact written in the shape it is read ------------------------------------------------


def test_contact_is_changed_in_the_shape_get_answers_it(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    case, version = registered["case_number"], registered["version"]
    sent = {"contact": {"shelter": "Block 9, tent 4", "phone": "0771 234 5678"}}
    response = change(app, token, case, sent, version)
    assert response.status_code == 200, response.get_json()
    read = call(app, token, f"/api/v1/households/{case}").get_json()["contact"]
    assert read["shelter"] == "Block 9, tent 4" and read["phone"].replace(" ", "").endswith(
        "7712345678"
    )
    # What GET answers, sent back as it is, changes nothing (its destination is sent apart).
    again = {"contact": {k: v for k, v in read.items() if k != "destination"}}
    same = change(app, token, case, again, response.get_json()["version"])
    assert same.status_code == 200 and same.get_json()["version"] == response.get_json()["version"]


def test_the_old_flat_shelter_is_still_read_but_not_beside_contact(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    case, version = registered["case_number"], registered["version"]
    both = change(app, token, case, {"shelter": "A", "contact": {"shelter": "B"}}, version)
    assert both.status_code == 422 and both.get_json()["errors"]["json"]["shelter"]
    flat = change(app, token, case, {"shelter": "Block 4"}, version)
    assert flat.status_code == 200 and flat.get_json()["contact"]["shelter"] == "Block 4"


def test_a_refused_contact_value_is_told_where_it_was_sent(app, world, registered):
    token = token_for(world.caseworker_a, WRITE)
    case, version = registered["case_number"], registered["version"]
    nested = change(app, token, case, {"contact": {"phone": "call me"}}, version)
    assert nested.status_code == 422 and nested.get_json()["errors"]["json"]["contact"]["phone"]
    flat = change(app, token, case, {"phone": "call me"}, version)
    assert flat.status_code == 422 and flat.get_json()["errors"]["json"]["phone"]


def test_the_document_marks_the_flat_contact_fields_deprecated(app):
    schemas = app.extensions["awda_api"].spec.to_dict()["components"]["schemas"]
    change = schemas["HouseholdChange"]["properties"]
    assert change["shelter"]["deprecated"] and change["phone"]["deprecated"]
    assert set(schemas["ContactFields"]["properties"]) == {"phone", "shelter"}


def test_clearing_the_destination_governorate_alone_is_refused_at_its_field(app, world):
    with_destination = register(
        app, world, destination_governorate=world.ninewa.pcode, destination_district="IQG15Q05"
    )
    assert with_destination.status_code == 201, with_destination.get_json()
    registered = with_destination.get_json()
    token = token_for(world.caseworker_a, WRITE)
    for cleared in ("", None):
        body = {"destination_governorate": cleared}
        response = change(app, token, registered["case_number"], body, registered["version"])
        assert response.status_code == 422, response.get_json()
        told = response.get_json()["errors"]["json"]["destination_governorate"]
        assert told == ["Choose the governorate of Mosul, or clear the district too."]
    both = {"destination_governorate": None, "destination_district": None}
    assert (
        change(app, token, registered["case_number"], both, registered["version"]).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("if_match", "told"),
    [
        ('"abc"', "If-Match names no version of a household"),
        ('"0"', "Someone changed this household since: read it again."),
    ],
)
def test_a_tag_that_is_no_version_is_told_so_not_that_someone_changed_it(
    app, world, registered, if_match, told
):
    token = token_for(world.caseworker_a, WRITE)
    headers = {"Authorization": f"Bearer {token}", "If-Match": if_match}
    url = f"/api/v1/households/{registered['case_number']}"
    response = send(app, "PATCH", url, headers, json={"contact": {"shelter": "Block 9"}})
    assert response.status_code == 412
    assert response.get_json()["detail"].startswith(told)
    assert response.headers["ETag"] == f'"{registered["version"]}"'
