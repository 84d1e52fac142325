"""OAuth2 client credentials (RFC 6749 §4.4) for machine clients, through Authlib's
authorization server: `POST /api/v1/oauth/token`.

A machine client (`ApiClient`, made with `flask api-client create`) authenticates with its
client_id and secret, by HTTP Basic (client_secret_basic) or in the form (client_secret_post),
may ask for `scope` (a subset of its own; all of them when it asks for none), and gets a bearer
token of an hour. The token is kept by its hash as an `ApiToken` of the user the client acts
as, so the API's `authenticate` takes it like a personal token and the access policy decides
for that user exactly as for their pages.

The endpoint answers errors as OAuth2 does (RFC 6749 §5.2: `{"error": "invalid_client",
"error_description": …}`), which every client's OAuth library reads, not as problem details:
Authlib writes the response itself, so no HTTPException reaches `app.core.errors`. An unknown
client, a wrong secret and a revoked client get the same 401, so that the answer does not say
which client ids exist.
"""

from __future__ import annotations

import marshmallow as ma
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.authenticate_client import authenticate_client_secret_basic
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import current_app, g, request
from flask import request as flask_request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.audit import services as audit
from app.extensions import csrf, db

from . import tokens
from .core import API_PREFIX
from .limits import limiter, per_address, per_token
from .models import ApiClient

GRANT = "client_credentials"
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
# One answer for an unknown client, a wrong secret, a revoked client and an inactive user.
NOT_AUTHENTICATED = "Give a valid client_id and client_secret (HTTP Basic, or in the form)."

bp = Blueprint(
    "oauth",
    __name__,
    url_prefix=API_PREFIX + "/oauth",
    description="Tokens for machine clients (OAuth2 client credentials)",
)
csrf.exempt(bp)  # a machine client's form, authenticated by its secret


def by_client() -> str:
    """The client_id of an HTTP Basic header, or the address without one (rate limits)."""
    try:
        client_id, _secret = extract_basic_authorization(request.headers)
    except ValueError:  # not base64 of UTF-8 (Werkzeug's own reading raises too)
        client_id = None
    return "client:" + client_id[:40] if client_id else "address:" + get_remote_address()


limiter.limit(per_token, key_func=by_client)(bp)
limiter.limit(per_address, key_func=get_remote_address)(bp)


class Client(ClientMixin):
    """An `ApiClient` as Authlib asks about it: a confidential client that may only use the
    client credentials grant at the token endpoint."""

    def __init__(self, row: ApiClient):
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri) -> bool:
        return False

    def check_response_type(self, response_type) -> bool:
        return False

    def check_client_secret(self, client_secret) -> bool:
        return tokens.secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method, endpoint) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_grant_type(self, grant_type) -> bool:
        return grant_type == GRANT

    def get_allowed_scope(self, scope) -> str:
        """The scopes asked for (already checked to be the client's), or all of the client's
        when it asked for none (RFC 6749 §3.3: a default the server chooses)."""
        asked = set(scope_to_list(scope) or ())
        return " ".join(sorted(asked & self.row.scope_set or self.row.scope_set))


class ClientCredentials(ClientCredentialsGrant):
    """The client credentials grant, refusing a scope the client was not given
    (`invalid_scope`) rather than quietly giving less."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self) -> None:
        asked = set(scope_to_list(self.request.payload.scope) or ())
        allowed = self.request.client.row.scope_set
        if not asked <= allowed:
            may = " ".join(sorted(allowed))
            raise InvalidScopeError(f"This client may ask for these scopes only: {may}.")


class TokenRequest(FlaskOAuth2Request):
    """Flask's request as Authlib reads it, without Authlib's refusal of plain http: TLS ends
    at the reverse proxy in front of gunicorn (README), so the URL Flask sees is http even
    when the client's was https."""

    def __init__(self, flask_request):
        OAuth2Request.__init__(
            self, flask_request.method, _as_sent(flask_request.url), headers=flask_request.headers
        )
        self._request = flask_request
        self.payload = FlaskOAuth2Payload(flask_request)


def _as_sent(url: str) -> str:
    return "https://" + url.removeprefix("http://") if url.startswith("http://") else url


def _lenient_basic(query_client, oauth_request):
    """client_secret_basic, reading an Authorization header that is not base64 of UTF-8 as no
    credentials (Authlib's own reading raises ValueError on it)."""
    try:
        return authenticate_client_secret_basic(query_client, oauth_request)
    except ValueError:
        return None


class Server(AuthorizationServer):
    """Authlib's authorization server for Awda: clients are `ApiClient` rows, tokens are
    `ApiToken` rows of an hour in Awda's `awda_…` form, refusals of a known client audited."""

    def create_oauth2_request(self, request):
        return TokenRequest(flask_request)

    def create_bearer_token_generator(self, config):
        return BearerTokenGenerator(
            lambda **_: tokens.new_token(),
            expires_generator=lambda client, grant_type: tokens.CLIENT_TOKEN_SECONDS,
        )

    def query_client(self, client_id):
        row = tokens.find_client(client_id or "")
        g.oauth_client = row  # to audit a refusal of a client that exists
        if row is None or row.revoked_at is not None or not row.user.active:
            return None
        return Client(row)

    def save_token(self, token, oauth_request) -> None:
        client = oauth_request.client.row
        tokens.keep_client_token(client, token["access_token"], token["scope"], token["expires_in"])

    def handle_error_response(self, oauth_request, error):
        if isinstance(error, InvalidClientError):
            error = InvalidClientError(status_code=401, description=NOT_AUTHENTICATED)
        row = g.pop("oauth_client", None)
        if row is not None:
            audit.record(
                "api.client_refused", user=row.user, target=row.client_id, error=error.error
            )
        return super().handle_error_response(oauth_request, error)


class OAuthToken(ma.Schema):
    """RFC 6749 §5.1: the access token, sent as `Authorization: Bearer <access_token>`."""

    access_token = ma.fields.String(required=True, metadata={"description": "awda_<token>"})
    token_type = ma.fields.String(required=True, metadata={"description": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds (3600)"})
    scope = ma.fields.String(required=True, metadata={"description": "space-separated"})


class OAuthError(ma.Schema):
    """RFC 6749 §5.2: an error of the token endpoint, as OAuth2 clients read it."""

    error = ma.fields.String(
        required=True,
        metadata={
            "description": "invalid_request, invalid_client, invalid_scope, "
            "unauthorized_client or unsupported_grant_type"
        },
    )
    error_description = ma.fields.String(metadata={"description": "what to do, in English"})


TOKEN_FORM = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["grant_type"],
                "properties": {
                    "grant_type": {"type": "string", "enum": [GRANT]},
                    "scope": {
                        "type": "string",
                        "description": "space-separated, among the client's scopes (all of "
                        "them when absent)",
                    },
                    "client_id": {"type": "string", "description": "client_secret_post only"},
                    "client_secret": {
                        "type": "string",
                        "description": "client_secret_post only",
                    },
                },
            }
        }
    },
}


@bp.route("/token", methods=["POST"])
@bp.doc(requestBody=TOKEN_FORM, security=[])
@bp.response(200, OAuthToken, content_type="application/json")
@bp.alt_response(400, schema=OAuthError, content_type="application/json", description="Refused")
@bp.alt_response(
    401,
    schema=OAuthError,
    content_type="application/json",
    description="The client is not authenticated",
)
def token():
    """A machine client's token of an hour (OAuth2 client credentials).

    The client authenticates with its client_id and client_secret by HTTP Basic
    (client_secret_basic) or in the form (client_secret_post). Errors are OAuth2's (RFC 6749
    section 5.2), not problem details."""
    response = current_app.extensions["awda_oauth"].create_token_response()
    if response.status_code == 200:
        db.session.commit()
    return response


def init_oauth(app, api) -> Server:
    """The token endpoint of `app`, on the API `api` (so in its OpenAPI document)."""
    server = Server()
    server.init_app(app)
    server.register_grant(ClientCredentials)
    server.register_client_auth_method("client_secret_basic", _lenient_basic)
    api.register_blueprint(bp)
    app.extensions["awda_oauth"] = server
    return server
