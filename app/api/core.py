"""The API's frame: flask-smorest (chosen because it builds on the app factory and blueprints
Awda already has, validates with marshmallow and writes the OpenAPI document from the code),
bearer-token authentication, scopes, and errors as RFC 9457 problem details.

Every API request must carry `Authorization: Bearer <token>`; a browser's session cookie is
never enough (so no page's session can be used to call the API across sites). The token's
user is then the current user, and the access policy decides as it does for the pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import LazyString, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Api, Blueprint, abort
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import Forbidden

from app.access import Action, can, require
from app.core.errors import MESSAGES, PROBLEM_LANGUAGE
from app.core.locks import lock_rows
from app.core.text import clean
from app.extensions import db, login_manager

from . import tokens
from .limits import init_limits
from .schemas import Problem

API_PREFIX = "/api/v1"
OPENAPI_FILE = Path(__file__).with_name("openapi.json")  # committed; `flask api spec` writes it
PROBLEM_TYPE = "application/problem+json"


class CleanParser(FlaskParser):
    """webargs' parser, every text a request sends read through `app.core.text.clean` once the
    schema has accepted it as sent (lengths are those of the document), as every form field is:
    no NUL, control character or direction mark reaches a service or the database (PostgreSQL
    refuses a NUL outright). Body text keeps its line breaks; a query's does not."""

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        parsed = super().parse(argmap, req, location=location, **kwargs)
        return cleaned(parsed, (location or self.location) not in ("query", "querystring"))

    def load_querystring(self, req, schema):
        """The query's parameters, a parameter the schema reads as one value sent more than
        once refused (422, naming it): webargs would take the first without a word. A
        parameter documented as a list (a `List` field) may repeat."""
        found = super().load_querystring(req, schema)
        refused = repeated(req.args, schema, found.multiple_keys)
        if refused:
            raise ma.ValidationError(refused)
        return found

    def _raw_load_json(self, req):
        """A body sent as something other than JSON is refused (415), never read as `{}`; a
        body nested too deep to read is invalid JSON, not a server error."""
        if req.get_data(cache=True) and not is_json_request(req):
            abort(415, message=str(_l("Send the body as JSON (Content-Type: application/json).")))
        try:
            return super()._raw_load_json(req)
        except RecursionError as deep:
            return self._handle_invalid_json_error(deep, req)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        message = str(_l("The body is not valid JSON."))
        abort(400, message=message, errors={"json": [message]})


def repeated(sent: MultiDict, schema: ma.Schema, lists: set[str]) -> dict[str, list[str]]:
    """{name: [message]} for each field of `schema` that `sent` (a query or form) holds more
    than once though it takes one value (`lists`: the names that take a list)."""
    names = {field.data_key or name for name, field in schema.fields.items()} - lists
    return {
        name: [str(_l("Send %(name)s once: it takes a single value.", name=name))]
        for name in sorted(names)
        if len(sent.getlist(name)) > 1
    }


def cleaned(value, multiline: bool):
    """`value` with every string in it cleaned (keys are checked by the schemas)."""
    if isinstance(value, str):
        return clean(value, multiline)
    if isinstance(value, list):
        return [cleaned(item, multiline) for item in value]
    if isinstance(value, dict):
        return {key: cleaned(item, multiline) for key, item in value.items()}
    return value


PARSER = CleanParser()  # the blueprints' ARGUMENTS_PARSER


class AwdaApi(Api):
    """flask-smorest's Api, leaving error responses to `app.core.errors`, which answers every
    request under /api/ with problem details (its own handler would answer the pages' errors
    in JSON too)."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        """flask-smorest's error responses, documented as what they are: problem details."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_TYPE
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"
        for name, (description, headers) in COMMON_RESPONSES.items():
            content = {PROBLEM_TYPE: {"schema": self.ERROR_SCHEMA}}
            response = {"description": description, "content": content, "headers": headers}
            self.spec.components.response(name, response, lazy=True)

    def register_blueprint(self, blp, **options) -> None:
        """Register `blp`, its error responses (`alt_response` without a content type)
        documented as problem details, and the answers every operation shares (If-Match where
        it answers 428, 401 and 429) documented on each."""
        if _problem_details not in blp._prepare_doc_cbks:
            blp._prepare_doc_cbks.insert(0, _problem_details)
            blp._prepare_doc_cbks.append(_shared_answers)  # after the query's parameters
        super().register_blueprint(blp, **options)


def _problem_details(doc: dict, doc_info: dict, **_kwargs) -> dict:
    """Before flask-smorest documents an operation: a 4xx or 5xx response that names no
    content type is answered as problem details (`app.core.errors.problem`)."""
    for status, responses in doc_info.get("response", {}).get("responses", {}).items():
        if str(status).isdigit() and int(status) >= 400:
            for response in responses:
                if isinstance(response, dict) and response.get("content_type") is None:
                    response["content_type"] = PROBLEM_TYPE
    return doc


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": "\\S"},
    "description": "the version read last (its ETag or `version`): 412 when it is not the latest",
}


def _header(description: str, schema: dict) -> dict:
    return {"description": description, "required": True, "schema": schema}


# Answers every API operation may give: no valid token (unless the operation documents its
# own 401) and a rate limit reached (app.api.limits), each with the header that says more.
COMMON_RESPONSES = {
    "UNAUTHENTICATED": (
        "No valid token",
        {"WWW-Authenticate": _header("how to authenticate", {"type": "string"})},
    ),
    "RATE_LIMITED": (
        "Too many requests",
        {"Retry-After": _header("seconds to wait", {"type": "integer", "minimum": 0})},
    ),
    "NOT_JSON": ("The body was not sent as JSON", {}),
}


def _shared_answers(doc: dict, doc_info: dict, **_kwargs) -> dict:
    """An operation that answers 428 (If-Match is missing) documents If-Match as required; every
    operation documents the common responses it does not document itself."""
    responses = doc.setdefault("responses", {})
    if "428" in {str(status) for status in responses}:
        doc.setdefault("parameters", []).append(IF_MATCH)
    shared = [(401, "UNAUTHENTICATED"), (429, "RATE_LIMITED")]
    if "application/json" in doc.get("requestBody", {}).get("content", {}):
        shared.append((415, "NOT_JSON"))
    for status, name in shared:
        if str(status) not in {str(code) for code in responses}:
            responses[status] = name
    return doc


SECURITY = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "awda_<token>"},
    # A machine client's token (app.api.oauth), sent as a bearer token like a personal one.
    "clientCredentials": {
        "type": "oauth2",
        "flows": {
            "clientCredentials": {
                "tokenUrl": f"{API_PREFIX}/oauth/token",
                "scopes": {scope: str(label) for scope, label in tokens.SCOPES.items()},
            }
        },
    },
}


def init_api(app) -> AwdaApi:
    """The API of `app` (one per app: flask-smorest keeps its OpenAPI document per instance),
    with its blueprints registered."""
    from . import figures, imports, referrals  # noqa: F401  (their routes join the blueprint)
    from .oauth import init_oauth
    from .routes import bp

    app.config.update(
        API_TITLE="Awda",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": SECURITY},
            "security": [{"bearerAuth": []}, {"clientCredentials": []}],
            "info": {"description": "Awda's API for partner systems: see the README."},
        },
    )
    found = AwdaApi(app)
    found.register_blueprint(bp)
    init_oauth(app, found)  # the token endpoint of machine clients, outside `authenticate`
    init_limits(app)
    app.extensions["awda_api"] = found
    app.extensions[PROBLEM_LANGUAGE] = token_language
    return found


def _presented() -> str | None:
    """The bearer token the request presents, if any."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return presented.strip() if scheme.lower() == "bearer" else None


def authenticate() -> None:
    """Before every API request: the bearer token's user becomes the current user, or 401."""
    presented = _presented()
    found = tokens.authenticate(presented) if presented is not None else None
    if found is None:
        abort(
            401,
            message=str(_l("Give a valid personal access token: Authorization: Bearer <token>.")),
            headers={"WWW-Authenticate": 'Bearer realm="awda"'},
        )
    g.api_token = found
    login_manager._update_request_context_with_user(found.user)
    refresh()  # messages in the token user's language, not the one guessed before


def token_language() -> str | None:
    """The language of the live token's user, for a problem answered before `authenticate`
    ran (a URL that matches no rule, a method its rule does not take: the blueprint's
    functions never run); None once it has (the request speaks it already: no second
    database read), or without a live token."""
    if "api_token" in g:
        return None
    presented = _presented()
    found = tokens.live(presented) if presented else None
    language = found.user.locale if found else None
    return language if language in current_app.config["LANGUAGES"] else None


# What Flask-Compress adds to an ETag it compresses ("3:br"): the same version of the record.
_CODINGS = (":br", ":gzip", ":deflate", ":zstd")


def if_match(missing: str) -> set[str]:
    """The versions the request's `If-Match` names (RFC 9110 section 13.1.1: a list of strong
    entity tags, or `*`), each without its quotes and any compression suffix; 428 with the
    message `missing` when there is none. A weak tag (`W/"3"`) never matches, as the RFC says."""
    sent = request.headers.get("If-Match", "").strip()
    if not sent:
        abort(428, message=missing)
    tags = set()
    for tag in (part.strip().strip('"') for part in sent.split(",")):
        if tag and not tag.startswith("W/"):
            tags.add(next((tag.removesuffix(c) for c in _CODINGS if tag.endswith(c)), tag))
    return tags


def at_version(row, version_of: Callable[[Any], str], missing: str, stale: str) -> None:
    """Go on only if `If-Match` names `row`'s version (`version_of(row)`), compared while the
    row is locked: 428 (`missing`) without If-Match, 412 (`stale`, with the current version
    as ETag) when it is older. Of two writers holding one version, one goes on."""
    expected = if_match(missing)
    model = type(row)
    lock_rows(sa.select(model.id).where(model.id == row.id))
    db.session.refresh(row)
    if "*" not in expected and version_of(row) not in expected:
        abort(412, message=stale, headers={"ETag": f'"{version_of(row)}"'})


def needs(scope: str, *actions: Action, refused: LazyString | None = None):
    """The guard of an operation, placed above its `bp.arguments` so that it runs before the
    query or body is read (a caller without the right learns nothing from a 422): 403 unless
    the token holds `scope`, then 403 unless one of the user's roles may take one of
    `actions` (the access policy's refusal, audited; told as `refused` when given). Record by
    record, the operation still asks the policy. Raises ValueError, when the operation is
    declared, for an action that `scope` does not stand for (`tokens.SCOPE_ACTIONS`, from
    which the token form offers scopes)."""
    unlisted = set(actions) - tokens.SCOPE_ACTIONS[scope]
    if unlisted:
        raise ValueError(f"{scope} does not stand for {sorted(unlisted)}")

    def guard(view: Callable) -> Callable:
        @functools.wraps(view)  # keeps flask-smorest's documentation of the operation
        def guarded(*args, **kwargs):
            if scope not in g.api_token.scope_set:
                abort(403, message=str(_l("This token lacks the scope %(scope)s.", scope=scope)))
            if actions and not any(can(current_user, action) for action in actions):
                _refuse(actions[0], refused)
            return view(*args, **kwargs)

        # The OpenAPI document names the scope each operation needs (OpenAPI 3.1 allows scopes
        # on a bearer scheme too), so that a partner asks for no more than it uses.
        security = [{"bearerAuth": [scope]}, {"clientCredentials": [scope]}]
        return Blueprint.doc(security=security)(guarded)

    return guard


def _refuse(action: Action, refused: LazyString | None) -> NoReturn:
    """The policy's 403 for `action` (audited there), told as `refused` when given."""
    try:
        require(current_user, action)
    except Forbidden:
        abort(403, message=str(refused or MESSAGES[403]))
    raise AssertionError("require() let through an action can() refused")
