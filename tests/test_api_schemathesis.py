"""Schemathesis runs the whole JSON API from the committed OpenAPI document (app/api/openapi.json),
as every role with a token of every scope: no server error, and every answer (status code, content
type, body, headers) as the document says, for what the document allows and what it refuses.

Checks: all of Schemathesis's checks that apply to one call run (`call_and_validate` runs every
enabled check: not_a_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, response_headers_conformance, positive_data_acceptance,
negative_data_rejection, missing_required_header, ignored_auth, unsupported_method,
allow_header_conformance, and use_after_free / ensure_resource_availability, which need the
stateful phase's history and so pass here). What the configuration below changes, and why:

- positive_data_acceptance (schema-valid data is accepted) also accepts what depends on stored
  data or on the date, which no schema can say: for changes, 422 (a service's rule, such as a
  camp that must exist or a referral's state) and 412 (an If-Match that is not the latest
  version); for lists, 400 (a cursor Awda did not write); for figures, 422 (a period that has
  not ended yet). Reading a record or a list with any other query is never a 422.
- missing_required_header also accepts 428 Precondition Required, the answer RFC 6585 gives for
  a missing If-Match.

The world is built once per module (one database, one app): a database per example would make
the run last many minutes, and every answer must match the document whatever the world holds.
The rate limits are raised for this app only: a 429 would hide the answer under test (429 itself
is documented by every operation's default problem response).
"""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from flask.globals import _cv_app
from hypothesis import strategies as st

import config
from app import create_app
from app.access.roles import Role
from app.api import tokens
from app.api.core import OPENAPI_FILE
from app.extensions import db
from tests import databases
from tests.factories import (
    AgencyFactory,
    CampFactory,
    DistrictFactory,
    HouseholdFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    api_token,
    sent_referral,
)

LISTS = [
    "GET /api/v1/households",
    "GET /api/v1/referrals",
    "GET /api/v1/imports",
    "GET /api/v1/imports/{import_id}/problems",
]
DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # Schemathesis's own


def _settings() -> schemathesis.Config:
    """Every check on; what positive_data_acceptance also accepts where the document cannot
    say it (see the module's docstring)."""

    def accepting(*statuses: str) -> dict:
        return {"positive_data_acceptance": {"expected-statuses": [*DEFAULT, *statuses]}}

    missing_header = {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]}
    return schemathesis.Config.from_dict(
        {
            # Health checks judge the generator's speed and size, which a busy machine varies.
            "suppress-health-check": ["all"],
            "generation": {"max-examples": 25, "database": "none"},
            "checks": {"missing_required_header": missing_header},
            "operations": [
                {"exclude-method": "GET", "checks": accepting("412", "422")},
                {"include-name": LISTS, "checks": accepting("400")},
                {"include-name": "GET /api/v1/figures", "checks": accepting("422")},
            ],
        }
    )


SCHEMA = schemathesis.openapi.from_path(OPENAPI_FILE, config=_settings())
# Every role, and where it works: its team ("a" of MOMD, "b" of the NGO) or agency.
ROLES = {
    "admin": (Role.ADMIN, None),
    "supervisor_a": (Role.SUPERVISOR, "a"),
    "caseworker_a": (Role.CASEWORKER, "a"),
    "caseworker_b": (Role.CASEWORKER, "b"),
    "screener": (Role.SCREENER, None),
    "focal": (Role.AGENCY_FOCAL, "ngo"),
    "reporting": (Role.REPORTING_OFFICER, None),
    "auditor": (Role.AUDITOR, None),
    "records": (Role.RECORDS_OFFICER, None),
}
# Values naming records of the world, by parameter or body field (camps and places by code)
KNOWN: dict[str, list] = {
    "given_name_ar": ["فاطمة", "عمر"],
    "father_name_ar": ["أحمد"],
    "given_name_en": ["Fatima", "Omar"],
    "father_name_en": ["Ahmed"],
}
LATEST = "latest"  # an If-Match the test replaces with the record's version at the call


@SCHEMA.hook
def flatmap_headers(context, headers):
    """A generated If-Match is sometimes the record's latest version (put in at the call), so
    that a change goes through, not only a 412."""
    if "If-Match" not in (headers or {}):
        return st.just(headers)
    return st.sampled_from([headers, {**headers, "If-Match": LATEST}])


@pytest.fixture(scope="module")
def api_app(tmp_path_factory, template_database):
    """One app and one world for the module (see the module's docstring)."""
    tmp_path = tmp_path_factory.mktemp("schemathesis")
    with databases.fresh_database(tmp_path, template_database) as url:
        settings = config.TestingConfig()
        settings.SQLALCHEMY_DATABASE_URI = url
        settings.ATTACHMENTS_DIR = str(tmp_path / "attachments")
        settings.SQLALCHEMY_ENGINE_OPTIONS = {}
        settings.API_RATE_PER_TOKEN = settings.API_RATE_PER_ADDRESS = "100000 per minute"
        app = create_app(settings)
        with app.app_context():
            yield app, _world()
            db.session.remove()
            db.engine.dispose()


def _world() -> dict[str, str]:
    """Households of two teams of two agencies, referrals sent by team A to the NGO (whose focal
    point receives them), and a token of every scope for every role: {role: token}."""
    momd = AgencyFactory(code="MOMD")
    ngo = AgencyFactory(code="NGO", kind="ngo")
    teams = {"a": TeamFactory(agency=momd), "b": TeamFactory(agency=ngo)}
    users = {}
    for key, (role, where) in ROLES.items():
        agency = ngo if where in ("b", "ngo") else momd
        users[key] = UserFactory(
            username=key, role=role.value, team=teams.get(where), agency=agency
        )
    camp = CampFactory()
    ours = [
        HouseholdFactory(team=teams["a"], camp=camp, assigned_to=users["caseworker_a"])
        for _ in range(3)
    ]
    ours[0].members.append(MemberFactory(relationship="son", given_name_en="Omar", sex="M"))
    theirs = HouseholdFactory(team=teams["b"], camp=camp)
    first = sent_referral(ours[0], ngo, users["caseworker_a"])
    referrals = [first] + [
        sent_referral(h, ngo, users["caseworker_a"], first.service) for h in ours[1:]
    ]
    KNOWN["case_number"] = [h.case_number for h in [*ours, theirs]]
    KNOWN["referral_id"] = [r.id for r in referrals]
    KNOWN["camp"] = [camp.code]
    district = DistrictFactory()
    for side in ("origin", "destination"):
        KNOWN[f"{side}_governorate"] = [district.governorate.pcode]
        KNOWN[f"{side}_district"] = [district.pcode]
    found = {}
    for key, user in users.items():
        found[key] = api_token(user, tokens.SCOPES)  # beyond the role too: the policy decides
    db.session.commit()
    return found


def _pick(value, choices: list):
    """One of `choices`, or `value` itself, as the generated `value` decides (the same each
    time Hypothesis replays it)."""
    index = zlib.crc32(repr(value).encode()) % (len(choices) + 1)
    return choices[index - 1] if index else value


def _aim_fields(value) -> None:
    """The fields of a JSON body (and of the objects in it) named in KNOWN, now and then a
    record of the world."""
    if isinstance(value, list):
        for item in value:
            _aim_fields(item)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name in KNOWN and isinstance(item, str):
                value[name] = _pick(item, KNOWN[name])
            else:
                _aim_fields(item)


def _latest_version(app, case, headers: dict) -> str:
    """The version of the record the case changes, as its GET gives it (ETag or `version`)."""
    path = case.formatted_path.removesuffix("/commit").removesuffix("/cancel")
    response = app.test_client().get(case.operation.schema.get_full_path(path), headers=headers)
    body = response.get_json(silent=True) or {}
    return response.headers.get("ETag", "").strip('"') or str(body.get("version", ""))


def _aimed(app, case, headers: dict) -> None:
    """A case the document calls valid names records of the world now and then, and sends
    their latest version when the generated If-Match asks for it."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for name, value in (case.path_parameters or {}).items():
        if name in KNOWN:
            case.path_parameters[name] = _pick(value, KNOWN[name])
    _aim_fields(case.body)
    if (case.headers or {}).get("If-Match") == LATEST:
        case.headers["If-Match"] = f'"{_latest_version(app, case, headers)}"'


@pytest.mark.parametrize("role", sorted(ROLES))
@SCHEMA.parametrize()
def test_the_api_answers_as_its_document_says(api_app, role, case):
    app, found = api_app
    case.operation.schema.app = app  # the checks' own requests (ignored_auth) go to it too
    # Flask-Compress compresses for a client that accepts it; the WSGI transport would not
    # decode the body as an HTTP client does.
    headers = {"Authorization": f"Bearer {found[role]}", "Accept-Encoding": "identity"}
    outside = _cv_app.set(None)  # requests of their own, with their own `g`, not the test's
    try:
        _aimed(app, case, headers)
        case.call_and_validate(app=app, headers=headers)
    finally:
        _cv_app.reset(outside)
        db.session.rollback()


def test_every_role_is_tried():
    assert {role for role, _where in ROLES.values()} == set(Role)


def test_an_answer_over_the_rate_limit_is_as_documented(api_app):
    """The 429 a partner gets (a problem with Retry-After) is the one the document gives."""
    import sqlalchemy as sa

    from app.auth.models import User

    app, _found = api_app
    user = db.session.scalar(sa.select(User).where(User.username == "caseworker_a"))
    token, _row = tokens.create_token(user, "rate limited", ["account:read"])
    db.session.commit()
    case = SCHEMA["/api/v1/me"]["GET"].Case()
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    limit, app.config["API_RATE_PER_TOKEN"] = app.config["API_RATE_PER_TOKEN"], "1 per minute"
    outside = _cv_app.set(None)
    try:
        answers = [case.call(app=app, headers=headers) for _ in range(2)]
        case.validate_response(answers[1], headers=headers)
    finally:
        _cv_app.reset(outside)
        app.config["API_RATE_PER_TOKEN"] = limit
    assert [a.status_code for a in answers] == [200, 429]
    assert int(answers[1].headers["retry-after"][0]) > 0
