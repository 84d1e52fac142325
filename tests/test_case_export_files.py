"""The case export's two writers agree: on PostgreSQL the database writes the CSV (COPY, formulas
neutralised in SQL), elsewhere Python's csv module does; for the same data both give the same
bytes, whatever text the cells hold. And the XLSX keeps numbers, headers and direction."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.access import visible_households
from app.core.db import refresh_statistics
from app.core.spreadsheets import neutralised, neutralised_rows, sql_neutralised
from app.extensions import db
from app.reference.models import Camp, ReturnBatch
from app.registry.models import Household, Member
from app.reports.case_export import BATCH, COLUMNS, DEFAULT_COLUMNS
from app.reports.case_files import GROWTH, csv_chunks, next_width, page_statement
from tests import databases
from tests.factories import HouseholdFactory, MemberFactory, stored_attachment

needs_postgres = pytest.mark.skipif(
    databases.server_url() is None, reason="COPY is PostgreSQL's; SQLite has Python's writer only"
)
# What a cell may hold that a writer could get wrong: formula starts, every separator, quotes,
# line breaks, Arabic, spaces; never NUL or a lone surrogate, which PostgreSQL's text cannot hold.
CELL_TEXT = st.text(
    alphabet=st.sampled_from(list("=+-@,;|\t\r\n\"' a\\.ب٣"))
    | st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
    max_size=20,
)


def _file(stmt, columns, via_copy: bool) -> bytes:
    chunks = csv_chunks(stmt, columns, via_copy=via_copy)
    return b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)


@given(
    rows=st.lists(st.tuples(CELL_TEXT, st.integers(0, 40), CELL_TEXT), max_size=12),
)
def test_a_batch_is_neutralised_as_each_of_its_cells_would_be(rows):
    expected = [(neutralised(a), n, neutralised(b)) for a, n, b in rows]
    assert [tuple(row) for row in neutralised_rows(rows, [0, 2])] == expected


@needs_postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(CELL_TEXT, min_size=1, max_size=10))
def test_postgresql_neutralises_as_python_does(app, texts):
    answers = db.session.execute(sa.select(*(sql_neutralised(sa.literal(t)) for t in texts)))
    assert list(answers.one()) == [neutralised(t) for t in texts]


@pytest.fixture
def tricky(world):
    """Two households of team A, every column filled; the first is given any text below."""
    first = HouseholdFactory(
        team=world.team_a,
        camp=world.camp,
        batch=world.batch,
        origin_governorate=world.ninewa,
        destination_governorate=world.anbar,
        assigned_to=world.caseworker_a,
        phone="+9647701234567",
        members=[MemberFactory(), MemberFactory(relationship="son", sex="M")],
    )
    HouseholdFactory(team=world.team_a, camp=world.centre, members=[])
    stored_attachment(first, world.caseworker_a)
    db.session.commit()
    return first


def _fill(household, world, texts: list[str]) -> None:
    """Any text in the cells that come from the database as people typed them."""
    a, b, c, d, e, f, g, h = texts
    db.session.execute(sa.update(Camp).where(Camp.id == world.camp.id).values(name_en=a, name_ar=b))
    db.session.execute(sa.update(ReturnBatch).values(number=c[:30]))
    head = Member.household_id == household.id
    db.session.execute(sa.update(Member).where(head).values(given_name_ar=d, family_name_en=e))
    db.session.execute(
        sa.update(Household)
        .where(Household.id == household.id)
        .values(camp_ref=f, phone=g[:20] or None, stage=h[:30])
    )
    db.session.commit()


@needs_postgres
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(CELL_TEXT, min_size=8, max_size=8))
def test_copy_gives_the_bytes_python_gives_whatever_the_cells_hold(world, tricky, texts):
    _fill(tricky, world, texts)
    stmt = visible_households(world.supervisor_a)
    columns = list(COLUMNS.values())
    for language in ("en", "ar"):
        with force_locale(language):
            python = _file(stmt, columns, via_copy=False)
            assert _file(stmt, columns, via_copy=True) == python
    assert python.count(b"\r\n") >= 2  # both households, each line ended as Python ends it


def test_the_file_neutralises_formulas_whichever_writer_writes_it(world, login, tricky):
    world.camp.name_en = '=HYPERLINK("http://evil"),@SUM(1)'
    db.session.commit()
    browser = login("caseworker_a")
    response = browser.post("/reports/cases", {"columns": ["case_number", "camp"], "format": "csv"})
    lines = response.get_data(as_text=True).lstrip("\ufeff").split("\r\n")
    assert lines[1] == f'{tricky.case_number},"\'=HYPERLINK(""http://evil""),\'@SUM(1)"'
    stmt = visible_households(world.caseworker_a)
    columns = [COLUMNS["case_number"], COLUMNS["camp"]]
    assert _file(stmt, columns, via_copy=False).decode() == "\r\n".join(lines[1:])


def test_a_one_column_file_quotes_an_empty_cell_as_before(world, tricky):
    """COPY and Python quote a lone empty cell differently, so Python writes such a file."""
    stmt = visible_households(world.supervisor_a)
    text = b"".join(
        c if isinstance(c, bytes) else c.encode() for c in csv_chunks(stmt, [COLUMNS["documents"]])
    ).decode()
    assert text == 'Civil ID or unified ID card\r\n""\r\n'


def test_a_download_stopped_half_way_leaves_the_database_usable(world, tricky):
    chunks = csv_chunks(visible_households(world.supervisor_a), list(COLUMNS.values()))
    assert next(chunks)
    chunks.close()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 2


def _sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def test_the_xlsx_keeps_numbers_as_numbers_and_reads_right_to_left_in_arabic(world, login, tricky):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    columns = ["case_number", "members", "females", "children", "documents"]
    sheet = _sheet(
        login("caseworker_a").post("/reports/cases", {"columns": columns, "format": "xlsx"})
    )
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.sheet_view.rightToLeft
    with force_locale("ar"):
        assert rows[0] == tuple(str(COLUMNS[key].label) for key in columns)
    assert rows[0][0] == "رقم الحالة"
    assert rows[1][:4] == (tricky.case_number, 2, 1, 0) and rows[1][4]
    assert all(isinstance(n, int | float) for n in rows[1][1:4])


def test_an_empty_xlsx_still_names_its_columns(world, login):
    browser = login("caseworker_a")
    response = browser.post(
        "/reports/cases", {"columns": ["case_number", "stage"], "format": "xlsx"}
    )
    assert list(_sheet(response).iter_rows(values_only=True)) == [("Case number", "Stage")]


@pytest.mark.parametrize("statistics", [False, True])
@pytest.mark.parametrize("keys", [DEFAULT_COLUMNS, list(COLUMNS)])
def test_each_batch_reads_only_its_window_of_households(world, keys, statistics):
    """A batch that read every household left (and sorted them) to give the next few thousand
    would make the export grow with the square of its rows: whatever plan SQLite picks, with
    statistics or without, every read of the households is bounded by the window's ids."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan of a batch on PostgreSQL depends on its statistics")
    if statistics:
        refresh_statistics(db.session)
    page = page_statement(visible_households(world.supervisor_a), [COLUMNS[k] for k in keys])
    sql = page.params(after=0, upto=5000).compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
    reads = [detail for *_ids, detail in plan if re.match(r"(SCAN|SEARCH) households\b", detail)]
    assert reads and all("rowid>? AND rowid<?" in read or "(rowid=?)" in read for read in reads), (
        reads
    )


@given(width=st.integers(BATCH, 10**9), found=st.integers(0, 10**7))
def test_the_next_window_holds_about_a_batch_at_the_density_just_seen(width, found):
    wider = next_width(width, found)
    assert BATCH <= wider <= width * GROWTH
    if found == 0:
        assert wider == width * GROWTH
    elif wider > BATCH:  # at the same density, no more than a batch's rows
        assert wider * found <= width * BATCH


def test_households_far_apart_are_each_exported_once_in_order(world):
    """Ids spread over several windows, some windows empty, the last one far off: every
    household of the scope comes out once, in order, and none outside it."""
    ids = [3, BATCH + 1, BATCH * 9, BATCH * 40 + 7, BATCH * 1000]
    for number, id_ in enumerate(ids):
        HouseholdFactory(id=id_, team=world.team_a, camp=world.camp, case_number=f"FAR-{number}")
    HouseholdFactory(id=BATCH * 20, team=world.team_b, camp=world.camp, case_number="OTHER")
    db.session.commit()
    stmt = visible_households(world.caseworker_a)
    text = _file(stmt, [COLUMNS["case_number"]], via_copy=False).decode()
    assert text.split("\r\n")[:-1] == [f"FAR-{number}" for number in range(len(ids))]
