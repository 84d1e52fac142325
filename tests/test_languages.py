"""Languages: the browser's for the login page, a switch on every page, the user's own after.

Arabic pages are right to left; Kurdish (Sorani) or any other language arrives with its catalog
and nothing else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

import config
from app import create_app
from app.auth.models import User
from app.core.dates import local_today, start_of_local_day
from app.extensions import db
from tests.factories import HouseholdFactory

HTML_TAG = re.compile(r"<html lang=\"(\w+)\" dir=\"(\w+)\">")


def _language_of(response) -> tuple[str, str]:
    match = HTML_TAG.search(response.get_data(as_text=True))
    assert match, "no <html> tag with lang and dir"
    return match.group(1), match.group(2)


def test_the_login_page_speaks_the_browsers_language(make_browser):
    browser = make_browser()
    arabic = browser.get("/login", headers={"Accept-Language": "ar-IQ,ar;q=0.9,en;q=0.5"})
    assert _language_of(arabic) == ("ar", "rtl")
    assert "تسجيل الدخول" in arabic.get_data(as_text=True)
    english = make_browser().get("/login", headers={"Accept-Language": "en-GB"})
    assert _language_of(english) == ("en", "ltr")


def test_the_switch_on_the_login_page_is_kept_by_this_browser(make_browser):
    browser = make_browser()
    page = browser.get("/login").get_data(as_text=True)
    assert 'name="language" value="ar"' in page and "العربية" in page
    response = browser.post("/language", {"language": "ar", "next": "/login"})
    assert response.status_code == 303 and response.location == "/login"
    assert _language_of(browser.get("/login", headers={"Accept-Language": "en"})) == ("ar", "rtl")


def test_a_language_picked_on_the_login_page_becomes_the_users(world, make_browser):
    browser = make_browser()
    browser.post("/language", {"language": "ar", "next": "/login"})
    browser.login(world.caseworker_a)
    assert _language_of(browser.get("/households/")) == ("ar", "rtl")
    db.session.expire_all()
    assert db.session.get(User, world.caseworker_a.id).locale == "ar"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_the_switch_never_sends_anyone_to_another_host(make_browser, target):
    response = make_browser().post("/language", {"language": "ar", "next": target})
    assert response.status_code == 303 and response.location == "/"


def test_an_unknown_language_changes_nothing(world, login):
    browser = login("caseworker_a")
    assert browser.post("/language", {"language": "xx", "next": "/account"}).status_code == 303
    assert db.session.get(User, world.caseworker_a.id).locale == "en"


def test_a_users_choice_is_theirs_on_every_device(world, login, make_browser):
    browser = login("caseworker_a")
    response = browser.post("/language", {"language": "ar", "next": "/households/?stage=vetting"})
    assert response.location == "/households/?stage=vetting"
    page = browser.get("/households/")
    assert _language_of(page) == ("ar", "rtl")
    assert 'value="en"' in page.get_data(as_text=True) and "English" in page.get_data(as_text=True)
    elsewhere = login("caseworker_a")  # a new login on another browser
    assert _language_of(elsewhere.get("/households/", headers={"Accept-Language": "en"})) == (
        "ar",
        "rtl",
    )
    db.session.expire_all()
    assert db.session.get(User, world.caseworker_a.id).locale == "ar"


def test_dates_follow_the_language(world, login):
    household = HouseholdFactory(team=world.team_a, assigned_to=world.caseworker_a)
    household.updated_at = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    world.caseworker_a.locale = "ar"
    db.session.commit()
    arabic = login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    assert "3\u200f/11\u200f/2026" in arabic and "Nov" not in arabic  # day/month/year, marked RTL
    world.caseworker_a.locale = "en"
    db.session.commit()
    english = login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    assert "Nov 3, 2026" in english


def test_a_new_catalog_is_a_new_language(tmp_path, database_url):
    """Sorani Kurdish, right to left, from nothing but its catalog."""
    catalog = Catalog(locale="ckb")
    catalog.add("Log in", "چوونەژوورەوە")
    folder = tmp_path / "ckb" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text("")  # its presence names the language
    with (folder / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    settings.BABEL_TRANSLATION_DIRECTORIES = f"translations;{tmp_path}"
    app = create_app(settings)
    assert app.config["LANGUAGES"] == ("en", "ar", "ckb")
    client = app.test_client()
    with app.app_context():
        page = client.get("/login", headers={"Accept-Language": "ckb"})
        assert _language_of(page) == ("ckb", "rtl")
        text = page.get_data(as_text=True)
        assert "چوونەژوورەوە" in text and "کوردیی ناوەندی" not in text  # not offered to itself
        assert "العربية" in text and "English" in text


def test_exports_speak_the_readers_language(world, login):
    last_month = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    household = HouseholdFactory(team=world.team_a)
    household.created_at = start_of_local_day(last_month) + timedelta(hours=10)
    world.reporting.locale = "ar"
    db.session.commit()
    response = login("reporting").get(
        f"/reports/download/csv?unit=persons&rows=sex&period={last_month:%Y-%m}"
    )
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[lines.index("") + 1] == "الجنس,المجموع"  # the table, after what the file is


def test_a_template_drawn_in_another_language_inside_a_request_speaks_that_language(app):
    """Templates translate through the catalog put in their context when drawn (one look-up a
    page): a page drawn under `force_locale`, as a message in its recipient's language would
    be, speaks that language, and the request's own pages keep theirs, plurals included."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = "{{ _('Households') }}|{{ ngettext('%(num)d household', '%(num)d households', 3) }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(page) == "Households|3 households"
        with force_locale("ar"):
            arabic = render_template_string(page)
        assert arabic.split("|")[0] == "الأسر"
        assert arabic.split("|")[1] == "3 أسر"
        assert render_template_string(page) == "Households|3 households"
