"""A body far over an upload page's limit is refused unread, and the page says so beside its
file field (`core.uploads.answer_too_large`); anywhere else the plain 413 answers."""

from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from tests.factories import HouseholdFactory

MB = 1024 * 1024


@pytest.fixture
def household(world):
    found = HouseholdFactory(team=world.team_a, camp=world.camp, assigned_to=world.caseworker_a)
    db.session.commit()
    return found


# (role, setting, URL of the upload page, its file field)
PAGES = {
    "imports": ("supervisor_a", "IMPORT_MAX_MB", "/imports/new", "list_file"),
    "watch lists": ("screener", "IMPORT_MAX_MB", "/watchlist/load", "list_file"),
    "attachments": (
        "caseworker_a",
        "ATTACHMENT_MAX_MB",
        "/households/{household}/attachments/new",
        "upload",
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_body_far_over_the_limit_is_told_beside_the_file_field(app, login, household, page):
    role, setting, url, field = PAGES[page]
    app.config[setting] = 1
    browser = login(role)
    body = {field: (io.BytesIO(b"x" * (3 * MB)), "far.csv")}
    answer = browser.post(
        url.format(household=household.id), body, content_type="multipart/form-data"
    )
    assert answer.status_code == 413
    text = answer.get_data(as_text=True)
    assert re.search(rf'id="{field}-errors">\s*<li>', text), text[:500]


def test_elsewhere_a_body_too_large_gets_the_plain_page(app, login):
    browser = login("caseworker_a")
    answer = browser.post("/account", {"x": "y" * (3 * MB)})
    assert answer.status_code == 413 and "too large" in answer.get_data(as_text=True)
