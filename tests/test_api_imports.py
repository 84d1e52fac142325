"""A partner's script imports a transfer list through the JSON API, through the same services
as the import pages: upload (the mapping sent, or the source's template), the preview read,
the commit with If-Match, polled until done, the households then listed; who is refused, what
another team finds, and what a bad file or mapping is told, in the caller's language."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.models import AuditEntry
from app.extensions import db
from app.imports import services
from app.imports.models import ImportSource, ImportStatus, ListImport
from app.registry.models import Household
from tests.test_api import IMPORTS, call, post, token_for
from tests.test_import_commit import csv_bytes, family_rows, receive_and_check

SCRIPT = [*IMPORTS, "households:read"]
CHOICES = {
    "source": "al-Hol camp administration",
    "camp": "ALHOL",
    "batch": "B-2026-01",
    "origin_governorate": "IQ-NI",
}


def upload(app, token: str, data: bytes | None, name: str = "list.csv", **fields):
    """POST the list as a script does: multipart, the file under `file`."""
    form: dict = {**CHOICES, **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    headers = {"Authorization": f"Bearer {token}"}
    outside = _cv_app.set(None)
    try:
        return app.test_client().post(
            "/api/v1/imports", data=form, headers=headers, content_type="multipart/form-data"
        )
    finally:
        _cv_app.reset(outside)


def imports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ListImport))


def arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def test_a_supervisors_script_imports_a_list_and_finds_its_households(app, world):
    token = token_for(world.supervisor_a, SCRIPT)
    rows = family_rows(3)
    rows[2][4] = "؟"  # F-2's wife: a sex Awda cannot read
    sent = upload(app, token, csv_bytes(rows))
    assert sent.status_code == 202, sent.get_json()
    body = sent.get_json()
    assert body["status"] == ImportStatus.CHECKING and body["preview"] is None
    assert {c["heading"]: c["field"] for c in body["columns"]}["رقم العائلة"] == "household_ref"
    url = sent.headers["Location"]
    assert url == f"/api/v1/imports/{body['id']}"

    checked = call(app, token, url)  # the check ran after the upload committed
    one = checked.get_json()
    assert (
        one["status"] == ImportStatus.CHECKED and checked.headers["ETag"] == f'"{one["version"]}"'
    )
    assert one["preview"] == {
        "rows": 6,
        "households": 3,
        "new": 2,
        "new_members": 4,
        "updated": 0,
        "unchanged": 0,
        "refused_rows": 1,
        "problems": 1,
        "possible_duplicates": 0,
    }
    problems = call(app, token, f"{url}/problems").get_json()["items"]
    assert [(p["row"], p["column"], p["found"]) for p in problems] == [(4, "الجنس", "check")]
    assert "Awda does not know the sex ؟" in problems[0]["message"]

    committed = post(app, token, f"{url}/commit", {}, one["version"])
    assert committed.status_code == 202, committed.get_json()
    assert committed.headers["Location"] == url
    for _poll in range(20):  # the script polls until the commit has finished
        done = call(app, token, url).get_json()
        if done["progress"]["finished"]:
            break
    assert done["status"] == ImportStatus.DONE
    assert done["result"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1}
    assert done["progress"]["done"] == done["progress"]["total"] == 3

    listed = call(app, token, "/api/v1/households?limit=100").get_json()["items"]
    registered = set(db.session.scalars(sa.select(Household.case_number)))
    assert len(registered) == 2 and {h["case_number"] for h in listed} == registered
    audited = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"imports.received", "api.import", "api.import_problems", "imports.commit"} <= audited


def test_a_commit_without_if_match_is_refused_and_a_stale_version_loses(app, world):
    token = token_for(world.supervisor_a, IMPORTS)
    url = upload(app, token, csv_bytes(family_rows(2))).headers["Location"]
    version = call(app, token, url).get_json()["version"]
    assert post(app, token, f"{url}/commit", {}, None).status_code == 428
    assert post(app, token, f"{url}/cancel", {}, None).status_code == 428
    assert call(app, token, url).get_json()["status"] == ImportStatus.CHECKED  # nothing done
    assert post(app, token, f"{url}/commit", {}, version).status_code == 202
    stale = post(app, token, f"{url}/cancel", {}, version)
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    now = call(app, token, url).get_json()
    assert stale.headers["ETag"] == f'"{now["version"]}"' and now["status"] == ImportStatus.DONE
    again = post(app, token, f"{url}/commit", {}, now["version"])
    assert again.status_code == 409 and "already being imported" in again.get_json()["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 2


def test_the_version_changes_when_the_page_checks_the_list_again(app, world, login):
    """A supervisor re-maps the list on its page after the script read it: the script's
    commit of the preview it read is refused, never applied to a preview it did not see."""
    token = token_for(world.supervisor_a, IMPORTS)
    url = upload(app, token, csv_bytes(family_rows(2))).headers["Location"]
    version = call(app, token, url).get_json()["version"]
    imported_id = int(url.rsplit("/", 1)[1])
    browser = login("supervisor_a")
    page = browser.get(f"/imports/{imported_id}/columns").get_data(as_text=True)
    assert "column_0" in page
    chosen = {f"column_{i}": f for i, f in db.session.get(ListImport, imported_id).mapping.items()}
    assert browser.post(f"/imports/{imported_id}/columns", chosen).status_code == 302
    assert call(app, token, url).get_json()["status"] == ImportStatus.CHECKED
    assert post(app, token, f"{url}/commit", {}, version).status_code == 412


def test_two_commits_with_one_version_at_once_one_starts_one_is_told(app, world):
    from tests.test_concurrent_writers import _together

    token = token_for(world.supervisor_a, IMPORTS)
    url = upload(app, token, csv_bytes(family_rows(2))).headers["Location"]
    version = call(app, token, url).get_json()["version"]
    answers = _together(app, 2, lambda _i: post(app, token, f"{url}/commit", {}, version))
    assert sorted(a.status_code for a in answers) == [202, 412]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 2


def test_a_list_waiting_for_its_commit_is_cancelled_at_once(app, world):
    """As when no worker has taken the job yet: cancelled before a household is written."""
    imported, _found = receive_and_check(world, csv_bytes(family_rows(2)))
    services.queue_commit(imported, world.supervisor_a, launch=False)
    db.session.commit()
    token = token_for(world.supervisor_a, IMPORTS)
    url = f"/api/v1/imports/{imported.id}"
    queued = call(app, token, url).get_json()
    assert queued["status"] == ImportStatus.QUEUED and queued["result"]["created"] == 0
    cancelled = post(app, token, f"{url}/cancel", {}, queued["version"])
    assert cancelled.status_code == 202 and cancelled.get_json()["status"] == "cancelled"
    again = post(app, token, f"{url}/cancel", {}, cancelled.get_json()["version"])
    assert again.status_code == 409 and "not running" in again.get_json()["detail"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 0


@pytest.mark.parametrize(
    ("who", "scopes"),
    [
        ("caseworker_a", SCRIPT),
        ("focal", SCRIPT),
        ("reporting", SCRIPT),
        ("supervisor_a", ["imports:read"]),
    ],
)
def test_only_a_supervisor_with_the_write_scope_uploads_or_commits(app, world, who, scopes):
    imported, _found = receive_and_check(world, csv_bytes(family_rows(1)))
    token = token_for(world.user(who), scopes)
    url = f"/api/v1/imports/{imported.id}"
    refused = upload(app, token, csv_bytes(family_rows(2)))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert post(app, token, f"{url}/commit", {}, "anything").status_code == 403
    assert post(app, token, f"{url}/cancel", {}, "anything").status_code == 403
    assert imports() == 1 and db.session.get(ListImport, imported.id).status == "checked"
    reading = call(app, token, url).status_code
    assert reading == (200 if who == "supervisor_a" else 403)
    refusals = sa.select(sa.func.count()).where(AuditEntry.action == "access.refused")
    assert db.session.scalar(refusals) >= (0 if who == "supervisor_a" else 1)


def test_another_teams_list_does_not_exist_for_them(app, world):
    imported, _found = receive_and_check(world, csv_bytes(family_rows(1)))
    token = token_for(world.supervisor_b, IMPORTS)
    url = f"/api/v1/imports/{imported.id}"
    for answer in (
        call(app, token, url),
        call(app, token, f"{url}/problems"),
        post(app, token, f"{url}/commit", {}, "x"),
        post(app, token, f"{url}/cancel", {}, "x"),
    ):
        assert (
            answer.status_code == 404 and "No list with this number" in answer.get_json()["detail"]
        )
    assert call(app, token, "/api/v1/imports").get_json()["items"] == []
    ours = call(app, token_for(world.supervisor_a, IMPORTS), "/api/v1/imports").get_json()
    assert [i["id"] for i in ours["items"]] == [imported.id]


def test_the_lists_and_the_problems_page_by_cursor(app, world):
    token = token_for(world.supervisor_a, IMPORTS)
    rows = family_rows(5)
    for family in range(5):
        rows[2 * family][4] = "؟"  # every wife's sex unreadable: five problems
    made = [upload(app, token, csv_bytes(rows)).get_json()["id"] for _ in range(3)]
    seen, url = [], "/api/v1/imports?limit=2"
    while url:
        body = call(app, token, url).get_json()
        seen += [i["id"] for i in body["items"]]
        url = body["next_cursor"] and f"/api/v1/imports?limit=2&cursor={body['next_cursor']}"
    assert seen == made
    checked = call(app, token, "/api/v1/imports?status=checked").get_json()["items"]
    assert (
        len(checked) == 3
        and not call(app, token, "/api/v1/imports?status=done").get_json()["items"]
    )
    rows_told, url = [], f"/api/v1/imports/{made[0]}/problems?limit=2"
    while url:
        body = call(app, token, url).get_json()
        rows_told += [p["row"] for p in body["items"]]
        cursor = body["next_cursor"]
        url = cursor and f"/api/v1/imports/{made[0]}/problems?limit=2&cursor={cursor}"
    assert rows_told == [2, 4, 6, 8, 10]


@pytest.mark.parametrize(
    ("data", "name", "told"),
    [
        (b"", "list.csv", "The list is empty"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, "list.xlsx", "Awda cannot read this file"),
        (None, "", "Choose the file of the list"),
    ],
)
def test_a_bad_file_is_told_beside_the_file_field_and_nothing_is_kept(app, world, data, name, told):
    response = upload(app, token_for(world.supervisor_a, IMPORTS), data, name)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert told in response.get_json()["errors"]["files"]["file"][0]
    assert imports() == 0


def test_a_file_over_the_limit_is_refused_with_the_reason_beside_the_field(app, world):
    app.config["IMPORT_MAX_MB"] = 1
    token = token_for(world.supervisor_a, IMPORTS)
    slightly = csv_bytes(family_rows(6000))  # about 1.5 MB: read, and told why
    for data, status in ((slightly, 422), (slightly * 3, 413)):  # beyond twice: refused unread
        response = upload(app, token, data)
        assert response.status_code == status and response.mimetype == "application/problem+json"
        assert "larger than 1 MB" in response.get_json()["errors"]["files"]["file"][0]
    assert imports() == 0


def test_a_list_above_a_forms_size_is_accepted_by_the_upload(app, world):
    big = csv_bytes(family_rows(6000))
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(app, token_for(world.supervisor_a, IMPORTS), big).status_code == 202


@pytest.mark.parametrize(
    ("fields", "where", "field"),
    [
        ({"source": " "}, "form", "source"),
        ({"camp": "NOWHERE"}, "form", "camp"),
        ({"batch": "B-1999-99"}, "form", "batch"),
        ({"origin_governorate": "IQ-XX"}, "form", "origin_governorate"),
        ({"encoding": "ebcdic"}, "form", "encoding"),
        ({"colour": "blue"}, "form", "colour"),
        ({"mapping": "[" * 100_000}, "form", "mapping"),
        # A NUL (cleaned away, as in any text the API reads) never reaches PostgreSQL.
        ({"camp": "NOWHERE\x00"}, "form", "camp"),
        ({"origin_governorate": "\x00IQ-XX"}, "form", "origin_governorate"),
        # Sent twice: the first was used without a word.
        ({"camp": ["ALHOL", "NOWHERE"]}, "form", "camp"),
    ],
)
def test_a_bad_choice_is_told_field_by_field(app, world, fields, where, field):
    response = upload(
        app, token_for(world.supervisor_a, IMPORTS), csv_bytes(family_rows(1)), **fields
    )
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"][where]
    assert imports() == 0


HEADINGS = ["Family", "Name of person", "Mother", "Born", "Gender", "Relation"]
MAPPING = {
    "Family": "household_ref", "Name of person": "full_name", "Mother": "mother_name",
    "Born": "birth", "Gender": "sex", "Relation": "relationship",
}  # fmt: skip


def test_a_mapping_sent_is_used_and_remembered_for_the_sources_next_list(app, world):
    token = token_for(world.supervisor_a, IMPORTS)
    data = csv_bytes(family_rows(2), HEADINGS)
    sent = upload(app, token, data, mapping=json.dumps(MAPPING))
    assert sent.status_code == 202, sent.get_json()
    assert {c["heading"]: c["field"] for c in sent.get_json()["columns"]} == MAPPING
    checked = call(app, token, sent.headers["Location"]).get_json()
    assert checked["preview"]["new"] == 2 and checked["preview"]["refused_rows"] == 0
    source = db.session.scalar(sa.select(ImportSource))
    assert source.template["name of person"] == "full_name"
    following = upload(app, token, csv_bytes(family_rows(1, start=5), HEADINGS))
    assert {c["heading"]: c["field"] for c in following.get_json()["columns"]} == MAPPING


def test_a_list_whose_household_column_is_not_mapped_is_refused_saying_which(app, world):
    token = token_for(world.supervisor_a, IMPORTS)
    data = csv_bytes(family_rows(2), HEADINGS)
    guessed = upload(app, token, data)  # no template yet; "Family" names no field by itself
    assert guessed.status_code == 422
    body = guessed.get_json()
    assert (
        "household_ref" in body["detail"] and "household_ref" in body["errors"]["form"]["mapping"]
    )
    without = {**MAPPING, "Family": None}
    assert upload(app, token, data, mapping=json.dumps(without)).status_code == 422
    wrong = upload(app, token, data, mapping=json.dumps({**MAPPING, "Tent": "camp_ref"}))
    assert "Tent" in wrong.get_json()["errors"]["form"]["mapping"]
    twice = upload(app, token, data, mapping=json.dumps({**MAPPING, "Mother": "full_name"}))
    assert twice.status_code == 422
    assert imports() == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=60),
        st.dictionaries(
            st.sampled_from([*HEADINGS, "Tent", ""]) | st.text(max_size=8),
            st.none()
            | st.sampled_from([*MAPPING.values(), "age", "nothing"])
            | st.text(max_size=8),
            max_size=8,
        ).map(json.dumps),
    )
)
def test_any_mapping_is_used_or_refused_never_an_error(app, world, mapping):
    token = token_for(world.supervisor_a, IMPORTS)
    response = upload(app, token, csv_bytes(family_rows(1), HEADINGS), mapping=mapping)
    assert response.status_code in (202, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert "mapping" in response.get_json()["errors"]["form"]


def test_a_refusal_is_told_in_the_token_users_language(app, world):
    world.supervisor_a.locale = "ar"
    db.session.commit()
    token = token_for(world.supervisor_a, IMPORTS)
    pdf = upload(app, token, b"%PDF-1.7\n" + bytes(range(256)) * 40, "list.xlsx")
    assert arabic(pdf.get_json()["errors"]["files"]["file"][0])
    missing = upload(app, token, None)
    assert arabic(missing.get_json()["errors"]["files"]["file"][0])
    reader = token_for(world.supervisor_a, ["imports:read"])
    assert arabic(upload(app, reader, csv_bytes(family_rows(1))).get_json()["detail"])
