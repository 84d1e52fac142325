"""Pages that ask the database once for what they show: the household page's statements do not
grow with its members, reference lists come from a cache that an administrator's change clears
in every app server, and the case list counts no further than a page needs."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

import config
from app import create_app
from app.core.dates import local_today
from app.core.formatting import number
from app.core.pagination import paginate
from app.extensions import db
from app.referrals.models import AgencyService
from app.referrals.services import ReferralInput, refer
from app.registry import queries
from app.registry.models import Household, MemberDocument, MemberNeed
from app.tasks.models import Task
from tests.conftest import Browser
from tests.factories import HouseholdFactory, MemberFactory, stored_attachment
from tests.workflow_support import put_at

# --- the household page -------------------------------------------------------------------------


def _household(world, size: int, stage: str = "registered"):
    """A household of `size` members, each with two documents, two needs (one of them
    protection-sensitive) and a referral; with a task and a scanned document."""
    members = []
    for i in range(size):
        member = MemberFactory(relationship="head" if i == 0 else "son", given_name_en=f"Son{i}")
        member.documents = [MemberDocument(kind="civil_id"), MemberDocument(kind="isis_issued")]
        member.needs = [MemberNeed(code="SM-CC"), MemberNeed(code="SV-VA")]
        members.append(member)
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=members,
    )
    service = db.session.scalar(sa.select(AgencyService)) or AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity"
    )
    db.session.add(service)
    db.session.flush()
    for member in household.members:
        data = ReferralInput(
            service_id=service.id,
            member_id=member.id,
            reason="Papers",
            urgency="routine",
            due_on=local_today() + timedelta(days=3),
            groups=[],
            consent_by="Suad",
            consent_on=local_today(),
            consent_method="verbal",
        )
        refer(household, data, world.caseworker_a)
    db.session.add(Task(household=household, title="Visit", due_on=local_today()))
    stored_attachment(household, world.caseworker_a)
    put_at(household, stage)
    db.session.commit()
    return household


def _statements(browser: Browser, url: str) -> tuple[list[str], str]:
    """The statements the request for `url` sent (the page opened once before, as a server
    that has been up a while has its caches filled), and the page."""
    browser.get(url)
    sent: list[str] = []

    def listen(*args) -> None:
        sent.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        response = browser.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert response.status_code == 200
    return sent, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "stage"),
    [("caseworker_a", "registered"), ("supervisor_a", "registered"), ("screener", "vetting")],
)
def test_the_household_page_asks_as_many_statements_for_twelve_members_as_for_one(
    world, login, role, stage
):
    browser = login(role)
    counted = {}
    for size in (1, 12):
        household = _household(world, size, stage)
        sent, page = _statements(browser, f"/households/{household.id}")
        counted[size] = len(sent)
        assert page.count("Son") >= size  # every member is shown
    assert counted[1] == counted[12]


def test_the_page_shows_every_members_documents_and_needs(world, login):
    household = _household(world, 12)
    sent, page = _statements(login("caseworker_a"), f"/households/{household.id}")
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert text.count("Document issued by ISIS") == 12
    assert text.count("Serious medical condition") == 12
    # Sexual violence risk is for the protection audience: the assigned caseworker is in it.
    assert text.count("Sexual violence risk") == 12
    # Asked once with the household, never one question at a time.
    assert not [s for s in sent if s.lstrip().startswith("SELECT EXISTS")]


def test_the_protection_needs_stay_hidden_from_the_rest_of_the_team(world, login):
    household = _household(world, 3)
    _sent, page = _statements(login("caseworker_a2"), f"/households/{household.id}")
    assert "Sexual violence risk" not in page and "Serious medical condition" in page


# --- the reference lists' cache -----------------------------------------------------------------


def _camp_choices(browser: Browser) -> str:
    page = browser.get("/households/").get_data(as_text=True)
    return re.search(r'<select[^>]*name="camp_id".*?</select>', page, re.DOTALL).group(0)


def _rename_camp(admin: Browser, camp, name: str) -> None:
    payload = {"code": camp.code, "name_en": name, "name_ar": "الهول", "country": "SY"}
    response = admin.post(f"/admin/reference/camps/{camp.id}/edit", {**payload, "active": "y"})
    assert response.status_code == 302


def test_the_lists_are_read_once_then_kept(world, login):
    browser = login("caseworker_a")
    sent, _page = _statements(browser, "/households/")
    assert not [s for s in sent if "FROM camps" in s or "FROM return_batches" in s]


def test_an_administrators_change_is_seen_at_once(world, login):
    caseworker = login("caseworker_a")
    assert "al-Hol" in _camp_choices(caseworker)
    _rename_camp(login("admin"), world.camp, "al-Hol (Hasakah)")
    assert "al-Hol (Hasakah)" in _camp_choices(caseworker)


@pytest.fixture
def second_server(database_url, tmp_path):
    """Another app on the same database, as a second app server would be."""
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    settings.ATTACHMENTS_DIR = str(tmp_path / "attachments")
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    other = create_app(settings)
    yield other
    with other.app_context():
        db.engine.dispose()


def test_a_change_made_on_one_server_is_seen_by_another(world, login, second_server):
    elsewhere = Browser(second_server)
    elsewhere.login(world.caseworker_a)
    assert "al-Hol" in _camp_choices(elsewhere)  # its copy of the lists is made
    _rename_camp(login("admin"), world.camp, "al-Hol (Hasakah)")
    assert "al-Hol (Hasakah)" in _camp_choices(elsewhere)


def test_a_caseworker_made_inactive_leaves_the_teams_list(world, login, second_server):
    elsewhere = Browser(second_server)
    elsewhere.login(world.supervisor_a)
    assert world.caseworker_a2.full_name in _caseworker_choices(elsewhere)
    world.caseworker_a2.active = False  # as the account page does it
    db.session.commit()
    assert world.caseworker_a2.full_name not in _caseworker_choices(elsewhere)


def _caseworker_choices(browser: Browser) -> str:
    page = browser.get("/households/").get_data(as_text=True)
    return re.search(r'<select[^>]*name="caseworker_id".*?</select>', page, re.DOTALL).group(0)


# --- the case list's capped count ---------------------------------------------------------------


@pytest.fixture
def five_households(app, world, monkeypatch):
    """Five households of team A, two to a page, counted no further than three."""
    monkeypatch.setattr(queries, "MATCH_CAP", 3)
    app.config["PAGE_SIZE"] = 2
    return [
        HouseholdFactory(team=world.team_a, camp=world.camp, origin_governorate=world.ninewa)
        for _ in range(5)
    ]


def _count_and_pager(page: str) -> tuple[str, str]:
    count = re.search(r'<p class="count"[^>]*>(.*?)</p>', page, re.DOTALL).group(1)
    pager = re.search(r'class="pager".*?<span>(.*?)</span>', page, re.DOTALL).group(1)
    return unescape(count).strip(), unescape(pager).strip()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_count_past_the_cap_says_more_than_and_the_pager_goes_on(
    app, world, login, five_households, language
):
    world.caseworker_a.locale = language
    db.session.commit()
    browser = login("caseworker_a")
    with app.test_request_context(), force_locale(language):
        expected = [
            (_("More than %(num)s households", num=number(3)), (1, 2, True)),
            (_("More than %(num)s households", num=number(4)), (2, 2, True)),
        ]
        last_count = ngettext("%(num)d household", "%(num)d households", 5)
        pagers = {
            (page, pages, capped): _(
                "Page %(page)d of more than %(pages)d" if capped else "Page %(page)d of %(pages)d",
                page=page,
                pages=pages,
            )
            for page, pages, capped in ((1, 2, True), (2, 2, True), (3, 3, False))
        }
    seen = set()
    for number_of_page, (count, pager_key) in enumerate(expected, start=1):
        page = browser.get(f"/households/?page={number_of_page}").get_data(as_text=True)
        assert _count_and_pager(page) == (count, pagers[pager_key])
        assert f"?page={number_of_page + 1}" in page  # the next page is offered
        seen.update(re.findall(r"AWD-\d{4}-\d+", page))
    page = browser.get("/households/?page=3").get_data(as_text=True)
    count, pager = _count_and_pager(page)
    assert (count, pager) == (last_count, pagers[(3, 3, False)]) and "?page=4" not in page
    seen.update(re.findall(r"AWD-\d{4}-\d+", page))
    assert seen == {h.case_number for h in five_households}


# --- a page past the end ------------------------------------------------------------------------

TOO_FAR = "99999999999999999999"  # past a 64-bit integer: an OFFSET no database takes


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("caseworker_a", "/households/"),
        ("caseworker_a", "/my-cases"),
        ("caseworker_a", "/tasks"),
        ("caseworker_a", "/tasks?show=all"),
        ("caseworker_a", "/referrals/shared-by-me"),
        ("caseworker_a", "/notifications/"),
        ("focal", "/referrals/inbox"),
        ("screener", "/watchlist/alerts"),
        ("admin", "/admin/users"),
        ("admin", "/admin/reference/camps"),
    ],
)
def test_a_page_too_far_in_any_list_is_no_server_error(world, login, five_households, role, url):
    joiner = "&" if "?" in url else "?"
    assert login(role).get(f"{url}{joiner}page={TOO_FAR}").status_code == 200


@pytest.mark.parametrize(
    ("role", "url"), [("caseworker_a", "/households/"), ("admin", "/admin/users")]
)
def test_a_page_too_far_is_the_last_page_as_a_page_just_past_the_end_is(
    world, login, five_households, role, url
):
    browser = login(role)
    last = browser.get(f"{url}?page=999999").get_data(as_text=True)
    too_far = browser.get(f"{url}?page={TOO_FAR}").get_data(as_text=True)
    first = browser.get(f"{url}?page=1").get_data(as_text=True)
    shown = re.compile(r'href="/(?:households|admin/users)/(\d+)')
    on_last = shown.findall(last)
    assert on_last and shown.findall(too_far) == on_last != shown.findall(first)


def test_a_page_too_far_never_reaches_the_database_as_an_offset(world, five_households):
    """Asked by any caller, however it read the page: the last page, counted as far as needed."""
    stmt = sa.select(Household).order_by(Household.id)
    page = paginate(stmt, Household, 10**30, 2, cap=3)
    assert (page.page, len(page.items)) == (3, 1)
