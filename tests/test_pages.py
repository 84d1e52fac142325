"""Pages that say who they are about, and where work waits: a household's pages are headed by its
head's name in the reader's script, each role lands where its work is, the menu counts what waits,
no link leads a role to a refusal, a referral names its member, every open task can be listed,
a child's vetting follows the household's decision, and the case list reads at a phone's width."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_login import login_user
from pypdf import PdfReader

from app.access.roles import Role
from app.core.dates import local_today
from app.core.navigation import main_menu
from app.extensions import db
from app.referrals.models import AgencyService
from app.referrals.services import ReferralInput, refer
from app.tasks.models import Task
from app.transfers.models import Transfer
from app.workflow.models import ApprovalRequest
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.workflow_support import put_at, record_clearance

SUAD = {"given_name_ar": "سعاد", "father_name_ar": "حسن", "given_name_en": "Suad"}
SUAD |= {"father_name_en": "Hassan", "grandfather_name_ar": None, "family_name_ar": None}
SUAD |= {"grandfather_name_en": None, "family_name_en": None}
YUSUF = {"given_name_ar": "يوسف", "father_name_ar": "علي", "given_name_en": "Yusuf"}
YUSUF |= {"father_name_en": "Ali", "grandfather_name_ar": None, "family_name_ar": None}
YUSUF |= {"grandfather_name_en": None, "family_name_en": None}


def _family(world, stage: str = "registered", latin: bool = True, team=None, caseworker=None):
    """Suad Hassan (head) and her son Yusuf Ali, 8, of team A, assigned to caseworker_a."""
    head = MemberFactory(**SUAD)
    son = MemberFactory(
        **YUSUF, sex="M", relationship="son", birth_date=local_today() - timedelta(days=8 * 366)
    )
    if not latin:
        head.given_name_en = head.father_name_en = None
    household = HouseholdFactory(
        team=team or world.team_a,
        assigned_to=caseworker or world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[head, son],
    )
    put_at(household, stage)
    return household


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _h1(page: str) -> str:
    return _text(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.DOTALL).group(1))


def _title(page: str) -> str:
    return _text(re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1))


def _get(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _arabic(world, role: str):
    world.user(role).locale = "ar"
    db.session.commit()


# --- a household's pages say whom they are about ---------------------------------------------


def test_the_household_page_is_headed_by_the_head_of_household(world, login):
    household = _family(world)
    page = _get(login("caseworker_a"), f"/households/{household.id}")
    assert _h1(page) == f"Suad Hassan {household.case_number}"
    assert _title(page).startswith(f"Suad Hassan · {household.case_number}")


def test_an_arabic_reader_reads_the_arabic_name(world, login):
    household = _family(world)
    _arabic(world, "caseworker_a")
    page = _get(login("caseworker_a"), f"/households/{household.id}")
    assert _h1(page) == f"سعاد حسن {household.case_number}"
    assert _title(page).startswith(f"سعاد حسن · {household.case_number}")


def test_without_a_latin_name_the_arabic_one_heads_the_page(world, login):
    household = _family(world, latin=False)
    page = _get(login("caseworker_a"), f"/households/{household.id}")
    assert _h1(page) == f"سعاد حسن {household.case_number}"


def test_the_printed_file_names_the_family_before_anything_else(world, login):
    household = _family(world)
    response = login("caseworker_a").get(f"/households/{household.id}/file.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert text.index("Suad Hassan") < text.index(household.case_number) < text.index("Stage")


@pytest.mark.parametrize(
    "path",
    [
        "/households/{id}/tasks/new",
        "/households/{id}/edit",
        "/households/{id}/refer",
        "/households/{id}/assessments/acceptance",
        "/households/{id}/assessments/acceptance/versions",
    ],
)
def test_the_pages_about_one_household_name_it_above_their_heading(world, login, path):
    household = _family(world)
    page = _get(login("caseworker_a"), path.format(id=household.id))
    before_heading = _text(page[page.index("<main") : page.index("<h1")])
    assert f"Suad Hassan {household.case_number}" in before_heading
    assert "Suad Hassan" in _title(page)


# --- each role lands where its work is ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("caseworker_a", "/households/"),
        ("supervisor_a", "/households/"),
        ("screener", "/households/?stage=vetting"),
        ("focal", "/referrals/inbox"),
        ("auditor", "/audit/"),
        ("admin", "/admin/users"),
        ("reporting", "/dashboard"),
    ],
)
def test_each_role_lands_where_its_work_is(world, make_browser, role, landing):
    if role == "auditor":
        world.auditor = UserFactory(username="auditor", role=Role.AUDITOR.value)
    browser = make_browser()
    assert browser.login(world.user(role)).headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == landing


def test_the_screener_lands_on_the_households_waiting_for_vetting(world, login):
    waiting = _family(world, "vetting")
    cleared = _family(world, "cleared")
    page = _get(login("screener"), "/households/?stage=vetting")
    assert waiting.case_number in page and cleared.case_number not in page


# --- the menu counts what waits ----------------------------------------------------------------


def _menu(page: str) -> dict[str, str]:
    """Each menu entry's label and what it says waits there ("" for nothing)."""
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.DOTALL).group(1)
    entries = {}
    for item in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.DOTALL):
        # The badge shows a number; its words are for screen readers.
        waiting = re.search(r'<span class="visually-hidden">(.*?)</span>', item, re.DOTALL)
        label = _text(re.sub(r'<span class="waiting".*', "", item, flags=re.DOTALL))
        entries[label] = _text(waiting.group(1)) if waiting else ""
    return entries


def _referral(world, household, member=None, state="sent"):
    service = db.session.scalar(sa.select(AgencyService)) or AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity"
    )
    db.session.add(service)
    db.session.flush()
    data = ReferralInput(
        service_id=service.id,
        member_id=member.id if member else None,
        reason="Papers",
        urgency="routine",
        due_on=local_today() + timedelta(days=3),
        groups=[],
        consent_by="Suad Hassan",
        consent_on=local_today(),
        consent_method="verbal",
    )
    made = refer(household, data, world.caseworker_a)
    made.state = state
    db.session.commit()
    return made


def test_the_focal_point_sees_how_many_referrals_wait_for_an_answer(world, login):
    household = _family(world)
    _referral(world, household)
    _referral(world, household, state="accepted")  # answered: no longer waits
    page = _get(login("focal"), "/referrals/inbox")
    assert _menu(page)["Shared with my agency"] == "1 waiting"


def test_the_supervisor_sees_approvals_and_hand_overs_waiting(world, login):
    household = _family(world)
    db.session.add(
        ApprovalRequest(
            household=household,
            from_stage="follow_up",
            to_stage="closed",
            reason="Done",
            requested_by=world.caseworker_a,
        )
    )
    db.session.add(
        Transfer(
            household=household,
            from_team_id=world.team_a.id,
            to_team=world.team_b,
            reason="Follow-up after return",
            requested_by=world.supervisor_a,
        )
    )
    db.session.commit()
    menu_a = _menu(_get(login("supervisor_a"), "/households/"))
    assert menu_a["Review queue"] == "1 waiting"
    assert menu_a["Hand-overs"] == ""  # sent by team A: it waits for team B
    menu_b = _menu(_get(login("supervisor_b"), "/households/"))
    assert menu_b["Hand-overs"] == "1 waiting" and menu_b["Review queue"] == ""


def test_tasks_due_counts_what_is_due_by_today_within_the_users_reach(world, login):
    household = _family(world)
    today = local_today()
    for days in (-3, 0, 30):
        db.session.add(Task(household=household, title="Visit", due_on=today + timedelta(days)))
    db.session.commit()
    assert _menu(_get(login("caseworker_a"), "/households/"))["Tasks due"] == "2 waiting"
    assert _menu(_get(login("caseworker_b"), "/households/"))["Tasks due"] == ""


def test_the_counts_are_asked_once_per_request(app, world):
    household = _family(world)
    db.session.add(Task(household=household, title="Visit", due_on=local_today()))
    db.session.commit()
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with app.test_request_context("/households/"):
        login_user(world.caseworker_a)
        first = main_menu()
        asked = len(statements)
        assert main_menu() == first
        assert len(statements) == asked


# --- no link leads to a refusal ----------------------------------------------------------------


def test_the_screener_is_not_offered_to_register_a_household(world, login):
    _family(world, "vetting")
    page = _get(login("screener"), "/households/")
    assert "/households/new" not in page and "Register a household" not in page
    page = _get(login("caseworker_a"), "/households/")
    assert "/households/new" in page


# --- a referral names its member -----------------------------------------------------------------


def test_a_referral_names_its_member_wherever_it_is_shown(world, login):
    household = _family(world)
    son = household.members[1]
    referral = _referral(world, household, member=son)
    caseworker = login("caseworker_a")
    page = _get(caseworker, f"/households/{household.id}")
    panel = page[page.index('id="referrals"') : page.index('id="referrals"') + 2000]
    assert "Yusuf Ali" in _text(panel)
    history = page[page.index('id="history"') :]
    assert "Referral to NGO for Yusuf Ali: Sent" in _text(history)
    assert "Yusuf Ali" in _text(_get(caseworker, "/referrals/shared-by-me"))
    assert "Yusuf Ali" in _text(_get(caseworker, f"/referrals/{referral.id}"))
    focal = login("focal")
    assert "Yusuf Ali" in _text(_get(focal, "/referrals/inbox"))
    assert "Yusuf Ali" in _text(_get(focal, f"/referrals/{referral.id}"))


def test_a_referral_of_the_whole_household_says_so(world, login):
    household = _family(world)
    _referral(world, household)
    assert "The whole household" in _get(login("caseworker_a"), "/referrals/shared-by-me")


def test_once_closed_the_agency_no_longer_reads_the_members_name(world, login):
    household = _family(world)
    son = household.members[1]
    referral = _referral(world, household, member=son, state="completed")
    focal = login("focal")
    for page in (_get(focal, "/referrals/inbox"), _get(focal, f"/referrals/{referral.id}")):
        assert "Yusuf" not in page and "يوسف" not in page
        assert "One member" in page


# --- every open task can be listed ---------------------------------------------------------------


def test_tasks_due_later_are_listed_on_asking(world, login):
    household = _family(world)
    db.session.add(
        Task(
            household=household,
            title="Follow-up visit after return",
            due_on=local_today() + timedelta(days=30),
        )
    )
    db.session.commit()
    browser = login("caseworker_a")
    page = _get(browser, "/tasks")
    assert "Follow-up visit after return" not in page
    assert "1 more open task is due later" in _text(page)
    assert 'href="/tasks?show=all"' in page
    page = _get(browser, "/tasks?show=all")
    assert "Follow-up visit after return" in page and household.case_number in page


# --- a child's vetting follows the household's decision ------------------------------------------


def _vetting_cells(page: str) -> dict[str, str]:
    """Member name -> the vetting cell, from the screening section of the household page."""
    section = page[page.index('id="screening-heading"') :]
    section = section[: section.index("</section>")]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>", section, re.DOTALL)
    return {_text(name): _text(cell) for name, cell in rows}


def test_a_childs_vetting_follows_the_household_once_it_is_cleared(world, login):
    household = _family(world, "vetting")
    cells = _vetting_cells(_get(login("caseworker_a"), f"/households/{household.id}"))
    assert cells["سعاد حسن Suad Hassan"] == "Pending"
    record_clearance(household, world.screener)
    put_at(household, "cleared")
    for role in ("caseworker_a", "screener"):
        cells = _vetting_cells(_get(login(role), f"/households/{household.id}"))
        assert cells["يوسف علي Yusuf Ali"].startswith("Cleared with the household"), role
        assert "Pending" not in cells["يوسف علي Yusuf Ali"]


def test_a_member_routed_apart_keeps_their_own_vetting_status(world, login):
    household = _family(world, "vetting")
    son = household.members[1]
    son.route = "judiciary"
    db.session.commit()
    record_clearance(household, world.screener)
    put_at(household, "cleared")
    cells = _vetting_cells(_get(login("caseworker_a"), f"/households/{household.id}"))
    assert cells["يوسف علي Yusuf Ali"] == "Pending"
    assert cells["سعاد حسن Suad Hassan"].startswith("Cleared with the household")


# --- the case list at a phone's width ------------------------------------------------------------


def test_one_household_table_serves_the_case_list_and_my_cases(world, login):
    household = _family(world)
    browser = login("caseworker_a")
    for path in ("/households/", "/my-cases"):
        page = _get(browser, path)
        table = page[page.index('<table class="cases') : page.index("</table>")]
        cells = dict(re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', table, re.DOTALL))
        assert household.case_number in cells["Case"], path
        assert "Suad Hassan" in _text(cells["Head of household"]), path
        assert _text(cells["Stage"]) == "Registered in camp", path
        assert 'class="id"' in table  # case numbers and camp IDs never break at their hyphen


def test_the_case_list_filters_fold_away_and_open_when_one_is_set(world, login):
    browser = login("caseworker_a")
    folded = re.search(
        r"<details([^>]*)>\s*<summary>Filters</summary>", _get(browser, "/households/")
    )
    assert folded and "open" not in folded.group(1)
    narrowed = _get(browser, "/households/?stage=vetting")
    assert re.search(r"<details[^>]*\bopen\b[^>]*>\s*<summary>Filters</summary>", narrowed)
