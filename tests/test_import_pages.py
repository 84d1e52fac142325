"""A supervisor imports a list through the pages: upload, the columns confirmed (and saved as
the source's template), the preview, the commit, the result with case numbers and the error
report, and what the pages refuse."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from python_calamine import CalamineWorkbook

from app.extensions import db
from app.imports.models import ImportSource, ImportStatus, ListImport
from app.registry.models import Household
from tests.test_import_commit import HEADERS, csv_bytes, family_rows


def upload(browser, world, data: bytes, name="list.csv", source="al-Hol camp administration"):
    return browser.post(
        "/imports/new",
        {
            "list_file": (io.BytesIO(data), name),
            "source": source,
            "camp_id": str(world.camp.id),
            "batch_id": str(world.batch.id),
            "origin_governorate_id": str(world.ninewa.id),
        },
        content_type="multipart/form-data",
    )


def confirm_columns(browser, response, **changes):
    url = response.headers["Location"]
    page = browser.get(url).get_data(as_text=True)
    chosen = dict(
        re.findall(
            r'<select[^>]*name="(column_\d+)".*?<option selected value="([^"]*)"', page, re.S
        )
    )
    return browser.post(url, {**chosen, "save_template": "y", **changes})


def sheet(response) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.get_data()))
    return book.get_sheet_by_index(0).to_python()


def test_a_supervisor_imports_a_list_end_to_end(login, world):
    browser = login("supervisor_a")
    rows = family_rows(3)
    rows[2][4] = "؟"  # F-2's wife: a sex Awda cannot read
    uploaded = upload(browser, world, csv_bytes(rows))
    assert uploaded.status_code == 302
    checked = confirm_columns(browser, uploaded)
    assert checked.status_code == 302
    page = browser.get(checked.headers["Location"]).get_data(as_text=True)
    assert "Import 2 households" in page
    assert "registered in your team, Team A" in browser.get("/imports/new").text
    assert "Awda does not know the sex ؟" in page
    imported = db.session.scalar(sa.select(ListImport))
    committed = browser.post(f"/imports/{imported.id}/commit")
    assert committed.status_code == 302
    page = browser.get(f"/imports/{imported.id}").get_data(as_text=True)
    assert "Households registered" in page
    db.session.expire_all()
    assert db.session.get(ListImport, imported.id).status == ImportStatus.DONE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 2

    result = sheet(browser.get(f"/imports/{imported.id}/result.xlsx"))
    assert result[0][: len(HEADERS)] == HEADERS
    cases = {r[0]: r[-2] for r in result[1:]}
    registered = set(db.session.scalars(sa.select(Household.case_number)))
    assert {cases["F-1"], cases["F-3"]} == registered and cases["F-2"] == ""
    report = sheet(browser.get(f"/imports/{imported.id}/problems.xlsx"))
    flagged = [r for r in report[1:] if r[-1]]
    assert [(r[0], r[-2]) for r in flagged] == [("F-2", 4)]
    assert "does not know the sex" in flagged[0][-1]


def test_the_next_list_of_a_source_maps_itself_by_its_saved_template(login, world):
    browser = login("supervisor_a")
    headers = ["Family", "Name of person", "Mother", "Born", "Gender", "Relation"]
    first = upload(browser, world, csv_bytes(family_rows(1), headers))
    url = first.headers["Location"]
    mapping = {
        "column_0": "household_ref", "column_1": "full_name", "column_2": "mother_name",
        "column_3": "birth", "column_4": "sex", "column_5": "relationship",
    }  # fmt: skip
    assert browser.post(url, {**mapping, "save_template": "y"}).status_code == 302
    source = db.session.scalar(sa.select(ImportSource))
    assert source.template["name of person"] == "full_name"
    second = upload(browser, world, csv_bytes(family_rows(1, start=5), headers))
    imported = db.session.get(ListImport, int(second.headers["Location"].split("/")[-2]))
    assert imported.mapping == {str(i): f for i, f in enumerate(mapping.values())}


def test_a_file_that_is_not_a_list_is_refused_beside_the_field_and_nothing_is_kept(login, world):
    browser = login("supervisor_a")
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    response = upload(browser, world, pdf, name="list.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="list_file-errors">\s*<li>Awda cannot read this file as a list', page)
    assert 'value="al-Hol camp administration"' in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListImport)) == 0


def test_a_list_larger_than_a_form_is_accepted_on_the_upload_page_only(login, world, app):
    browser = login("supervisor_a")
    big = csv_bytes(family_rows(6000))  # about 1.5 MB: above the 1 MB of any other page
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(browser, world, big).status_code == 302
    too_big = browser.post("/households/new", {"notes": "x" * len(big)})
    assert too_big.status_code == 413


def test_another_teams_supervisor_finds_no_list(login, world, make_browser):
    browser = login("supervisor_a")
    upload(browser, world, csv_bytes(family_rows(1)))
    imported = db.session.scalar(sa.select(ListImport))
    other = make_browser()
    other.login(world.supervisor_b)
    for url in (f"/imports/{imported.id}", f"/imports/{imported.id}/problems.xlsx"):
        assert other.get(url).status_code == 404
    assert "list.csv" not in other.get("/imports/").get_data(as_text=True)


def test_an_uploaded_name_is_shown_without_its_path_or_direction_overrides(login, world):
    browser = login("supervisor_a")
    upload(browser, world, csv_bytes(family_rows(1)), name="../../camp/\u202eslx.csv")
    imported = db.session.scalar(sa.select(ListImport))
    assert imported.filename == "slx.csv"


def test_a_check_that_fails_sends_the_list_back_to_its_columns_with_a_message(
    login, world, monkeypatch
):
    from app.imports import services

    browser = login("supervisor_a")
    uploaded = upload(browser, world, csv_bytes(family_rows(2)))

    def breaks(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "check", breaks)
    answer = confirm_columns(browser, uploaded)
    assert answer.status_code == 302  # the request that asked stands
    imported = db.session.scalar(sa.select(ListImport))
    db.session.refresh(imported)
    assert (imported.status, imported.failure) == (ImportStatus.NEW, "RuntimeError")
    page = browser.get(f"/imports/{imported.id}", follow_redirects=True).get_data(as_text=True)
    assert "The last check of this list stopped on an error" in page


def test_cancel_is_heard_while_a_list_is_written_in_the_apps_own_process(
    login, world, app, monkeypatch
):
    """On SQLite the commit's chunks take turns with the pages for the one write lock: a
    Cancel pressed while it runs gets through and stops it between chunks."""
    import time

    from app.imports import commit

    monkeypatch.setattr(commit, "SQLITE_CHUNK_SECONDS", 0.05)
    monkeypatch.setattr(commit, "CHUNK", 5)
    browser = login("supervisor_a")
    checked = confirm_columns(browser, upload(browser, world, csv_bytes(family_rows(400))))
    imported_id = int(checked.headers["Location"].rsplit("/", 1)[1])
    app.config["AWDA_JOBS"] = "thread"
    browser.post(f"/imports/{imported_id}/commit")

    def state():
        db.session.expire_all()
        return db.session.get(ListImport, imported_id)

    deadline = time.monotonic() + 60
    while state().households_done == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    pressed = time.monotonic()
    browser.post(f"/imports/{imported_id}/cancel")
    assert time.monotonic() - pressed < 10, "Cancel waited for the whole list"
    while state().status not in ImportStatus.FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    stopped = state()
    assert stopped.status == ImportStatus.CANCELLED
    assert 0 < stopped.created < 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == stopped.created


def test_the_columns_page_refuses_a_mapping_without_a_household_or_with_a_field_twice(login, world):
    browser = login("supervisor_a")
    uploaded = upload(browser, world, csv_bytes(family_rows(2)))
    no_household = confirm_columns(browser, uploaded, column_0="")
    assert no_household.status_code == 422
    assert "Choose the column that says which household" in no_household.get_data(as_text=True)
    twice = confirm_columns(browser, uploaded, column_2="full_name")
    assert twice.status_code == 422
    page = twice.get_data(as_text=True)
    assert re.search(r'id="column_2-errors">\s*<li>Another column already holds this', page)
    imported = db.session.scalar(sa.select(ListImport))
    assert imported.status == ImportStatus.NEW  # nothing checked


def test_a_file_over_the_limit_is_refused_beside_the_file_field(login, world, app):
    app.config["IMPORT_MAX_MB"] = 1
    browser = login("supervisor_a")
    slightly = csv_bytes(family_rows(6000))  # about 1.5 MB: read, and told beside the field
    answer = upload(browser, world, slightly)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'id="list_file-errors">\s*<li>This file is larger than 1 MB', page)
    assert 'value="al-Hol camp administration"' in page
    far = upload(browser, world, slightly * 3)  # beyond twice the limit: refused unread
    assert far.status_code == 413
    assert re.search(
        r'id="list_file-errors">\s*<li>This file is larger than 1 MB', far.get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListImport)) == 0
