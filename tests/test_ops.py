"""What operators and attackers meet: health check, error pages, configuration, headers,
redirects after login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.http import parse_set_header

import config
from app import create_app
from app.extensions import db
from app.reference.models import Agency
from tests.conftest import Browser
from tests.factories import PASSWORD, HouseholdFactory

JSON = {"Accept": "application/json"}
SECRET_DETAIL = "secret-detail-7f3a"  # appears in exceptions, must never reach a response


def html(response) -> str:
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def assert_layout_page(response, status: int, message: str) -> None:
    body = html(response)
    assert response.status_code == status
    assert "<html lang=" in body
    assert f"Error {status}" in body
    assert message in body


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == status
    assert body["message"]


def settings_for(url: str) -> config.Config:
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    return settings


def agency_exists(code: str) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(Agency).where(Agency.code == code)) is not None


# --- health check -----------------------------------------------------------------------------


def test_healthz_answers_ok_without_login(browser):
    response = browser.get("/healthz")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_fails(browser, monkeypatch):
    def unreachable(*args, **kwargs):
        raise sa.exc.OperationalError(
            "SELECT 1", {}, Exception(f"could not connect to server 10.9.8.7: {SECRET_DETAIL}")
        )

    monkeypatch.setattr(db.session, "execute", unreachable)

    response = browser.get("/healthz")

    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] != "ok"
    body = response.get_data(as_text=True)
    assert SECRET_DETAIL not in body and "10.9.8.7" not in body and "SELECT" not in body


def test_healthz_answers_503_when_the_database_server_is_not_there():
    url = "postgresql+psycopg://awda:hunter2-pw@/awda?host=/nonexistent-awda-socket&port=1"
    app = create_app(settings_for(url))
    with app.app_context():
        response = Browser(app).get("/healthz")
        db.engine.dispose()

    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] != "ok"
    body = response.get_data(as_text=True)
    assert "hunter2" not in body and "nonexistent-awda-socket" not in body


# --- error pages ------------------------------------------------------------------------------


def test_404_is_a_page_in_the_layout_or_json(browser):
    assert_layout_page(browser.get("/no-such-page"), 404, "This page does not exist")
    assert_json_error(browser.get("/no-such-page", headers=JSON), 404)


def test_403_is_a_page_in_the_layout_or_json(login):
    reporting = login("reporting")

    assert_layout_page(reporting.get("/households/"), 403, "You do not have permission")
    assert_json_error(reporting.get("/households/", headers=JSON), 403)


def test_405_is_a_page_in_the_layout_or_json(login):
    caseworker = login("caseworker_a")

    assert_layout_page(caseworker.get("/logout"), 405, "This action is not allowed here")
    assert_json_error(caseworker.get("/logout", headers=JSON), 405)


def test_405_names_the_method_that_is_allowed(browser):
    """HTTP requires a 405 answer to say which methods the URL accepts (Allow header)."""
    response = browser.get("/logout")

    assert response.status_code == 405
    assert "POST" in parse_set_header(response.headers.get("Allow"))


def test_400_for_a_form_without_csrf_token_is_a_message_not_a_crash(browser, world):
    form = {"username": "admin", "password": PASSWORD}

    response = browser.post("/login", form, csrf=False)
    assert_layout_page(response, 400, "Your form expired or was sent twice")
    assert "CSRF token is missing" not in html(response)  # the user's words, not the library's

    assert_json_error(browser.post("/login", form, csrf=False, headers=JSON), 400)
    # And nobody was logged in by it.
    assert browser.get("/households/").status_code == 302


# --- 500: nothing shown, nothing saved -------------------------------------------------------


def add_failing_routes(app) -> None:
    """Throw-away views; Flask accepts new rules only before the app's first request."""

    def write_then_fail():
        db.session.add(Agency(code="BOOM", kind="ngo", name_en="Boom", name_ar="بوم"))
        db.session.flush()
        raise RuntimeError(f"unexpected state: {SECRET_DETAIL}")

    def duplicate_at_flush():
        db.session.add(Agency(code="BOOM", kind="ngo", name_en="Boom", name_ar="بوم"))
        db.session.add(Agency(code="MOMD", kind="ngo", name_en=SECRET_DETAIL, name_ar="x"))
        db.session.flush()
        return "saved"

    def duplicate_at_commit():
        db.session.add(Agency(code="BOOM", kind="ngo", name_en="Boom", name_ar="بوم"))
        db.session.add(Agency(code="MOMD", kind="ngo", name_en=SECRET_DETAIL, name_ar="x"))
        return "saved"

    app.add_url_rule("/boom", view_func=write_then_fail)
    app.add_url_rule("/boom-flush", view_func=duplicate_at_flush)
    app.add_url_rule("/boom-commit", view_func=duplicate_at_commit)


def assert_nothing_leaks(response) -> None:
    body = response.get_data(as_text=True)
    for leak in (SECRET_DETAIL, "Traceback", "RuntimeError", "IntegrityError", "INSERT", "UNIQUE"):
        assert leak not in body, leak


@pytest.mark.parametrize("who", ["anonymous", "caseworker_a"])
def test_500_shows_no_detail_and_rolls_back_what_the_request_wrote(app, world, make_browser, who):
    add_failing_routes(app)
    browser = make_browser()
    if who != "anonymous":
        browser.login(world.user(who))

    response = browser.get("/boom")

    assert_layout_page(response, 500, "Nothing was saved")
    assert_nothing_leaks(response)
    assert not agency_exists("BOOM")

    response = browser.get("/boom", headers=JSON)

    assert_json_error(response, 500)
    assert_nothing_leaks(response)
    assert not agency_exists("BOOM")


def test_500_for_a_database_error_shows_no_sql(app, world, browser):
    add_failing_routes(app)

    response = browser.get("/boom-flush")

    assert_layout_page(response, 500, "Nothing was saved")
    assert_nothing_leaks(response)
    assert not agency_exists("BOOM")
    assert browser.get("/healthz").status_code == 200  # the next request is served normally


def test_500_when_the_final_commit_fails_as_in_production(app, world, browser):
    """A write the database refuses only at commit, after the view has answered."""
    add_failing_routes(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as outside the testing profile

    response = browser.get("/boom-commit")

    assert_layout_page(response, 500, "Nothing was saved")
    assert_nothing_leaks(response)
    assert not agency_exists("BOOM")


# --- configuration ----------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "AWDA_ENV", "DATABASE_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_secret_key(clean_env, value):
    if value is not None:
        clean_env.setenv("SECRET_KEY", value)

    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load("production")
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        create_app("production")


def test_production_is_the_default_profile(clean_env):
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load()


def test_production_starts_with_secret_key_and_strict_cookies(clean_env):
    clean_env.setenv("SECRET_KEY", "k" * 64)

    settings = config.load("production")

    assert settings.SECRET_KEY == "k" * 64
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.TESTING is False


@pytest.mark.parametrize("profile", ["development", "testing"])
def test_development_and_testing_start_without_secret_key(clean_env, profile):
    settings = config.load(profile)

    assert settings.SECRET_KEY
    assert profile == settings.ENV_NAME


def test_development_profile_chosen_by_awda_env(clean_env):
    clean_env.setenv("AWDA_ENV", "development")

    assert config.load().ENV_NAME == "development"


def test_unknown_awda_env_is_refused(clean_env):
    clean_env.setenv("AWDA_ENV", "staging")
    clean_env.setenv("SECRET_KEY", "k" * 64)

    with pytest.raises(config.ConfigError, match="staging"):
        config.load()


def test_database_url_is_read_from_the_environment_at_load_time(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "k" * 64)
    assert config.load("production").SQLALCHEMY_DATABASE_URI == config.DEFAULT_DATABASE_URL

    first = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    clean_env.setenv("DATABASE_URL", first)
    assert first == config.load("production").SQLALCHEMY_DATABASE_URI

    second = "postgresql+psycopg://awda@db.internal/awda"
    clean_env.setenv("DATABASE_URL", second)
    assert second == config.load("production").SQLALCHEMY_DATABASE_URI
    assert second == config.load("development").SQLALCHEMY_DATABASE_URI


def test_production_session_cookie_is_secure_httponly_and_samesite(world, database_url):
    settings = settings_for(database_url)
    settings.SESSION_COOKIE_SECURE = True  # what production has unless told otherwise
    app = create_app(settings)
    browser = Browser(app)

    try:
        response = browser.login(world.caseworker_a)
    finally:
        with app.app_context():
            db.engine.dispose()

    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags


# --- headers ----------------------------------------------------------------------------------

ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


def assert_strict_headers(response) -> None:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, "no Content-Security-Policy"
    directives = {}
    for directive in filter(None, (d.strip() for d in policy.split(";"))):
        name, *sources = directive.split()
        directives[name] = sources
        assert set(sources) <= ALLOWED_SOURCES, directive  # no other host, nothing unsafe
    assert directives.get("default-src") == ["'self'"]
    assert "script-src" in directives or "default-src" in directives
    assert directives.get("frame-ancestors") == ["'none'"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_security_headers_on_pages_for_everyone(app, world, browser, login):
    household = HouseholdFactory(
        team=world.team_a, camp=world.camp, origin_governorate=world.ninewa
    )
    caseworker = login("caseworker_a")
    reporting = login("reporting")
    html_pages = [
        browser.get("/login"),
        browser.get("/no-such-page"),
        caseworker.get("/households/"),
        caseworker.get(f"/households/{household.id}"),
        caseworker.get(f"/households/{household.id}/edit"),
        reporting.get("/households/"),
    ]
    assert [r.status_code for r in html_pages] == [200, 404, 200, 200, 200, 403]

    for response in html_pages:
        assert_strict_headers(response)
        assert "no-store" in response.headers.get("Cache-Control", ""), response.request.path
    for response in (browser.get("/healthz"), browser.get("/no-such-page", headers=JSON)):
        assert_strict_headers(response)


# --- login and logout -------------------------------------------------------------------------


def login_with_next(browser, user, target: str):
    browser.get("/login", query_string={"next": target})
    return browser.post(
        "/login",
        {"username": user.username, "password": PASSWORD},
        query_string={"next": target},
    )


def is_local(location: str) -> bool:
    """A path on this site, as a browser would read it (browsers drop tabs and newlines and
    take a backslash for a slash)."""
    seen = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/")
    parts = urlsplit(seen)
    return seen.startswith("/") and not seen.startswith("//") and not parts.netloc


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "///evil.example",
        "/\t/evil.example",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_ignores_a_next_that_leaves_the_site(make_browser, world, target):
    response = login_with_next(make_browser(), world.caseworker_a, target)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert is_local(location), location
    assert "evil" not in location and "javascript" not in location
    assert location == "/"


def test_login_follows_a_local_next(make_browser, world):
    browser = make_browser()

    response = login_with_next(browser, world.caseworker_a, "/households/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/households/"
    assert browser.get("/households/").status_code == 200


def test_login_brings_the_user_back_to_the_page_they_asked_for(make_browser, world):
    browser = make_browser()

    sent = browser.get("/households/", query_string={"stage": "vetting"})
    assert sent.status_code == 302
    login_page = sent.headers["Location"]
    assert urlsplit(login_page).path == "/login"
    browser.get(login_page)
    response = browser.post(
        login_page, {"username": world.caseworker_a.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/households/?stage=vetting"


def test_logout_by_get_is_refused_and_the_user_stays_logged_in(login):
    browser = login("caseworker_a")

    assert browser.get("/logout").status_code == 405
    assert browser.get("/households/").status_code == 200


def test_logout_without_csrf_token_is_refused(login):
    """Another site cannot log the user out with a form of its own."""
    browser = login("caseworker_a")

    assert browser.post("/logout", csrf=False).status_code == 400
    assert browser.get("/households/").status_code == 200


def test_logout_by_post_ends_the_session(login):
    browser = login("caseworker_a")

    response = browser.post("/logout")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    after = browser.get("/households/")
    assert after.status_code == 302
    assert urlsplit(after.headers["Location"]).path == "/login"
    assert "You have logged out" in browser.get("/login").get_data(as_text=True)


def test_a_session_cookie_copied_before_logout_is_dead_after_logout(app, login):
    """Someone who copied the cookie (shared computer, proxy log) cannot use it after logout."""
    browser = login("caseworker_a")
    copied = browser.client.get_cookie("session").value
    assert browser.post("/logout").status_code == 302

    thief = Browser(app)
    thief.client.set_cookie("session", copied)
    response = thief.get("/households/")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
