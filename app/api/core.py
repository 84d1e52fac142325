"""The API's frame: flask-smorest (chosen because it builds on the app factory and blueprints
Awda already has, validates with marshmallow and writes the OpenAPI document from the code),
bearer-token authentication, scopes, and errors as RFC 9457 problem details.

Every API request must carry `Authorization: Bearer <token>`; a browser's session cookie is
never enough (so no page's session can be used to call the API across sites). The token's
user is then the current user, and the access policy decides as it does for the pages.
"""

from __future__ import annotations

from pathlib import Path

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_smorest import Api, abort

from app.extensions import login_manager

from . import tokens
from .limits import limiter
from .schemas import Problem

API_PREFIX = "/api/v1"
OPENAPI_FILE = Path(__file__).with_name("openapi.json")  # committed; `flask api spec` writes it
PROBLEM_TYPE = "application/problem+json"


class AwdaApi(Api):
    """flask-smorest's Api, leaving error responses to `app.core.errors`, which answers every
    request under /api/ with problem details (its own handler would answer the pages' errors
    in JSON too)."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None


SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "awda_<token>"}}


def init_api(app) -> AwdaApi:
    """The API of `app` (one per app: flask-smorest keeps its OpenAPI document per instance),
    with its blueprints registered."""
    from . import referrals  # noqa: F401  (its routes join the blueprint)
    from .routes import bp

    app.config.update(
        API_TITLE="Awda",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": SECURITY},
            "security": [{"bearerAuth": []}],
            "info": {"description": "Awda's API for partner systems: see the README."},
        },
    )
    found = AwdaApi(app)
    found.register_blueprint(bp)
    limiter.init_app(app)
    app.extensions["awda_api"] = found
    return found


def authenticate() -> None:
    """Before every API request: the bearer token's user becomes the current user, or 401."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    found = tokens.authenticate(presented.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        abort(
            401,
            message=str(_l("Give a valid personal access token: Authorization: Bearer <token>.")),
            headers={"WWW-Authenticate": 'Bearer realm="awda"'},
        )
    g.api_token = found
    login_manager._update_request_context_with_user(found.user)
    refresh()  # messages in the token user's language, not the one guessed before


def require_scope(scope: str) -> None:
    """403 unless the request's token has `scope`."""
    if scope not in g.api_token.scope_set:
        abort(403, message=str(_l("This token lacks the scope %(scope)s.", scope=scope)))
