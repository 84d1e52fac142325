"""A new API token on a 360-pixel phone, in Arabic and in English: the token, shown once to be
copied, wraps inside its own box and the page never scrolls sideways (it ran to 513 pixels)."""

from __future__ import annotations

import pytest

from tests.browser.support import Actor

pytestmark = pytest.mark.browser

PHONE = 360
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth - innerWidth"


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(viewport={"width": PHONE, "height": 800})
    yield Actor(live_server, context, context.new_page())
    context.close()


class _NoShots:
    def shoot(self, page, name: str, within: str | None = None) -> None:
        """The journey's screenshots are not this test's business."""


def _new_token(phone, language: str, name: str):
    """Log in as a caseworker reading `language` and make a token named `name`: the page."""
    phone.log_in("caseworker.a", language, _NoShots())
    phone.open("/account/tokens")
    page = phone.page
    page.fill("input[name=name]", name)
    page.locator("input[name=scopes]").first.check()
    with page.expect_navigation():
        page.click("form:has(input[name=scopes]) button[type=submit]")
    return page


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_new_token_is_shown_whole_on_a_phone(phone, language):
    page = _new_token(phone, language, "مزامنة المنظمة الدولية للهجرة")
    token = page.locator(".flash-success code")
    assert token.inner_text().startswith("awda_")
    box = token.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE
    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) == 0


@pytest.mark.parametrize(("language", "revoke"), [("ar", "إبطال"), ("en", "Revoke")])
def test_a_token_is_revoked_only_when_asked_twice(phone, language, revoke):
    """One tap on Revoke opens the question; the token stops only at the second."""
    page = _new_token(phone, language, "Test sync")
    summary = page.locator("details.confirm > summary").first
    assert summary.inner_text().strip() == revoke
    summary.click()
    assert page.locator("details.confirm[open] button[type=submit]").first.is_visible()
    phone.open("/account/tokens")
    assert page.locator("details.confirm").count() == 1  # one tap revoked nothing
    page.locator("details.confirm > summary").first.click()
    with page.expect_navigation():
        page.locator("details.confirm[open] button[type=submit]").first.click()
    assert page.locator("details.confirm").count() == 0
    assert page.evaluate(PAGE_SCROLLS_SIDEWAYS) == 0
