"""Aggregate figures: counts by one or two dimensions, within the reader's reach, over a month,
quarter or year that has ended; published (suppressed and rounded) for those who see no record."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import hxl
import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.audit.models import AuditEntry
from app.core.dates import local_today, start_of_local_day
from app.core.db import utcnow
from app.extensions import db
from app.history.models import CaseEvent
from app.registry.models import MemberNeed
from app.reports.aggregates import Request, cross_table
from app.reports.periods import Period
from tests.factories import HouseholdFactory, MemberFactory, UserFactory


def _last_month() -> Period:
    """The latest month that has ended, on the centre's calendar."""
    first_of_this_month = local_today().replace(day=1)
    return Period("month", (first_of_this_month - timedelta(days=1)).replace(day=1))


def _family(world, team, stage="registered", *ages_and_sexes, governorate=None, on=None):
    """A household registered on `on` (by default in the last month that has ended); its first
    member is the head."""
    today = local_today()
    members = [
        MemberFactory(
            sex=sex,
            birth_date=today - timedelta(days=365 * age + 30),
            relationship="head" if i == 0 else ("son" if sex == "M" else "daughter"),
        )
        for i, (age, sex) in enumerate(ages_and_sexes)
    ]
    household = HouseholdFactory(
        team=team,
        camp=world.camp,
        origin_governorate=governorate or world.ninewa,
        members=members,
    )
    household.stage = stage
    household.created_at = start_of_local_day(on or _last_month().start) + timedelta(hours=10)
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


def _named(table) -> dict:
    return dict(zip(table.row_names.values(), table.counts, strict=True))


def _request(unit, rows, columns=None):
    return Request(unit, rows, columns, period=_last_month())


def test_households_by_stage_count_every_household_for_a_reporting_officer(
    world, caseload, reporting
):
    table = cross_table(reporting, _request("households", "stage"))
    assert _named(table) == {"Registered in camp": [1], "Security vetting": [2]}
    assert table.total == 3


def test_persons_by_age_band_and_sex(world, caseload, reporting):
    table = cross_table(reporting, _request("persons", "age_band", "sex"))
    assert list(table.row_names.values()) == [
        "0–4 years",
        "5–11 years",
        "12–17 years",
        "18–59 years",
        "60 years and over",
    ]
    assert list(table.column_names.values()) == ["Female", "Male"]
    assert table.counts == [[1, 0], [1, 1], [0, 1], [2, 0], [1, 0]]


def test_a_supervisor_counts_their_team_only_and_a_caseworker_nothing(world, caseload):
    team = cross_table(world.supervisor_a, _request("persons", "origin_governorate"))
    assert team.total == 5 and list(team.row_names.values()) == ["Ninewa"]
    assert cross_table(world.caseworker_a, _request("persons", "stage")).total == 0


# --- a count of households counts households ----------------------------------------------------


def test_households_by_sex_count_each_household_once_by_its_head(world, caseload, reporting):
    """The issue's instance: 353 households "by sex" for 203 registered (one per member's sex)."""
    table = cross_table(reporting, _request("households", "sex"))
    assert _named(table) == {"Female": [3]}
    assert table.total == 3
    assert str(table.rows_label) == "Sex of the head of household"
    by_age = cross_table(reporting, _request("households", "age_band"))
    assert _named(by_age) == {"18–59 years": [2], "60 years and over": [1]}


def test_a_household_without_a_head_is_counted_as_not_known(world, caseload, reporting):
    household = _family(world, world.team_a, "registered", (40, "M"))
    household.members[0].relationship = "son"
    db.session.commit()
    table = cross_table(reporting, _request("households", "sex"))
    assert _named(table) == {"Female": [3], "Not known": [1]} and table.total == 4


def test_a_need_counts_each_unit_under_each_of_its_needs_and_once_in_the_total(
    world, caseload, reporting
):
    """The issue's instance: "households by specific need" totalled 374 for 203 households."""
    household = _family(world, world.team_a, "registered", (40, "F"), (12, "M"))
    mother, son = household.members
    mother.needs = [MemberNeed(code="WR-FH"), MemberNeed(code="SM-CC")]
    son.needs = [MemberNeed(code="SM-CC")]
    db.session.commit()
    persons = cross_table(reporting, _request("persons", "need"))
    assert _named(persons) == {
        "SM-CC Serious medical condition": [2],
        "Female-headed household": [1],
        "No specific need": [7],
    }
    assert persons.total == 9  # every person once: 7 without a need, the mother, her son
    households = cross_table(reporting, _request("households", "need"))
    assert _named(households) == {
        "SM-CC Serious medical condition": [1],
        "Female-headed household": [1],
        "No specific need": [3],
    }
    assert households.total == 4
    by_sex = cross_table(reporting, _request("persons", "need", "sex"))
    assert by_sex.row_totals == [2, 1, 7] and by_sex.column_totals == [6, 3]


def test_the_page_says_how_a_unit_is_counted(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    month = _last_month().key
    by_head = browser.get(f"/reports/?unit=households&rows=sex&period={month}")
    assert "counted by their head" in by_head.get_data(as_text=True)
    by_need = browser.get(f"/reports/?unit=households&rows=need&period={month}")
    text = by_need.get_data(as_text=True)
    assert "counted under each of its needs" in text and "the total counts each once" in text


# --- periods that cannot be differenced ---------------------------------------------------------


def test_the_period_is_a_month_quarter_or_year_that_has_ended(world, caseload, reporting):
    month = _last_month()
    assert cross_table(reporting, _request("households", "stage")).total == 3
    quarter = Period("quarter", month.start.replace(month=(month.start.month - 1) // 3 * 3 + 1))
    year = Period("year", month.start.replace(month=1))
    for period in (quarter, year):
        assert cross_table(reporting, Request("households", "stage", period=period)).total == 3
    earlier = Period("month", (month.start - timedelta(days=1)).replace(day=1))
    assert cross_table(reporting, Request("households", "stage", period=earlier)).total == 0


def test_a_period_not_yet_ended_or_a_range_of_days_is_refused(
    world, caseload, reporting, make_browser
):
    """The issue's instance: two downloads a day apart differed by one person in several cells.
    Days cannot be chosen: only months, quarters and years that have ended."""
    browser = _login_as(make_browser, reporting)
    this_month = Period("month", local_today().replace(day=1)).key
    base = "/reports/download/csv?unit=persons&rows=sex"
    assert browser.get(f"{base}&period={this_month}").status_code == 422
    yesterday, today = local_today() - timedelta(days=1), local_today()
    ranged = browser.get(f"{base}&start={yesterday}&end={today}")
    assert ranged.status_code == 422 and "Choose a period" in ranged.get_data(as_text=True)
    month = _last_month().key
    with_days = browser.get(f"{base}&period={month}&start={yesterday}&end={today}")
    plain = browser.get(f"{base}&period={month}")
    assert with_days.get_data() == plain.get_data()  # days are not a choice


def test_published_figures_are_rounded_to_a_multiple_of_k(world, reporting):
    for _ in range(7):
        _family(world, world.team_a, "vetting", (30, "F"))
    for _ in range(6):
        _family(world, world.team_a, "registered", (30, "F"))
    published = cross_table(reporting, _request("households", "stage")).published(5, b"key")
    shown = [published.shown(r, 1) for r in range(3)]
    assert shown[0] in {"5", "10"}  # registered: 6, rounded up or down, never shown as 6
    assert shown[1] in {"5", "10"}  # vetting: 7
    assert shown[2] in {"10", "15"}  # the total, 13, rounded on its own
    again = cross_table(reporting, _request("households", "stage")).published(5, b"key")
    assert [again.shown(r, 0) for r in range(3)] == shown  # the same figure rounds the same way


# --- the report page and its downloads --------------------------------------------------------


def _login_as(make_browser, user):
    browser = make_browser()
    browser.login(user)
    return browser


def _query(rest: str) -> str:
    return f"{rest}&period={_last_month().key}"


STAGE_BY_SEX = "/reports/?unit=persons&rows=stage&columns=sex"


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _table_part(lines: list[list[str]]) -> list[list[str]]:
    """The lines after the description rows and the blank line that ends them."""
    return lines[lines.index([]) + 1 :]


def test_a_reporting_officer_sees_published_figures_only(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    text = browser.get(_query("/reports/?unit=households&rows=stage")).get_data(as_text=True)
    assert '<bdi dir="ltr">&lt;5</bdi>' in text and "Security vetting" in text
    assert 'Counts below 5 are shown as <bdi dir="ltr">&lt;5</bdi>' in text
    assert "rounded" in text
    # Too sparse to publish at all: every count hidden, and said so.
    sparse = browser.get(_query(STAGE_BY_SEX)).get_data(as_text=True)
    assert "too few to publish" in sparse and "&lt;5</bdi></td>" not in sparse


def test_a_supervisor_sees_exact_team_counts(world, caseload, login):
    text = login("supervisor_a").get(_query(STAGE_BY_SEX)).get_data(as_text=True)
    assert "Exact counts" in text and "Anbar" not in text
    assert "may lag the latest saves" not in text  # said only when a replica is read


def test_the_csv_download_is_suppressed_and_audited(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    response = browser.get(_query("/reports/download/csv?unit=households&rows=origin_governorate"))
    assert response.status_code == 200
    lines = _table_part(_csv(response))
    assert lines[0] == ["Governorate of origin", "P-code", "Total"]
    assert lines[1:] == [["Anbar", "IQG01", "<5"], ["Ninewa", "IQG15", "<5"], ["Total", "", "<5"]]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "report.download")
    ).one()
    assert entry.detail["rows"] == 2 and entry.detail["filters"]["rows"] == "origin_governorate"
    assert entry.detail["filters"]["period"] == _last_month().key


def test_downloads_carry_title_period_unit_and_rule(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    month = _last_month()
    described = {
        "Title": "Households by Governorate of origin",
        "Period": month.start.strftime("%B %Y"),
        "Count": "Households",
    }
    lines = _csv(
        browser.get(_query("/reports/download/csv?unit=households&rows=origin_governorate"))
    )
    head = {line[0]: line[1] for line in lines[: lines.index([])]}
    assert {k: head.get(k) for k in described} == described
    assert "below 5" in head["Small counts"] and "multiple of 5" in head["Small counts"]
    book = openpyxl.load_workbook(
        io.BytesIO(
            browser.get(
                _query("/reports/download/xlsx?unit=households&rows=origin_governorate")
            ).get_data()
        )
    )
    assert book.sheetnames == ["Figures", "About"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert {k: about.get(k) for k in described} == described
    assert "multiple of 5" in about["Small counts"]
    assert next(book["Figures"].iter_rows(values_only=True)) == (
        "Governorate of origin",
        "P-code",
        "Total",
    )


def test_the_xlsx_opens_with_the_expected_rows(world, reporting, make_browser):
    for _ in range(10):
        _family(world, world.team_a, "vetting", (30, "F"), (5, "M"))
    browser = _login_as(make_browser, reporting)
    response = browser.get(_query("/reports/download/xlsx?unit=persons&rows=sex"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()))["Figures"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [["Sex", "Total"], ["Female", 10], ["Male", 10], ["Total", 20]]


def test_the_printable_report_is_the_published_table(world, caseload, reporting, make_browser):
    browser = _login_as(make_browser, reporting)
    response = browser.get(_query("/reports/download/pdf?unit=households&rows=origin_governorate"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert "Governorate of origin P-code Total" in text
    assert "Anbar IQG01 <5 Ninewa IQG15 <5 Total <5" in text  # the counts (1, 2) never appear
    assert _last_month().start.strftime("%B %Y") in text
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "report.download")
    ).one()
    assert entry.detail["format"] == "pdf"


def _hxl(response):
    return hxl.data(io.BytesIO(response.get_data()), hxl.InputOptions(allow_local=True))


def test_the_hxl_file_is_valid_hxl_with_a_tag_for_every_column(
    world, caseload, reporting, make_browser
):
    browser = _login_as(make_browser, reporting)
    response = browser.get(
        _query("/reports/download/hxl?unit=persons&rows=origin_governorate&columns=sex")
    )
    data = _hxl(response)
    assert [column.display_tag for column in data.columns] == [
        "#adm1+origin+name",
        "#adm1+origin+code",
        "#sex",
        "#affected+ind",
        "#date+reported",
    ]
    rows = [row.values for row in data]
    assert [row[:3] for row in rows] == [
        ["Anbar", "IQG01", "Female"],
        ["Anbar", "IQG01", "Male"],
        ["Ninewa", "IQG15", "Female"],
        ["Ninewa", "IQG15", "Male"],
    ]
    assert all(row[-1] == local_today().isoformat() for row in rows)


def test_hxl_names_places_by_pcode_not_by_database_id(world, reporting, make_browser):
    """The issue's instance: `#affected+ind+destination_district_40`."""
    for district in (world.mosul, world.telafar):
        for _ in range(6):
            household = _family(world, world.team_a, "vetting", (30, "F"))
            household.destination_governorate = world.ninewa
            household.destination_district = district
    db.session.commit()
    browser = _login_as(make_browser, reporting)
    response = browser.get(
        _query("/reports/download/hxl?unit=households&rows=stage&columns=destination_district")
    )
    data = _hxl(response)
    tags = [column.display_tag for column in data.columns]
    assert "#adm2+dest+name" in tags and "#adm2+dest+code" in tags
    assert not any(re.search(r"_\d+", tag) for tag in tags)  # no database id in a hashtag
    rows = list(data)
    assert {row.get("#adm2+code") for row in rows} == {world.mosul.pcode, world.telafar.pcode}
    names = {row.get("#adm2+code"): row.get("#adm2+name") for row in rows}
    assert names == {world.mosul.pcode: "Mosul", world.telafar.pcode: "Telafar"}


def test_age_bands_stay_text_in_a_spreadsheet(world, caseload, reporting, make_browser):
    """The issue's instance: "5-11" became 5 November when the CSV was opened."""
    browser = _login_as(make_browser, reporting)
    text = browser.get(_query("/reports/download/csv?unit=persons&rows=age_band")).get_data(
        as_text=True
    )
    assert "5–11 years" in text and not re.search(r"\b\d+-\d+\b", text)


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ('=HYPERLINK("http://evil")', "'=HYPERLINK"),
        ("x;=1+1", "x;'=1+1"),
        ("Camp;@SUM(A1)", "Camp;'@SUM(A1)"),
        ("Camp\t+1", "Camp\t'+1"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(
    world, reporting, make_browser, name, written
):
    world.camp.name_en = name
    db.session.commit()
    for _ in range(5):
        _family(world, world.team_a, "vetting", (30, "F"))
    text = (
        _login_as(make_browser, reporting)
        .get(_query("/reports/download/csv?unit=households&rows=camp"))
        .get_data(as_text=True)
    )
    assert written in text
    for piece in re.split(r"[,;\t\r\n]", text):
        assert not piece.lstrip('"').startswith(("=", "+", "@")), piece


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("unit=persons&rows=sex&columns=sex", "Choose something other than the rows."),
        ("unit=persons&rows=sex&period=2026-13", "Not a valid choice"),
        ("unit=persons&rows=names", "Not a valid choice"),
        ("unit=everything&rows=sex", "Not a valid choice"),
    ],
)
def test_bad_choices_get_a_message_and_no_figures(
    world, caseload, reporting, make_browser, query, message
):
    browser = _login_as(make_browser, reporting)
    if "period" not in query:
        query = _query(query)
    for address in (f"/reports/?{query}", f"/reports/download/csv?{query}"):
        response = browser.get(address)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert message in text and "text/html" in response.content_type
    assert browser.get(_query("/reports/download/odt?unit=persons&rows=sex")).status_code == 404


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


def test_the_system_view_rounds_households_by_stage(world, reporting, make_browser):
    """What a reporting officer sees is published: a household moving on changes no figure by
    one."""
    for _ in range(7):
        HouseholdFactory(team=world.team_a, camp=world.camp).stage = "vetting"
    db.session.commit()
    page = _login_as(make_browser, reporting).get("/dashboard").get_data(as_text=True)
    figures = re.findall(r'<td class="number">([^<]*)</td>', page.split("Households by stage")[1])
    assert figures[0] in {"5", "10"}


def test_periods_are_read_from_their_keys():
    assert Period.parse("2026-07").key == "2026-07"
    assert Period.parse("2026-Q3") == Period("quarter", date(2026, 7, 1))
    assert Period.parse("2026").end == date(2026, 12, 31)
    assert Period.parse("2026-Q3").end == date(2026, 9, 30)
    assert Period.parse("2026-13") is None and Period.parse("x") is None
