"""Rate limits of the JSON API, per token and per address (Flask-Limiter): a script that
loops by mistake, or someone trying tokens, is slowed with 429 and Retry-After, as problem
details. The counts live where `RATELIMIT_STORAGE_URI` says: in memory by default (one
process: `make run`), in Redis in production so that every worker shares them
(`redis://host:6379`, which needs the `redis` package).

The limiter runs before the blueprint authenticates, so the token's key is read from the
header itself: a made-up token is counted under its own key, and the address's limit counts
everything one address sends.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def by_token() -> str:
    """The presented token's public prefix (`awda_<prefix>_…`), or the address without one."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    parts = presented.strip().split("_", 2)
    if scheme.lower() == "bearer" and len(parts) == 3 and parts[0] == "awda":
        return "token:" + parts[1][:16]
    return "address:" + get_remote_address()


def per_token() -> str:
    return current_app.config["API_RATE_PER_TOKEN"]


def per_address() -> str:
    return current_app.config["API_RATE_PER_ADDRESS"]


def limit_blueprint(blueprint) -> None:
    """Both limits on every rule of `blueprint`."""
    limiter.limit(per_token, key_func=by_token)(blueprint)
    limiter.limit(per_address, key_func=get_remote_address)(blueprint)


def init_limits(app) -> None:
    """The limiter on `app`. Its headers are added by an after-request function of the app;
    ours is registered first so that it runs after it (Flask runs them in reverse order)."""
    app.after_request(_retry_after_only_when_limited)
    limiter.init_app(app)


def _retry_after_only_when_limited(response):
    """Flask-Limiter sends Retry-After with every answer; a client polling a 202 would read
    it as "come back in a minute". Only a 429 says when to try again."""
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response
