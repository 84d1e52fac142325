"""Where each role lands after logging in, what the menu says waits there, and the case list on a
phone: at 360 pixels each household is a card that shows its case number, head, stage and
caseworker without sideways scrolling, the filters folded away."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.access.roles import Role
from app.core.dates import local_today
from app.extensions import db
from app.referrals.models import AgencyService, Referral
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey
from tests.factories import HouseholdFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.browser

LANDINGS = {
    "caseworker.a": "/households/",
    "supervisor.a": "/households/",
    "screener": "/households/?stage=vetting",
    "focal": "/referrals/inbox",
    "auditor": "/audit/",
    "admin": "/admin/users",
    "reporting": "/dashboard",
}
# What each role's landing page is headed.
HEADINGS = {
    "/households/": "Households",
    "/households/?stage=vetting": "Households",
    "/referrals/inbox": "Shared with my agency",
    "/audit/": "Audit trail",
    "/admin/users": "Users",
    "/dashboard": "Dashboard",
}
PHONE = 360
SCROLLS_SIDEWAYS = "(e) => e.scrollWidth - e.clientWidth"
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth - innerWidth"


@pytest.fixture
def work(world, live_server):
    """A household waiting for vetting, with a referral waiting for the agency's answer (to the
    service the live server's set-up offers)."""
    UserFactory(username="auditor", role=Role.AUDITOR.value, full_name="Aliya Auditor")
    son = MemberFactory(given_name_en="Yusuf", given_name_ar="يوسف", relationship="son", sex="M")
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        camp_ref="HOL-0004512",
        origin_governorate=world.ninewa,
        members=[MemberFactory(), son],
    )
    household.stage = "vetting"
    service = db.session.scalar(sa.select(AgencyService))
    db.session.add(
        Referral(
            household=household,
            member=son,
            agency=world.focal.agency,
            service=service,
            reason="Papers",
            urgency="routine",
            due_on=local_today() + timedelta(days=7),
            groups="identity",
            state="sent",
            created_by=world.caseworker_a,
        )
    )
    db.session.commit()
    return household


@pytest.fixture
def person(chromium, live_server):
    opened = []

    def actor(width: int = 1024) -> Actor:
        context = chromium.new_context(viewport={"width": width, "height": 800})
        opened.append(context)
        return Actor(live_server, context, context.new_page())

    yield actor
    for context in opened:
        context.close()


def test_each_role_lands_where_its_work_is(work, person, live_server, axe_source):
    journey = Journey(ARTIFACTS / "landings", axe_source)
    for username, landing in LANDINGS.items():
        actor = person()
        actor.log_in(username, "en", journey)
        page = actor.page
        assert page.url == live_server + landing, username
        assert page.inner_text("h1") == HEADINGS[landing], username
        journey.shoot(page, f"landing-{username}")
        if username == "screener":
            assert work.case_number in page.inner_text("main")
        if username == "focal":
            entry = page.locator("nav a[href='/referrals/inbox']")
            assert entry.locator(".waiting").inner_text().startswith("1"), username
            assert "Yusuf" in page.inner_text("main table")
    assert not journey.violations, "\n".join(journey.violations)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_case_list_on_a_phone(world, work, person, axe_source, language):
    journey = Journey(ARTIFACTS / "phone" / language, axe_source)
    phone = person(width=PHONE)
    phone.log_in("caseworker.a", language, journey)
    page = phone.page
    phone.open("/households/")
    journey.shoot(page, "case-list-at-360px")
    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) <= 0, "the page scrolls sideways"
    assert page.locator(".table-wrap").evaluate(SCROLLS_SIDEWAYS) <= 0, "the table scrolls"
    card = page.locator("table.cases tbody tr").first
    shown = {
        0: work.case_number,  # the columns in their order: case, head, stage, caseworker
        1: "Fatima" if language == "en" else "فاطمة",
        2: "",
        3: world.caseworker_a.full_name,
    }
    for column, text in shown.items():
        cell = card.locator("td").nth(column)
        assert cell.is_visible(), column
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE, column
        assert text in cell.inner_text(), column
    for identifier in (card.locator("a.id"), card.locator("bdi.id")):
        assert identifier.evaluate("(e) => getComputedStyle(e).whiteSpace") == "nowrap"
        line = identifier.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight)")
        assert identifier.bounding_box()["height"] < 1.5 * line, "an ID broke across lines"
    assert page.locator("#camp_id").is_hidden()  # the filters are folded away until asked for
    page.click("form[role=search] summary")
    assert page.locator("#camp_id").is_visible()
    assert not journey.violations, "\n".join(journey.violations)
