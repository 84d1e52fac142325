"""Fixtures: an app on a fresh database per test, a browser-like client, and a small world of
teams and users of every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask.globals import _cv_app

import config
from app import create_app
from app.access.roles import Role
from app.extensions import db
from tests import databases
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    BatchFactory,
    CampFactory,
    DistrictFactory,
    GovernorateFactory,
    TeamFactory,
    UserFactory,
)

CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


@pytest.fixture(scope="session")
def template_database() -> Iterator[str | None]:
    if databases.server_url() is None:
        yield None
        return
    with databases.postgres_template() as name:
        yield name


@pytest.fixture
def database_url(tmp_path, template_database) -> Iterator[str]:
    with databases.fresh_database(tmp_path, template_database) as url:
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    settings.ATTACHMENTS_DIR = str(tmp_path / "attachments")  # a test's files, its own
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class Browser:
    """A test client that carries the CSRF token like a browser does, from form to form."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token: str | None = None

    def get(self, url: str, **kwargs):
        return self._send(self.client.get, url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            if self.token is None:
                self.get("/login")
            data["csrf_token"] = self.token
        return self._send(self.client.post, url, data=data, **kwargs)

    def save_household(self, url: str, data: dict):
        """Post a household form as a person who reads the possible duplicates it shows, then
        saves again (naming the candidates seen); again if others registered more meanwhile."""
        response = self.post(url, data)
        for _ in range(3):
            seen = re.search(r'name="duplicates_seen" value="([\d,]*)"', response.get_data(True))
            if response.status_code != 200 or not seen:
                break
            response = self.post(url, {**data, "duplicates_seen": seen.group(1)})
        return response

    def _send(self, method, url: str, **kwargs):
        """Send a request in an app context of its own, as a real server would: its own
        database session and its own `g`, not the test's."""
        token = _cv_app.set(None)
        try:
            response = method(url, **kwargs)
        finally:
            _cv_app.reset(token)
        db.session.expire_all()  # what the test holds may have changed in the request
        self._remember_token(response)
        return response

    def login(self, user, password: str = PASSWORD):
        self.get("/login")
        response = self.post("/login", {"username": user.username, "password": password})
        assert response.status_code == 302, f"login of {user.username} failed"
        # Login starts a new session, and with it a new CSRF token: read it as a browser would
        # from the next page it opens.
        self.get("/account")
        return response

    def _remember_token(self, response) -> None:
        if response.mimetype == "text/html":
            match = CSRF_FIELD.search(response.get_data(as_text=True))
            if match:
                self.token = next(g for g in match.groups() if g)


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app)


@pytest.fixture
def make_browser(app):
    return lambda: Browser(app)


@dataclass
class World:
    """Two teams in the reception centre and one user of every role."""

    team_a: object
    team_b: object
    camp: object
    centre: object
    batch: object
    ninewa: object
    mosul: object
    telafar: object
    anbar: object
    ramadi: object
    admin: object
    supervisor_a: object
    supervisor_b: object
    caseworker_a: object
    caseworker_a2: object
    caseworker_b: object
    screener: object
    focal: object
    reporting: object

    def user(self, role_key: str):
        return getattr(self, role_key)


@pytest.fixture
def world(app) -> World:
    return build_world()


def build_world() -> World:
    """The teams, places and users of `World`, written in the current app's database."""
    momd = AgencyFactory(code="MOMD", name_en="Ministry of Migration and Displacement")
    ngo = AgencyFactory(code="NGO", kind="ngo")
    team_a = TeamFactory(name="Team A", agency=momd)
    team_b = TeamFactory(name="Team B", agency=ngo)
    camp = CampFactory(code="ALHOL", name_en="al-Hol", name_ar="الهول")
    centre = CampFactory(code="JEDDAH1", country="IQ", is_centre=True, name_en="Jeddah-1")
    ninewa = GovernorateFactory(iso_code="IQ-NI", pcode="IQG15", name_en="Ninewa", name_ar="نينوى")
    anbar = GovernorateFactory(iso_code="IQ-AN", pcode="IQG01", name_en="Anbar", name_ar="الأنبار")

    def staff(username: str, role: Role, team=None, agency=momd):
        return UserFactory(username=username, role=role.value, team=team, agency=agency)

    return World(
        team_a=team_a,
        team_b=team_b,
        camp=camp,
        centre=centre,
        batch=BatchFactory(number="B-2026-01", origin_camp=camp, destination_camp=centre),
        ninewa=ninewa,
        mosul=DistrictFactory(governorate=ninewa, pcode="IQG15Q05", name_en="Mosul"),
        telafar=DistrictFactory(governorate=ninewa, pcode="IQG15Q08", name_en="Telafar"),
        anbar=anbar,
        ramadi=DistrictFactory(governorate=anbar, pcode="IQG01Q03", name_en="Ramadi"),
        admin=staff("admin", Role.ADMIN),
        supervisor_a=staff("supervisor.a", Role.SUPERVISOR, team_a),
        supervisor_b=staff("supervisor.b", Role.SUPERVISOR, team_b, ngo),
        caseworker_a=staff("caseworker.a", Role.CASEWORKER, team_a),
        caseworker_a2=staff("caseworker.a2", Role.CASEWORKER, team_a),
        caseworker_b=staff("caseworker.b", Role.CASEWORKER, team_b, ngo),
        screener=staff("screener", Role.SCREENER),
        focal=staff("focal", Role.AGENCY_FOCAL, agency=ngo),
        reporting=staff("reporting", Role.REPORTING_OFFICER),
    )


@pytest.fixture
def login(make_browser, world):
    """login("caseworker_a") -> a Browser logged in as that user of the world."""

    def _login(role_key: str) -> Browser:
        browser = make_browser()
        browser.login(world.user(role_key))
        return browser

    return _login
