"""The case list as a spreadsheet: scoped, pseudonymised by default, identifiable only with the
permission, a purpose and the password; formulas neutralised; audited."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import PASSWORD, HouseholdFactory, MemberFactory


@pytest.fixture
def households(world):
    ours = HouseholdFactory(
        team=world.team_a,
        camp=world.camp,
        phone="+9647701234567",
        members=[MemberFactory(given_name_ar="سلمى", given_name_en="Salma", relationship="head")],
    )
    theirs = HouseholdFactory(team=world.team_b, camp=world.camp)
    return ours, theirs


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _export(browser, query="", **form):
    data = {"columns": ["case_number", "stage", "members"], "format": "csv", **form}
    return browser.post(f"/reports/cases?{query}", data)


def test_the_default_export_is_pseudonymised_and_scoped(world, login, households):
    ours, theirs = households
    response = _export(login("caseworker_a"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _rows(response)
    assert rows[0] == ["Case number", "Stage", "Members"]
    assert rows[1:] == [[ours.case_number, "Registered in camp", "1"]]
    text = response.get_data(as_text=True)
    assert "سلمى" not in text and theirs.case_number not in text
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "export.cases")
    ).one()
    assert entry.detail["rows"] == 1 and entry.detail["identifiable"] is False


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_an_arabic_reader_gets_the_rows_in_arabic_too(world, login, households, format_):
    ours, _theirs = households
    world.caseworker_a.locale = "ar"
    db.session.commit()
    response = _export(
        login("caseworker_a"), columns=["case_number", "stage", "camp"], format=format_
    )
    if format_ == "csv":
        rows = _rows(response)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["رقم الحالة", "المرحلة", "المخيم المُغادَر منه"],
        [ours.case_number, "مسجَّلة في المخيم", "الهول"],
    ]


def test_names_need_an_identifiable_export_with_permission_purpose_and_password(
    world, login, households
):
    named = {"columns": ["case_number", "head_name_ar", "phone"]}
    refused = _export(login("caseworker_a"), **named)
    assert refused.status_code == 422
    told = refused.get_data(as_text=True)  # the caseworker's form has no box to tick
    assert "your role may export pseudonymised lists only: untick" in told
    assert "tick an identifiable export" not in told
    as_caseworker = _export(
        login("caseworker_a"),
        **named,
        identifiable="y",
        purpose="Bus list for the return",
        password=PASSWORD,
    )
    assert "Your role may export pseudonymised lists only." in as_caseworker.get_data(as_text=True)

    supervisor = login("supervisor_a")
    unticked = _export(supervisor, **named).get_data(as_text=True)
    assert "These name people; tick an identifiable export" in unticked
    no_password = _export(supervisor, **named, identifiable="y", purpose="Bus list for the return")
    assert no_password.status_code == 422
    no_purpose = _export(supervisor, **named, identifiable="y", password=PASSWORD)
    assert "Say what the identifiable list is for" in no_purpose.get_data(as_text=True)
    sent = _export(
        supervisor, **named, identifiable="y", purpose="Bus list for the return", password=PASSWORD
    )
    assert sent.status_code == 200
    assert _rows(sent)[1][1:] == [households[0].members[0].name_ar, "07701234567"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "export.cases")
    ).one()
    assert (
        entry.detail["identifiable"] is True
        and entry.detail["purpose"] == "Bus list for the return"
    )


@pytest.mark.parametrize(
    ("locale", "typed", "message"),
    [
        ("en", "not my password", "The password is wrong. Type the password you log in with."),
        ("en", "", "Type the password you log in with."),
        ("ar", "not my password", "كلمة المرور غير صحيحة. اكتب كلمة المرور التي تسجّل بها الدخول."),
        ("ar", "", "اكتب كلمة المرور التي تسجّل بها الدخول."),
    ],
)
def test_a_wrong_or_missing_password_is_said_plainly_beside_it(
    world, login, households, locale, typed, message
):
    world.supervisor_a.locale = locale
    db.session.commit()
    response = _export(
        login("supervisor_a"),
        columns=["case_number", "head_name_ar"],
        identifiable="y",
        purpose="Bus list for the return",
        password=typed,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    start = page.index('id="password-errors"')
    assert re.findall(r"<li>(.*?)</li>", page[start : page.index("</ul>", start)]) == [message]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"columns": []}, "Choose at least one column."),
        (
            {"columns": ["case_number", "password_hash"]},
            "“password_hash” is not one of the choices offered here.",
        ),
        (
            {"columns": ["secret", "case_number", "password_hash"]},
            "“password_hash, secret” are not among the choices offered here.",
        ),
    ],
)
def test_bad_choices_are_refused(world, login, households, form, message):
    response = _export(login("caseworker_a"), **form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "text/html" in response.content_type


def test_an_unknown_column_is_named_in_arabic_beside_the_columns(world, login, households):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    response = _export(login("caseworker_a"), columns=["case_number", "password_hash"])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "«password_hash» ليس من الخيارات المعروضة هنا." in page
    assert "valid choice" not in page


@pytest.mark.parametrize("query", ["caseworker_id={other}", "governorate_id=IQG15"])
def test_a_forged_filter_is_named_and_nothing_is_sent(world, login, households, query):
    query = query.format(other=world.caseworker_b.id)
    response = _export(login("caseworker_a"), query)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "have values not among the choices offered to you:" in page
    assert f"“{query.partition('=')[2]}” is not one of the choices offered to you" in page
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "export.cases" not in actions


def test_the_xlsx_opens_with_the_rows_and_formulas_are_neutralised(world, login, households):
    world.camp.name_en = '=HYPERLINK("http://evil")'
    db.session.commit()
    response = _export(login("caseworker_a"), columns=["case_number", "camp"], format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["Case number", "Camp of origin"],
        [households[0].case_number, '\'=HYPERLINK("http://evil")'],
    ]


def test_the_searched_list_is_what_is_exported(world, login, households):
    browser = login("caseworker_a")
    HouseholdFactory(
        team=world.team_a,
        camp=world.camp,
        members=[MemberFactory(given_name_en="Omar", given_name_ar="عمر")],
    )
    sent = browser.post("/households/search", {"q": "Salma"})
    query = sent.headers["Location"].split("?", 1)[1]
    rows = _rows(_export(browser, query))
    assert [row[0] for row in rows[1:]] == [households[0].case_number]


def test_the_export_lists_the_documents_on_file_never_their_content(world, login, households):
    from tests.factories import stored_attachment

    ours, _theirs = households
    stored_attachment(ours, world.caseworker_a)
    stored_attachment(ours, world.caseworker_a, group="protection")  # not a document kind shown
    db.session.commit()
    rows = _rows(_export(login("caseworker_a"), columns=["case_number", "documents"]))
    assert rows == [
        ["Case number", "Documents on file"],
        [ours.case_number, "Civil ID or unified ID card"],
    ]
    assert "%PDF" not in _export(login("caseworker_a"), columns=["documents"]).get_data(True)


def test_a_search_no_longer_kept_is_said_and_never_widens_the_file_to_the_whole_list(
    world, login, households
):
    browser = login("caseworker_a")
    query = "search=lapsed-token-1"  # a search's token from yesterday's list
    page = browser.get(f"/reports/cases?{query}").get_data(as_text=True)
    assert "That search is no longer kept; type it again." in page
    assert "in the list as filtered" not in page  # the unsearched list's count would mislead
    refused = _export(browser, query)
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    assert "That search is no longer kept" in refused.get_data(as_text=True)
    assert _export(browser).mimetype == "text/csv"  # without a search: the list as filtered


def test_a_crafted_identifiable_post_by_a_caseworker_is_told_above_the_form_whatever_its_purpose(
    world, login, households
):
    """The purpose and password are not on a caseworker's form: a crafted post's, however long,
    is not read; the one message says why, above the form."""
    refused = _export(
        login("caseworker_a"), identifiable="y", purpose="x" * 600, password="not mine"
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Your role may export pseudonymised lists only." in page
    assert "Say what the identifiable list is for" not in page
    assert "The password is wrong" not in page and "Type the password" not in page


def test_a_column_ticked_twice_comes_once(world, login, households):
    sent = _export(login("caseworker_a"), columns=["case_number"] * 4 + ["stage"])
    assert sent.status_code == 200
    assert _rows(sent)[0] == ["Case number", "Stage"]
