"""A supervisor imports a transfer list on a phone in Arabic: from the menu to the upload, the
columns read and matched, the preview with its counts and the row that cannot be read (numbered
as the spreadsheet numbers it), the commit followed on its progress bar, and the list given back
with the case numbers of the households now registered. At 360 pixels no page of the intake
scrolls sideways, and axe-core finds nothing serious on any of them."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import xlsxwriter
from python_calamine import CalamineWorkbook

from app.extensions import db
from app.identity.identifiers import identifier_key
from app.imports import commit
from app.imports.models import ImportStatus, ListImport, SourceKey
from app.registry.models import Household
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey
from tests.test_import_commit import HEADERS, family_rows

pytestmark = pytest.mark.browser

PHONE = 360
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth - innerWidth"
SOURCE = "إدارة مخيم الهول"
FILENAME = "قائمة الهول.xlsx"
BAD_DATE = "31/02/2015"  # no such day
BAD_ROW = 5  # F-2's son: the sheet's row 5 (the headings are row 1, F-1 rows 2 and 3)
EXPECTED_MAPPING = ["household_ref", "full_name", "mother_name", "birth", "sex", "relationship"]
ARABIC = re.compile(r"[\u0600-\u06FF]")
# Latin words an Arabic page of the intake may show: file kinds, and the world's users' names.
# File kinds, and data of the test world (users "User Number 1", team "Team A").
NOT_ENGLISH = {"xlsx", "XLSX", "XLS", "ODS", "CSV", "User", "Number", "Team"}


def write_list(folder: Path) -> tuple[Path, list[list]]:
    """Three families of two in an Arabic XLSX, as a camp administration sends it: years as
    numbers, a birth date as a date cell, and one birth date that is no day at all."""
    rows: list[list] = [list(row) for row in family_rows(3)]
    rows[0][3] = int(rows[0][3])  # F-1's mother: the year alone, a number cell
    rows[1][3] = datetime(2012, 3, 2)  # F-1's son: a date cell
    rows[BAD_ROW - 2][3] = BAD_DATE  # F-2's son
    path = folder / FILENAME
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("القائمة")
    sheet.right_to_left()
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, HEADERS)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(number, column, value, day)
            else:
                sheet.write(number, column, value)
    book.close()
    return path, rows


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(viewport={"width": PHONE, "height": 800}, accept_downloads=True)
    yield Actor(live_server, context, context.new_page())
    context.close()


@pytest.fixture
def slow_background_commit(app, monkeypatch):
    """The commit in a thread of the server, one household a chunk and each a second apart:
    the progress page is seen, and it follows the job until the job has finished."""
    app.config["AWDA_JOBS"] = "thread"
    monkeypatch.setattr(commit, "CHUNK", 1)
    next_chunk = commit._Writer.next_chunk

    def slowly(self) -> bool:
        time.sleep(1)
        return next_chunk(self)

    monkeypatch.setattr(commit._Writer, "next_chunk", slowly)


def _fits_a_phone(page, name: str) -> None:
    overflow = page.evaluate(PAGE_SCROLLS_SIDEWAYS)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {PHONE}px"


def _in_arabic(page, name: str) -> None:
    """No English word in the page's main part (the menu and the data are checked elsewhere)."""
    words = set(re.findall(r"[A-Za-z]{2,}", page.inner_text("main"))) - NOT_ENGLISH
    assert not words, f"{name} shows English: {sorted(words)}"


def _facts(page) -> dict[str, str]:
    """The first list of facts on the page (the preview's counts), term -> value."""
    facts = page.locator("dl.facts").last
    terms = facts.locator("dt").all_inner_texts()
    values = facts.locator("dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def test_a_supervisor_imports_a_list_in_arabic_on_a_phone(
    world, phone, axe_source, tmp_path, slow_background_commit
):
    journey = Journey(ARTIFACTS / "import-list", axe_source)
    list_file, rows = write_list(tmp_path)
    phone.log_in("supervisor.a", "ar", journey)
    page = phone.page

    # The menu's entry, then the button of the list page.
    with page.expect_navigation():
        page.click("nav a:text-is('قوائم النقل')")
    assert page.url.endswith("/imports/")
    _fits_a_phone(page, "the lists")
    journey.shoot(page, "lists")
    with page.expect_navigation():
        page.click("main a:text-is('استورد قائمة')")

    # The upload.
    assert page.get_attribute("html", "lang") == "ar"
    _fits_a_phone(page, "the upload")
    _in_arabic(page, "the upload")
    journey.shoot(page, "upload")
    page.set_input_files("#list_file", str(list_file))
    page.fill("#source", SOURCE)
    page.select_option("#camp_id", str(world.camp.id))
    page.select_option("#origin_governorate_id", str(world.ninewa.id))
    with page.expect_navigation():
        page.click("main button[type=submit]:text-is('اقرأ القائمة')")
    assert re.search(r"/imports/\d+/columns$", page.url), phone.flash() or page.url

    # The columns: the first rows as read, in Arabic, and each column's field already chosen.
    imported = db.session.scalar(sa.select(ListImport))
    assert imported.filename == FILENAME
    sample = page.locator("table.sample")
    assert sample.locator("thead th").all_inner_texts()[1:] == HEADERS
    first = sample.locator("tbody tr").first.locator("td").all_inner_texts()
    assert first == ["2", "F-1", rows[0][1], "هناء علي", "1971", "أنثى", "ربة الأسرة"]
    second = sample.locator("tbody tr").nth(1).locator("td").all_inner_texts()
    assert second[0] == "3" and second[4] == "2012-03-02"  # the date cell, as a date
    assert sample.locator("tbody tr").nth(3).locator("td").nth(4).inner_text() == BAD_DATE
    labels = [sample.locator("tbody tr").first.locator("td").nth(i).get_attribute("data-label")
              for i in range(1, len(HEADERS) + 1)]  # fmt: skip
    assert labels == HEADERS  # on a phone each row is a card of heading and value
    chosen = [page.input_value(f"#column_{i}") for i in range(len(HEADERS))]
    assert chosen == EXPECTED_MAPPING
    _fits_a_phone(page, "the columns")
    _in_arabic(page, "the columns")
    journey.shoot(page, "columns")
    with page.expect_navigation():
        page.click("main button[type=submit]:text-is('افحص القائمة')")
    assert page.url.endswith(f"/imports/{imported.id}"), page.url
    # The rows are checked in the background; the page shows the preview when it is done.
    page.wait_for_selector("section[data-import-progress]", state="detached", timeout=30_000)

    # The preview: what will be registered, and the row left out with its problem.
    facts = _facts(page)
    assert facts["الصفوف"] == "6", facts
    assert facts["أسر جديدة"] == "2", facts
    assert facts["أفراد جدد"] == "4", facts
    assert facts["صفوف فيها مشكلات"] == "1", facts
    problems = page.locator("main table.cases tbody tr")
    assert problems.count() == 1
    row, column, message = problems.first.locator("td").all_inner_texts()
    assert (row, column) == (str(BAD_ROW), HEADERS[3])
    assert ARABIC.search(message) and not re.search(r"[A-Za-z]{3}", message), message
    _fits_a_phone(page, "the preview")
    _in_arabic(page, "the preview")
    journey.shoot(page, "preview")

    # The commit, followed on the progress bar until the page shows the result by itself.
    with page.expect_navigation():
        page.click(f"form[action$='/imports/{imported.id}/commit'] button[type=submit]")
    progress = page.locator("section[data-import-progress] progress")
    assert progress.is_visible(), "no progress bar while the list is being imported"
    _fits_a_phone(page, "the progress")
    _in_arabic(page, "the progress")
    journey.shoot(page, "importing")
    # awda.js polls every three seconds and reloads the page once the job has finished.
    page.wait_for_selector("section[data-import-progress]", state="detached", timeout=30_000)
    assert page.url.endswith(f"/imports/{imported.id}")
    db.session.expire_all()
    done = db.session.get(ListImport, imported.id)
    assert done.status == ImportStatus.DONE
    assert (done.created, done.skipped) == (2, 1)
    result = dict(zip(*[page.locator("dl.facts").first.locator(t).all_inner_texts()
                        for t in ("dt", "dd")], strict=True))  # fmt: skip
    assert result["أسر سُجّلت"] == "2" and result["أسر لم تُستورد"] == "1", result
    _fits_a_phone(page, "the result")
    _in_arabic(page, "the result")  # also why F-2 was left out (written by the job)
    journey.shoot(page, "imported")

    # The households are registered in team A, from the camp, each with its source's reference.
    keys = {
        key.reference: key.household
        for key in db.session.scalars(sa.select(SourceKey).where(SourceKey.import_id == done.id))
    }
    assert set(keys) == {identifier_key("F-1"), identifier_key("F-3")}
    households = db.session.scalars(sa.select(Household)).all()
    assert len(households) == 2
    for household in households:
        assert household.team_id == world.team_a.id and household.camp_id == world.camp.id
        assert len(household.members) == 2
    names = {m.given_name_ar for h in households for m in h.members}
    assert rows[0][1].split()[0] in names and rows[2][1].split()[0] not in names

    # The list given back: the case number beside each row of a family registered, none for F-2.
    with page.expect_download() as download:
        page.click("main a[href$='/result.xlsx']")
    book = CalamineWorkbook.from_filelike(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.get_sheet_by_index(0).to_python()
    assert sheet[0][: len(HEADERS)] == HEADERS
    case_column = len(HEADERS) + 1  # after the row number in the list
    cases = {}
    for line in sheet[1:]:
        cases.setdefault(line[0], set()).add(line[case_column])
    assert cases["F-1"] == {keys[identifier_key("F-1")].case_number}
    assert cases["F-3"] == {keys[identifier_key("F-3")].case_number}
    assert cases["F-2"] == {""}
    assert {h.case_number for h in households} == cases["F-1"] | cases["F-3"]

    assert not journey.violations, "\n".join(journey.violations)
