"""Aggregate figures: counts by one or two dimensions, within the reader's reach."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.audit.models import AuditEntry
from app.core.dates import local_today
from app.core.db import utcnow
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import MemberNeed
from app.reports.aggregates import Request, cross_table
from tests.factories import HouseholdFactory, MemberFactory, UserFactory


def _family(world, team, stage="registered", *ages_and_sexes, governorate=None):
    today = local_today()
    members = [
        MemberFactory(sex=sex, birth_date=today - timedelta(days=365 * age + 30))
        for age, sex in ages_and_sexes
    ]
    household = HouseholdFactory(
        team=team,
        camp=world.camp,
        origin_governorate=governorate or world.ninewa,
        members=members,
    )
    household.stage = stage
    db.session.commit()
    return household


@pytest.fixture
def caseload(world):
    _family(world, world.team_a, "registered", (34, "F"), (8, "M"), (3, "F"))
    _family(world, world.team_a, "vetting", (61, "F"), (15, "M"))
    _family(world, world.team_b, "vetting", (29, "F"), (11, "F"), governorate=world.anbar)


@pytest.fixture
def reporting(world):
    return UserFactory(username="officer", role="reporting_officer")


def test_households_by_stage_count_every_household_for_a_reporting_officer(
    world, caseload, reporting
):
    table = cross_table(reporting, Request("households", "stage"))
    named = dict(zip(table.row_names.values(), table.counts, strict=True))
    assert named == {"Registered in camp": [1], "Security vetting": [2]}
    assert table.total == 3


def test_persons_by_age_band_and_sex(world, caseload, reporting):
    table = cross_table(reporting, Request("persons", "age_band", "sex"))
    assert list(table.row_names) == ["0-4", "5-11", "12-17", "18-59", "60+"]
    assert list(table.column_names.values()) == ["Female", "Male"]
    assert table.counts == [[1, 0], [1, 1], [0, 1], [2, 0], [1, 0]]


def test_a_supervisor_counts_their_team_only_and_a_caseworker_nothing(world, caseload):
    team = cross_table(world.supervisor_a, Request("persons", "origin_governorate"))
    assert team.total == 5 and list(team.row_names.values()) == ["Ninewa"]
    assert cross_table(world.caseworker_a, Request("persons", "stage")).total == 0


def test_a_person_with_two_needs_counts_once_under_each(world, caseload, reporting):
    household = _family(world, world.team_a, "registered", (40, "F"))
    member = household.members[0]
    member.needs = [MemberNeed(code="WR-FH"), MemberNeed(code="SM-CC")]
    db.session.commit()
    table = cross_table(reporting, Request("persons", "need"))
    named = dict(zip(table.row_names, table.counts, strict=True))
    assert named == {"SM-CC": [1], "WR-FH": [1]}


def test_the_period_is_the_registration_date_on_the_centres_calendar(world, caseload, reporting):
    tomorrow = local_today() + timedelta(days=1)
    assert cross_table(reporting, Request("households", "stage", end=tomorrow)).total == 3
    assert cross_table(reporting, Request("households", "stage", start=tomorrow)).total == 0
    assert cross_table(reporting, Request("households", "stage", end=date(2020, 1, 1))).total == 0


def test_published_figures_hide_small_counts(world, caseload, reporting):
    published = cross_table(reporting, Request("households", "stage")).published(5)
    assert {published.shown(r, 0) for r in range(2)} == {"<5"}


# --- the report page and its downloads --------------------------------------------------------


def _login_as(make_browser, user):
    browser = make_browser()
    browser.login(user)
    return browser


STAGE_BY_SEX = "/reports/?unit=persons&rows=stage&columns=sex"


def test_a_reporting_officer_sees_published_figures_only(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    text = browser.get("/reports/?unit=households&rows=stage").get_data(as_text=True)
    assert "&lt;5" in text and "Security vetting" in text
    assert "Counts below 5 are shown as &lt;5" in text
    # Too sparse to publish at all: every count hidden, and said so.
    sparse = browser.get(STAGE_BY_SEX).get_data(as_text=True)
    assert "too few to publish" in sparse and "&lt;5</td>" not in sparse


def test_a_supervisor_sees_exact_team_counts(world, caseload, login):
    text = login("supervisor_a").get(STAGE_BY_SEX).get_data(as_text=True)
    assert "Exact counts" in text and "Anbar" not in text


def test_the_csv_download_is_suppressed_and_audited(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    response = browser.get("/reports/download/csv?unit=households&rows=origin_governorate")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Governorate of origin,Total"
    assert lines[1:] == ["Anbar,<5", "Ninewa,<5", "Total,<5"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "report.download")
    ).one()
    assert entry.detail["rows"] == 2 and entry.detail["filters"]["rows"] == "origin_governorate"


def test_the_xlsx_opens_with_the_expected_rows(world, reporting, make_browser):
    for _ in range(6):
        _family(world, world.team_a, "vetting", (30, "F"), (5, "M"))
    browser = _login_as(make_browser, reporting)
    response = browser.get("/reports/download/xlsx?unit=persons&rows=sex")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [["Sex", "Total"], ["Female", 6], ["Male", 6], ["Total", 12]]


def test_the_printable_report_is_the_published_table(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    response = browser.get("/reports/download/pdf?unit=households&rows=origin_governorate")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert "Governorate of origin Total" in text
    assert "Anbar <5 Ninewa <5 Total <5" in text  # the counts (1 and 2) never appear
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "report.download")
    ).one()
    assert entry.detail["format"] == "pdf"


def test_the_hxl_row_tags_every_column(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    response = browser.get("/reports/download/hxl?unit=persons&rows=origin_governorate&columns=sex")
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["Governorate of origin", "Female", "Male", "Total", "Date reported"]
    assert lines[1] == [
        "#adm1+origin+name",
        "#affected+ind+f",
        "#affected+ind+m",
        "#affected+ind+total",
        "#date+reported",
    ]
    assert all(line[-1] == local_today().isoformat() for line in lines[2:])


def test_a_cell_that_looks_like_a_formula_is_neutralised(world, reporting, make_browser):
    world.camp.name_en = '=HYPERLINK("http://evil")'
    db.session.commit()
    for _ in range(5):
        _family(world, world.team_a, "vetting", (30, "F"))
    text = (
        _login_as(make_browser, reporting)
        .get("/reports/download/csv?unit=households&rows=camp")
        .get_data(as_text=True)
    )
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("unit=persons&rows=sex&columns=sex", "Choose something other than the rows."),
        (
            "unit=persons&rows=sex&start=2026-05-01&end=2026-04-01",
            "The end date is before the start date.",
        ),
        ("unit=persons&rows=names", "Not a valid choice"),
        ("unit=everything&rows=sex", "Not a valid choice"),
    ],
)
def test_bad_choices_get_a_message_and_no_figures(
    world, caseload, reporting, make_browser, query, message
):
    browser = _login_as(make_browser, reporting)
    for address in (f"/reports/?{query}", f"/reports/download/csv?{query}"):
        response = browser.get(address)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert message in text and "text/html" in response.content_type
    assert browser.get("/reports/download/odt?unit=persons&rows=sex").status_code == 404


# --- dashboards -------------------------------------------------------------------------------


def test_a_caseworker_sees_their_own_households_by_stage(world, login):
    mine = HouseholdFactory(team=world.team_a, assigned_to=world.caseworker_a, camp=world.camp)
    HouseholdFactory(team=world.team_a, assigned_to=world.caseworker_a2, camp=world.camp)
    mine.stage = "vetting"
    db.session.commit()
    page = login("caseworker_a").get("/dashboard").get_data(as_text=True)
    assert "My households by stage" in page and "Security vetting" in page
    assert "Registered in camp" not in page  # the teammate's household is not mine
    assert "My team" not in page and "All households" not in page


def test_a_supervisor_sees_the_team_and_who_is_stuck(world, login):
    stuck = HouseholdFactory(team=world.team_a, assigned_to=world.caseworker_a, camp=world.camp)
    stuck.stage_changed_at = utcnow() - timedelta(days=45)
    fresh = HouseholdFactory(team=world.team_a, camp=world.camp)
    other = HouseholdFactory(team=world.team_b, camp=world.camp)
    other.stage_changed_at = utcnow() - timedelta(days=90)
    db.session.commit()
    page = login("supervisor_a").get("/dashboard").get_data(as_text=True)
    assert "In one stage for more than 30 days" in page
    assert stuck.case_number in page and "45 days" in page
    assert fresh.case_number not in page and other.case_number not in page
    assert world.caseworker_a.full_name in page  # by caseworker


def test_the_system_view_hides_small_weekly_counts(world, reporting, make_browser):
    household = HouseholdFactory(team=world.team_a, camp=world.camp)
    db.session.add(
        CaseEvent(
            household_id=household.id,
            kind="stage_changed",
            from_stage="in_transit",
            to_stage="arrived",
            detail={},
        )
    )
    db.session.commit()
    page = _login_as(make_browser, reporting).get("/dashboard").get_data(as_text=True)
    assert "Arrivals and returns per week" in page
    assert "&lt;5" in page and "<polyline" in page
