"""By keyboard alone, in Arabic: the skip link, logging in, a refused form whose errors are tied
to their fields (and still pass axe-core)."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def tablet(chromium, live_server):
    context = chromium.new_context(viewport={"width": 800, "height": 1000}, locale="ar-IQ")
    yield Actor(live_server, context, context.new_page())
    context.close()


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.className")


def test_keyboard_alone_logs_in_and_meets_errors_tied_to_their_fields(world, tablet, axe_source):
    journey = Journey(ARTIFACTS / "keyboard", axe_source)
    world.caseworker_a.locale = "ar"  # their own language, set on their account
    db.session.commit()
    page = tablet.page
    tablet.open("/login")  # the browser asks for Arabic: the login page answers in it
    assert page.get_attribute("html", "dir") == "rtl"
    page.keyboard.press("Tab")
    assert _focused(page) == "skip-link"
    page.keyboard.press("Enter")
    page.wait_for_url("**/login#main")  # an in-page jump: the address changes after the key
    assert page.url.endswith("#main")
    page.focus("#username")
    page.keyboard.type("caseworker.a")
    page.keyboard.press("Tab")
    assert _focused(page) == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/households/**")
    assert page.get_attribute("html", "dir") == "rtl"

    tablet.open("/households/new")
    page.focus(".form-actions button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing filled in
    journey.shoot(page, "refused-form")
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 3
    for index in range(invalid.count()):
        field = invalid.nth(index)
        described = field.get_attribute("aria-describedby") or ""
        errors = [page.locator(f"#{name}").inner_text() for name in described.split()]
        assert any(text.strip() for text in errors), f"{field.get_attribute('id')} has no message"
        label = page.locator(f"label[for={field.get_attribute('id')}]")
        assert label.count() == 1
    journey.check_accessibility(page, "refused household form")
    assert not journey.violations, "\n".join(journey.violations)
