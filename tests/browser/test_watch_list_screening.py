"""Watch-list screening on a phone, under the four-eyes rule. A screener working in Arabic loads
the UN consolidated list (XML) and a national list (CSV with Arabic headings), is told beside
the file field why an empty file cannot be loaded (the list's name he typed kept), and finds in
the queue the wanted man and the man the national list names, never the wanted man's brother
or son. He reads why the wanted man was found alike, answers "the person" (without a reason
first: refused, his choice kept), and cannot confirm his own answer; a second screener does.
The household page then shows the match to screeners and nothing of it to the household's
caseworker. At 360 pixels no page scrolls sideways, axe-core finds nothing serious, and the
Arabic pages show no English beyond their data."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.access.roles import Role
from app.extensions import db
from app.identity import linkage
from app.watchlist.models import AlertStatus, WatchAlert, WatchList
from app.workflow.stages import Stage
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.test_watchlist_matching import WANTED, family  # noqa: F401  (fixture)
from tests.watchlist_data import un_list_xml

pytestmark = pytest.mark.browser

PHONE = 360
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth - innerWidth"
UN_LIST = "قائمة مجلس الأمن الموحدة"
NATIONAL_LIST = "مذكرات محكمة تحقيق نينوى"
TRIED = "قائمة لم تكتمل"
NATIONAL_CSV = (
    "رقم المذكرة,الاسم الكامل,اسم الام,المواليد\n"
    "W-18,سالم جاسم حمد الدليمي,خديجة حسن,1975\n"
    "W-19,ياسر قاسم طارق العاني,,1969\n"  # registered nowhere
).encode()
PANEL = "section[aria-labelledby=watchlist-heading]"  # on the household page
LATIN = re.compile(r"[A-Za-z]")
# The data on a page (references, the UN's Latin names, file names, case numbers) is marked as
# such and left out of the check for English; what remains may hold users' names of the test
# world ("User Number 1", "Team A"), the kinds of file a list comes as (and PDF, the printed
# file) and the UN's file name.
DATA = "bdi, [dir=ltr], [lang=en], .id"
NOT_ENGLISH = {
    "User",
    "Number",
    "Team",
    "PDF",
    "XML",
    "xml",
    "XLSX",
    "XLS",
    "ODS",
    "CSV",
    "MB",
    "consolidated",
}
WORDS = f"""(selector) => {{
    const copy = document.querySelector(selector).cloneNode(true);
    copy.querySelectorAll("{DATA}").forEach((element) => element.remove());
    return copy.textContent;
}}"""


@pytest.fixture
def registered(world, family):  # noqa: F811
    """The wanted man and his son in a household at vetting, his brother in another, and the
    man of the national list in a third, all in team A."""
    salem = MemberFactory(
        given_name_ar="سالم",
        father_name_ar="جاسم",
        grandfather_name_ar="حمد",
        family_name_ar="الدليمي",
        mother_name_ar="خديجة حسن",
        birth_date=date(1975, 7, 1),
        relationship="head",
        sex="M",
    )
    HouseholdFactory(
        team=world.team_a, camp=world.camp, origin_governorate=world.ninewa, members=[salem]
    )
    linkage.refresh([salem])
    family["ahmad"].household.stage = Stage.VETTING  # within a screener's view of households
    db.session.commit()
    UserFactory(username="screener.two", role=Role.SCREENER.value, agency=world.team_a.agency)
    return {**family, "salem": salem}


@pytest.fixture
def person(chromium, live_server):
    """A new person at a phone of their own: `person()`."""
    opened = []

    def actor() -> Actor:
        context = chromium.new_context(viewport={"width": PHONE, "height": 800})
        opened.append(context)
        return Actor(live_server, context, context.new_page())

    yield actor
    for context in opened:
        context.close()


def _look(journey: Journey, page, name: str, arabic: bool = True, within: str = "main") -> None:
    """The page fits the phone, its `within` part reads in Arabic when it should, and it is kept
    with axe's verdict: on the whole page, or on `within` alone when that is not `main`."""
    overflow = page.evaluate(PAGE_SCROLLS_SIDEWAYS)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {PHONE}px"
    if arabic:
        assert page.get_attribute("html", "lang") == "ar", name
        _in_arabic(page, name, within)
    journey.shoot(page, name, None if within == "main" else within)


def _in_arabic(page, name: str, selector: str) -> None:
    text = re.sub(r"\S*\d\S*", " ", page.evaluate(WORDS, selector))  # a token with digits is data
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - NOT_ENGLISH
    assert not words, f"{name} shows English: {sorted(words)}"


def _upload(page, path, source: str) -> None:
    page.set_input_files("#list_file", str(path))
    page.fill("#source", source)
    with page.expect_navigation():
        page.click("form[action$='/watchlist/load'] button[type=submit]")


def _answer(page, answer: str, reason: str = "") -> None:
    page.check(f"input[name=answer][value={answer}]")
    page.fill("#reason", reason)
    with page.expect_navigation():
        page.click("form[action$='/answer'] button[type=submit]")


def _alerts() -> dict[int, WatchAlert]:
    db.session.expire_all()
    return {alert.member_id: alert for alert in db.session.scalars(sa.select(WatchAlert))}


def test_two_screeners_confirm_a_wanted_man_and_his_family_is_left_alone(
    world, registered, person, axe_source, tmp_path
):
    journey = Journey(ARTIFACTS / "watch-lists", axe_source)
    un_file = tmp_path / "consolidated.xml"
    un_file.write_bytes(un_list_xml([WANTED]))
    national_file = tmp_path / "مذكرات نينوى.csv"
    national_file.write_bytes(NATIONAL_CSV)
    empty_file = tmp_path / "فارغة.csv"
    empty_file.write_bytes(b"")

    first = person()
    first.log_in("screener", "ar", journey)
    page = first.page
    entry = page.locator("nav a[href='/watchlist/']")
    assert not LATIN.search(entry.inner_text()), f"the menu's entry: {entry.inner_text()}"
    with page.expect_navigation():
        entry.click()
    _look(journey, page, "lists-empty")

    # The UN's list, then a national list under a name of its own: each version shown loaded.
    for path, source, listed in ((un_file, UN_LIST, 1), (national_file, NATIONAL_LIST, 2)):
        _upload(page, path, source)
        assert re.search(r"/watchlist/lists/\d+$", page.url), first.flash() or page.url
        assert page.locator(".flash-success").count() == 1, first.flash()
        assert page.inner_text("h1") == source
        version = page.locator("main table.cases tbody tr")
        assert version.count() == 1
        assert path.name in version.inner_text()
        _look(journey, page, f"list-{listed}")
        with page.expect_navigation():
            page.click("main a[href='/watchlist/']")
    kinds = dict(db.session.execute(sa.select(WatchList.name, WatchList.kind)).all())
    assert kinds == {UN_LIST: "un", NATIONAL_LIST: "national"}
    assert page.locator("main table.cases tbody tr").count() == 2
    _look(journey, page, "lists")

    # An empty file: told beside the file field, the name typed kept, nothing loaded.
    _upload(page, empty_file, TRIED)
    assert page.locator("#list_file-errors").is_visible()
    assert page.get_attribute("#list_file", "aria-invalid") == "true"
    assert page.input_value("#source") == TRIED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WatchList)) == 2
    _look(journey, page, "empty-file")

    # The queue: the wanted man and the national list's man, never the brother or the son.
    alerts = _alerts()
    assert set(alerts) == {registered["ahmad"].id, registered["salem"].id}
    queue = page.locator("nav a[href='/watchlist/alerts']")
    assert queue.locator(".waiting").inner_text().strip().startswith("2")
    with page.expect_navigation():
        queue.click()
    rows = page.locator("main table.cases tbody tr")
    assert rows.count() == 2
    shown = page.inner_text("main table.cases")
    for who, listed in (("ahmad", "QDi.9001"), ("salem", "W-18")):
        assert registered[who].name_ar in shown and listed in shown, who
    for who in ("brother", "son"):
        assert registered[who].name_ar not in shown, who
    _look(journey, page, "alerts")

    # The wanted man's alert: the two side by side, and why they were found alike.
    wanted = alerts[registered["ahmad"].id]
    with page.expect_navigation():
        page.click(f"main a[href='/watchlist/alerts/{wanted.id}']")
    assert page.locator("section.person").count() == 2
    why = page.locator("main table.cases tbody tr")
    assert why.count() >= 3, why.all_inner_texts()  # name parts, birth, … and nationality
    _look(journey, page, "alert")

    # "The person" without a reason: refused beside the reason, the choice kept.
    _answer(page, "the_person")
    assert page.locator("#reason-errors").is_visible()
    assert page.is_checked("input[name=answer][value=the_person]")
    assert _alerts()[registered["ahmad"].id].status == AlertStatus.OPEN
    _look(journey, page, "no-reason")
    _answer(page, "the_person", "الاسم الرباعي وسنة الميلاد واسم الأم تطابق سجل المخيم")
    assert _alerts()[registered["ahmad"].id].status == AlertStatus.PENDING
    assert page.locator(".flash-success").count() == 1, first.flash()
    _look(journey, page, "pending")

    # He cannot confirm his own answer.
    _answer(page, "the_person", "أؤكد ما قلته")
    assert page.locator("#answer-errors").is_visible()
    assert _alerts()[registered["ahmad"].id].status == AlertStatus.PENDING
    _look(journey, page, "own-confirmation-refused")

    # A second screener, in English, confirms.
    second = person()
    second.log_in("screener.two", "en", journey)
    second.open(f"/watchlist/alerts/{wanted.id}")
    assert "Another screener said this is the person" in second.page.inner_text("main")
    _answer(second.page, "the_person", "Checked the camp's file and the mother's name.")
    assert _alerts()[registered["ahmad"].id].status == AlertStatus.CONFIRMED
    assert "Confirmed by two screeners" in second.page.inner_text("h1")
    assert second.page.locator("form[action$='/answer']").count() == 0
    _look(journey, second.page, "confirmed", arabic=False)

    # The household page: the match shown to screeners, in both languages.
    household = f"/households/{registered['ahmad'].household_id}"
    second.open(household)
    panel = second.page.locator("section[aria-labelledby=watchlist-heading]")
    assert "Confirmed by two screeners" in panel.inner_text()
    assert "QDi.9001" in panel.inner_text() and UN_LIST in panel.inner_text()
    _look(journey, second.page, "household-screener-en", arabic=False)
    first.open(household)
    assert "QDi.9001" in first.page.inner_text(PANEL)
    _look(journey, first.page, "household-screener-ar")

    # Nothing of it to the household's caseworker: no list, no reference, no alert.
    caseworker = person()
    caseworker.log_in("caseworker.a", "en", journey)
    caseworker.open(household)
    html, text = caseworker.page.content(), caseworker.page.inner_text("body").lower()
    assert registered["ahmad"].household.case_number.lower() in text
    for trace in ("QDi.9001", UN_LIST, "/watchlist", "watchlist-heading"):
        assert trace not in html, trace
    for word in ("watch", "alert", "screeners"):
        assert word not in text, word
    _look(journey, caseworker.page, "household-caseworker", arabic=False)

    assert not journey.violations, "\n".join(journey.violations)
