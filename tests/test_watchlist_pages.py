"""The screeners' pages: loading a UN list and a national CSV list, the queue of alerts, an
alert explained feature by feature, and answers under the four-eyes rule; refused to every
other role, and bad files told beside the file field with nothing loaded."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.access.roles import Role
from app.extensions import db
from app.watchlist.models import AlertDecision, WatchAlert, WatchList
from app.workflow.stages import Stage
from tests.factories import UserFactory
from tests.test_watchlist_matching import WANTED, family  # noqa: F401  (fixture)
from tests.watchlist_data import un_list_xml

NATIONAL_CSV = (
    "رقم المذكرة,الاسم الكامل,اسم الام,المواليد\n"
    "W-17,احمد محمد حسين الجبوري,فاطمة علي,1980\n"
    "W-18,سالم جاسم عبد الله الدليمي,,1975\n"
).encode()


def upload(browser, content: bytes, filename: str, source: str = "UN consolidated list"):
    return browser.post(
        "/watchlist/load",
        {"list_file": (io.BytesIO(content), filename), "source": source},
        content_type="multipart/form-data",
    )


def only_alert() -> WatchAlert:
    return db.session.scalars(sa.select(WatchAlert)).one()


def answer(browser, alert_id: int, answer: str, reason: str = "Compared with the file."):
    return browser.post(
        f"/watchlist/alerts/{alert_id}/answer", {"answer": answer, "reason": reason}
    )


@pytest.fixture
def second_screener(world):
    return UserFactory(
        username="screener.two", role=Role.SCREENER.value, agency=world.team_a.agency
    )


def test_a_screener_loads_the_un_list_and_the_listed_man_is_alerted(login, family):  # noqa: F811
    screener = login("screener")
    response = upload(screener, un_list_xml([WANTED]), "consolidated.xml")
    assert response.status_code == 302
    page = screener.get(response.headers["Location"]).get_data(True)
    assert "UN consolidated list" in page and "consolidated.xml" in page
    queue = screener.get("/watchlist/alerts").get_data(True)
    alert = only_alert()
    assert alert.member_id == family["ahmad"].id
    assert family["ahmad"].household.case_number in queue and "QDi.9001" in queue
    shown = screener.get(f"/watchlist/alerts/{alert.id}").get_data(True)
    for told in ("Given name", "Date of birth", "Mother", "Nationality", "QDi.9001"):
        assert told in shown


def test_a_national_csv_list_is_loaded_with_its_headings(login, family):  # noqa: F811
    screener = login("screener")
    response = upload(screener, NATIONAL_CSV, "wanted.csv", "Ninewa court")
    assert response.status_code == 302
    listed = db.session.scalars(sa.select(WatchList)).one()
    assert (listed.name, listed.kind, listed.versions[0].entries) == ("Ninewa court", "national", 2)
    assert only_alert().member_id == family["ahmad"].id


@pytest.mark.parametrize(
    ("content", "filename", "told"),
    [
        (b"", "empty.csv", "empty"),
        (b"\x00\x01garbage" * 50, "list.xlsx", "cannot read this file as a list"),
        ("الجنس,المحافظة\nذكر,نينوى\n".encode(), "nonames.csv", "No person could be read"),
        (b"<consolidated><broken>", "c.xml", "cannot read this file as XML"),
    ],
    ids=["empty", "not-a-spreadsheet", "no-name-column", "broken-xml"],
)
def test_a_bad_file_is_told_beside_its_field_and_nothing_is_loaded(
    login, world, content, filename, told
):
    screener = login("screener")
    response = upload(screener, content, filename, "My list")
    page = response.get_data(True)
    assert response.status_code == 422
    assert told.lower() in page.lower()
    assert 'value="My list"' in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WatchList)) == 0


def test_the_same_file_twice_is_refused(login, family):  # noqa: F811
    screener = login("screener")
    content = un_list_xml([WANTED])
    upload(screener, content, "c.xml")
    again = upload(screener, content, "c.xml")
    assert again.status_code == 422 and "already the list" in again.get_data(True)


def test_a_match_needs_two_screeners(login, make_browser, family, second_screener):  # noqa: F811
    first = login("screener")
    upload(first, un_list_xml([WANTED]), "c.xml")
    alert_id = only_alert().id
    assert answer(first, alert_id, "the_person").status_code == 302
    assert only_alert().status == "pending"
    refused = answer(first, alert_id, "the_person")
    assert refused.status_code == 422
    assert "second screener must confirm" in refused.get_data(True)
    assert only_alert().status == "pending"
    second = make_browser()
    second.login(second_screener)
    assert answer(second, alert_id, "the_person").status_code == 302
    assert only_alert().status == "confirmed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlertDecision)) == 2
    family["ahmad"].household.stage = Stage.VETTING  # within a screener's view of households
    db.session.commit()
    household_page = f"/households/{family['ahmad'].household_id}"
    shown = first.get(household_page).get_data(True)
    assert "Confirmed by two screeners" in shown and "QDi.9001" in shown
    for role in ("caseworker_a", "supervisor_a"):
        page = login(role).get(household_page).get_data(True)
        assert "QDi.9001" not in page and "Watch-list" not in page and "screeners" not in page


def test_an_answer_without_a_reason_keeps_what_was_chosen(login, family):  # noqa: F811
    screener = login("screener")
    upload(screener, un_list_xml([WANTED]), "c.xml")
    alert_id = only_alert().id
    response = answer(screener, alert_id, "not_person", "   ")
    page = response.get_data(True)
    assert response.status_code == 422 and "Say why" in page
    assert re.search(r'<input checked[^>]*value="not_person"', page)
    assert only_alert().status == "open"


@pytest.mark.parametrize("role", ["caseworker_a", "supervisor_a", "admin", "focal", "reporting"])
def test_no_other_role_learns_of_lists_or_alerts(login, world, family, role):  # noqa: F811
    screener = login("screener")
    upload(screener, un_list_xml([WANTED]), "c.xml")
    alert_id = only_alert().id
    other = login(role)
    for url in ("/watchlist/", "/watchlist/alerts", f"/watchlist/alerts/{alert_id}"):
        assert other.get(url).status_code == 403
    assert answer(other, alert_id, "not_person").status_code == 403
    if role in ("caseworker_a", "supervisor_a"):
        page = other.get(f"/households/{family['ahmad'].household_id}").get_data(True)
        assert "QDi.9001" not in page and "Watch" not in page and "alert" not in page.lower()


def test_the_lists_the_queue_and_the_alert_read_in_arabic(login, world, family):  # noqa: F811
    world.screener.locale = "ar"
    db.session.commit()
    screener = login("screener")
    upload(screener, un_list_xml([WANTED]), "c.xml")
    alert_id = only_alert().id
    for url in ("/watchlist/", "/watchlist/alerts", f"/watchlist/alerts/{alert_id}"):
        page = screener.get(url).get_data(True)
        assert '<html lang="ar" dir="rtl">' in page, url
    assert "لماذا وُجدا متشابهين" in page and "QDi.9001" in page


def test_an_answer_from_a_page_read_before_a_colleagues_answer_is_not_put_over_it(
    login,
    make_browser,
    family,  # noqa: F811
    second_screener,
):
    first = login("screener")
    upload(first, un_list_xml([WANTED]), "c.xml")
    alert_id = only_alert().id
    second = make_browser()
    second.login(second_screener)
    page = second.get(f"/watchlist/alerts/{alert_id}").get_data(True)
    seen = re.search(r'name="seen"[^>]*value="(\d+)"', page).group(1)
    assert answer(first, alert_id, "the_person").status_code == 302
    stale = second.post(
        f"/watchlist/alerts/{alert_id}/answer",
        {"answer": "not_person", "reason": "Born elsewhere.", "seen": seen},
    )
    shown = stale.get_data(True)
    assert stale.status_code == 422 and "answered this alert while you were reading" in shown
    assert "Born elsewhere." in shown  # what was typed is kept
    assert only_alert().status == "pending"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlertDecision)) == 1
    again = re.search(r'name="seen"[^>]*value="(\d+)"', shown).group(1)
    fresh = {"answer": "not_person", "reason": "Born elsewhere.", "seen": again}
    assert second.post(f"/watchlist/alerts/{alert_id}/answer", fresh).status_code == 302
    assert only_alert().status == "possible"  # one screener does not clear a match alone
