"""The same person registered twice, on a phone in Arabic: the possible duplicate is shown
before anything is saved, then judged by a supervisor on the pair's page; at 360 pixels nothing
scrolls sideways, and axe-core finds nothing serious."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity import linkage
from app.identity.models import DuplicatePair
from app.registry.models import Household
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.browser

PHONE = 360
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth - innerWidth"


@pytest.fixture
def registered(world):
    """Suad Hassan Kadhim al-Jubouri, born 14 March 1990, her mother Zainab, in team A."""
    suad = MemberFactory(
        given_name_ar="سعاد",
        father_name_ar="حسن",
        grandfather_name_ar="كاظم",
        family_name_ar="الجبوري",
        given_name_en="Suad",
        father_name_en="Hassan",
        mother_name_ar="زينب علي الجبوري",
        birth_date=date(1990, 3, 14),
    )
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[suad],
    )
    db.session.expire_all()
    linkage.refresh(household.members)
    db.session.commit()
    return household


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(viewport={"width": PHONE, "height": 800})
    yield Actor(live_server, context, context.new_page())
    context.close()


def _fill_household(page, world) -> None:
    page.select_option("#camp_id", str(world.camp.id))
    page.fill("#camp_ref", "HOL-9911")
    page.select_option("#origin_governorate_id", str(world.ninewa.id))
    row = "#members-0-"
    page.fill(row + "given_name_ar", "سعاد")  # as a transfer list wrote her
    page.fill(row + "father_name_ar", "حسن")
    page.fill(row + "family_name_ar", "الجبوري")
    page.fill(row + "mother_name_ar", "زينب علي")
    page.select_option(row + "sex", "F")
    page.fill(row + "birth_year", "١٩٩٠")  # Arabic-Indic digits, as typed
    page.select_option(row + "relationship", "head")


def test_a_possible_duplicate_is_shown_before_saving_and_judged(
    world, registered, phone, live_server, axe_source, chromium
):
    journey = Journey(ARTIFACTS / "duplicates", axe_source)
    phone.log_in("caseworker.a", "ar", journey)
    page = phone.page
    phone.open("/households/new")
    _fill_household(page, world)
    with page.expect_navigation():
        page.click(".form-actions button[type=submit]")
    panel = page.locator("section.panel.warning")
    assert panel.is_visible()
    assert registered.case_number in panel.inner_text()
    assert "لم يُحفظ شيء بعد" in panel.inner_text()  # nothing is saved yet
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 1
    assert page.input_value("#members-0-mother_name_ar") == "زينب علي"  # what was typed is kept
    journey.shoot(page, "possible-duplicate-before-saving")
    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) <= 0, "the form scrolls sideways"

    with page.expect_navigation():
        page.click(".form-actions button[type=submit]")  # seen: save it anyway
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 2
    pair = db.session.scalar(sa.select(DuplicatePair))
    assert pair is not None

    context = chromium.new_context(viewport={"width": PHONE, "height": 800})
    supervisor = Actor(live_server, context, context.new_page())
    supervisor.log_in("supervisor.a", "ar", journey)
    supervisor.open("/identity/duplicates")
    journey.shoot(supervisor.page, "queue")
    assert supervisor.page.evaluate(PAGE_SCROLLS_SIDEWAYS) <= 0, "the queue scrolls sideways"
    supervisor.open(f"/identity/duplicates/{pair.id}")
    journey.shoot(supervisor.page, "pair")
    assert supervisor.page.evaluate(PAGE_SCROLLS_SIDEWAYS) <= 0, "the pair scrolls sideways"
    supervisor.page.check("input[name='judge-judgement'][value=not_same]")
    supervisor.page.fill("#judge-reason", "الأم مختلفة بحسب سجل المخيم")
    with supervisor.page.expect_navigation():
        supervisor.page.click("form[action$='/judgement'] button[type=submit]")
    db.session.expire_all()
    assert db.session.get(DuplicatePair, pair.id).status == "not_same"
    context.close()
    assert not journey.violations, "\n".join(journey.violations)
