"""The main journey in a real browser, once in English and once in Arabic: register a household
of three, find it by its Latin name, vet it, ask and approve its departure clearance, refer it to
an agency whose focal point accepts, export the case list. Each step is photographed; the pages
are weighed and checked with axe-core on the way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.referrals.models import Referral
from app.registry.models import Household
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey

pytestmark = pytest.mark.browser

FIRST_LOAD_BUDGET = 150 * 1024
REPEAT_LOAD_BUDGET = 30 * 1024
HTML_DIRECTION = {"en": "ltr", "ar": "rtl"}


@pytest.fixture
def people(chromium, live_server):
    """Each user in a browser of their own, at a tablet's width."""
    opened = []

    def actor(width: int = 1024) -> Actor:
        context = chromium.new_context(
            viewport={"width": width, "height": 900}, accept_downloads=True
        )
        opened.append(context)
        return Actor(live_server, context, context.new_page())

    yield actor
    for context in opened:
        context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_main_journey(world, people, axe_source, language):
    journey = Journey(ARTIFACTS / language, axe_source)

    caseworker = people()
    caseworker.log_in("caseworker.a", language, journey)
    page = caseworker.page
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == HTML_DIRECTION[language]
    journey.check_accessibility(page, "home")

    household = _register(caseworker, world, journey)
    _find_by_latin_name(caseworker, household, journey)
    for stage in ("transfer_list", "in_transit", "arrived", "vetting"):
        _move(caseworker, household, stage)
    journey.shoot(page, "in-vetting")

    screener = people()
    screener.log_in("screener", language, journey)
    _vet(screener, household, journey)

    _move(caseworker, household, "rehabilitation")
    _record_acceptance(caseworker, household, journey)
    _move(caseworker, household, "departure_clearance", reason="Community and family ready.")
    journey.shoot(page, "clearance-asked")

    supervisor = people()
    supervisor.log_in("supervisor.a", language, journey)
    supervisor.open("/review")
    journey.shoot(supervisor.page, "review-queue")
    with supervisor.page.expect_navigation():
        supervisor.page.click("button[name=decision][value=approve]")
    db.session.expire_all()
    assert db.session.get(Household, household.id).stage == "departure_clearance"
    supervisor.open("/dashboard")
    journey.shoot(supervisor.page, "supervisor-dashboard")

    _refer(caseworker, household, journey)
    focal = people()
    focal.log_in("focal", language, journey)
    _accept_referral(focal, household, journey)

    _export_list(caseworker, household, journey)

    _weigh(caseworker, household, journey)
    _narrow_screen(people, language, household, journey)
    assert not journey.violations, "\n".join(journey.violations)


def _register(caseworker: Actor, world, journey: Journey) -> Household:
    page = caseworker.page
    caseworker.open("/households/new")
    journey.check_accessibility(page, "household form")
    page.select_option("#camp_id", str(world.camp.id))
    page.fill("#camp_ref", "HOL-7731")
    page.select_option("#batch_id", str(world.batch.id))
    page.select_option("#origin_governorate_id", str(world.ninewa.id))
    page.select_option("#origin_district_id", str(world.mosul.id))
    page.select_option("#destination_governorate_id", str(world.ninewa.id))
    page.select_option("#destination_district_id", str(world.telafar.id))
    page.fill("#phone", "0770 555 1234")
    people = [
        ("سعاد", "حسن", "Suad", "Hassan", "F", "1990-03-14", "head"),
        ("يوسف", "علي", "Yusuf", "Ali", "M", "2012-06-01", "son"),
        ("مريم", "علي", "Maryam", "Ali", "F", "2017-09-20", "daughter"),
    ]
    for index, (given_ar, father_ar, given_en, father_en, sex, born, relation) in enumerate(people):
        if index:
            page.click("[data-add-member]")  # the row is added in place, by the page's script
        row = f"#members-{index}-"
        page.fill(row + "given_name_ar", given_ar)
        page.fill(row + "father_name_ar", father_ar)
        page.fill(row + "given_name_en", given_en)
        page.fill(row + "father_name_en", father_en)
        page.select_option(row + "sex", sex)
        page.fill(row + "birth_date", born)
        page.select_option(row + "relationship", relation)
    page.check("input[name='members-0-documents'][value=civil_id]")
    journey.shoot(page, "household-form-filled")
    with page.expect_navigation():
        page.click(".form-actions button[type=submit]")
    household = db.session.scalar(sa.select(Household).where(Household.camp_ref == "HOL-7731"))
    assert household is not None, caseworker.flash()
    assert len(household.members) == 3
    assert household.case_number in page.inner_text("h1")
    journey.shoot(page, "household-registered")
    return household


def _find_by_latin_name(caseworker: Actor, household: Household, journey: Journey) -> None:
    page = caseworker.page
    caseworker.open("/households/")
    journey.check_accessibility(page, "case list")
    page.fill("form[role=search] input[name=q]", "Yusuf Ali")
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    assert "Yusuf" not in page.url  # the name never travels in the address
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and household.case_number in rows.first.inner_text()
    journey.shoot(page, "found-by-latin-name")


def _move(actor: Actor, household: Household, target: str, reason: str | None = None) -> None:
    page = actor.page
    actor.open(f"/households/{household.id}")
    form = page.locator(f"form.move:has(input[name=target][value={target}])")
    if reason:
        form.locator("textarea").fill(reason)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    db.session.expire_all()
    current = db.session.get(Household, household.id).stage
    assert current == target or reason, f"still {current}: {actor.flash()}"


def _vet(screener: Actor, household: Household, journey: Journey) -> None:
    page = screener.page
    head = household.members[0]
    screener.open(f"/households/{household.id}/members/{head.id}/assessments/vetting")
    page.select_option("#outcome", "cleared")
    page.fill("#decision_date", "2026-11-20")
    page.select_option("#deciding_body", "nss")
    journey.shoot(page, "vetting-form")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    _move(screener, household, "cleared")
    journey.shoot(page, "cleared-by-screener")


def _record_acceptance(caseworker: Actor, household: Household, journey: Journey) -> None:
    page = caseworker.page
    caseworker.open(f"/households/{household.id}/assessments/acceptance")
    page.check("#mukhtar_letter")
    page.fill("#letter_date", "2026-11-18")
    page.select_option("#committee_decision", "approved")
    page.fill("#committee_date", "2026-11-19")
    page.check("#destination_confirmed")
    journey.shoot(page, "community-acceptance")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _refer(caseworker: Actor, household: Household, journey: Journey) -> None:
    page = caseworker.page
    caseworker.open(f"/households/{household.id}/refer")
    page.select_option("#service_id", index=1)
    page.fill("#reason", "Civil documents for the children.")
    page.fill("#due_on", "2026-12-15")
    page.fill("#consent_by", "Suad Hassan")
    page.fill("#consent_on", "2026-11-20")
    page.select_option("#consent_method", index=1)
    journey.shoot(page, "referral-form")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/referrals/" in page.url, caseworker.flash()
    journey.shoot(page, "referral-sent")


def _accept_referral(focal: Actor, household: Household, journey: Journey) -> None:
    page = focal.page
    focal.open("/referrals/inbox")
    journey.shoot(page, "focal-inbox")
    with page.expect_navigation():
        page.locator("table a").first.click()
    with page.expect_navigation():
        page.click("button[formaction$='/accept']")
    assert re.search(r"/referrals/\d+$", page.url)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Referral.state)) == "accepted"
    journey.shoot(page, "referral-accepted")


def _export_list(caseworker: Actor, household: Household, journey: Journey) -> None:
    page = caseworker.page
    caseworker.open("/households/")
    with page.expect_navigation():
        page.click("a[href^='/reports/cases']")
    journey.shoot(page, "export-form")
    with page.expect_download() as download:
        page.click("main form button[type=submit]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert household.case_number in text
    assert "Suad" not in text and "سعاد" not in text  # pseudonymised unless asked and allowed


def _weigh(caseworker: Actor, household: Household, journey: Journey) -> None:
    journey.weigh(caseworker, "/households/new", "household form")
    journey.weigh(caseworker, "/households/", "case list")
    for name, (first, repeat) in journey.weights.items():
        assert first <= FIRST_LOAD_BUDGET, f"{name}: {first} bytes on a first load"
        assert repeat <= REPEAT_LOAD_BUDGET, f"{name}: {repeat} bytes on a repeat load"
    print(f"page weight: {journey.weights}")


def _narrow_screen(people, language: str, household: Household, journey: Journey) -> None:
    """At 360 pixels, nothing needs sideways scrolling but the tables in their own boxes."""
    phone = people(width=360)
    phone.log_in("caseworker.a", language, journey)
    for path in ("/households/", f"/households/{household.id}", "/households/new"):
        phone.open(path)
        overflow = phone.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360px"
    journey.shoot(phone.page, "form-at-360px")
