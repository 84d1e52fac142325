"""No link is shown to a role that would be refused by it: for every role of the test world, every
page reachable by links is walked, and none answers 403 or 404."""

from __future__ import annotations

import pytest

from app.access.roles import Role
from tests.crawl import crawl
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.test_access import ROLES as ACCESS_ROLES
from tests.test_access import matrix  # noqa: F401  (the households, requests and referral)
from tests.workflow_support import put_at

# Every signed-in role of the access matrix (a moved caseworker is a caseworker of team B).
ROLES = tuple(role for role in ACCESS_ROLES if role not in {"anonymous", "moved_caseworker"})
REFUSED = {403, 404}


@pytest.fixture
def in_vetting(world):
    """A household a screener works on, with a child who is not vetted."""
    child = MemberFactory(given_name_en="Zainab", relationship="daughter")
    household = HouseholdFactory(
        team=world.team_a,
        assigned_to=world.caseworker_a,
        camp=world.camp,
        origin_governorate=world.ninewa,
        members=[MemberFactory(), child],
    )
    put_at(household, "vetting")
    return household


@pytest.mark.parametrize("role", ROLES)
def test_no_link_leads_to_a_refusal(world, matrix, in_vetting, make_browser, role):  # noqa: F811
    user = matrix.users.get(role) or world.user(role)
    browser = make_browser()
    browser.login(user)
    visits = crawl(browser, "/", limit=150, follow="links")
    assert len(visits) > 5, f"{role}: the walk reached too few pages to prove anything"
    refused = [
        f"{path} answered {visit.status} (linked from {visit.came_from})"
        for path, visit in visits.items()
        if visit.status in REFUSED
    ]
    assert not refused, f"{role}:\n" + "\n".join(refused)


def test_the_walk_finds_a_refusal_when_a_page_offers_one(world, make_browser):
    """The walk itself works: a screener on a page with a link they may not follow."""
    screener = UserFactory(username="screener2", role=Role.SCREENER.value)
    browser = make_browser()
    browser.login(screener)
    visits = crawl(browser, "/households/new", follow="links")
    assert visits["/households/new"].status == 403
