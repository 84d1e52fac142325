"""What someone typed in the case search, kept out of URLs.

A returnee's name in a URL lands in the browser history, in proxy and server logs and in Referer
headers. So the search box is posted; its text is kept in the user's session under a short
random token, and the list's URL carries only that token (and the filters, which name no one).
A few recent searches are kept, so two tabs with different searches both work.
"""

from __future__ import annotations

import secrets

from flask import session
from werkzeug.datastructures import MultiDict

KEY = "case_searches"
KEEP = 5
MAX_LENGTH = 200


def remember(text: str) -> str:
    token = secrets.token_urlsafe(6)
    searches = dict(session.get(KEY, {}))
    searches[token] = text[:MAX_LENGTH]
    session[KEY] = dict(list(searches.items())[-KEEP:])
    return token


def recall(token: str | None) -> str | None:
    """The text saved under `token`, or None when there is none (expired, or never made)."""
    if not token:
        return None
    return session.get(KEY, {}).get(token)


def list_arguments(query: MultiDict) -> tuple[MultiDict, bool]:
    """The case list's arguments from a URL's `query`: its filters, with `q` the search saved
    under its `search` token (a `q` in the URL itself is never searched, nor shown back); and
    whether that search is no longer kept (a token given, nothing saved under it)."""
    args = query.copy()
    args.pop("q", None)
    token = args.get("search")
    args["q"] = recall(token) or ""
    return args, bool(token) and not args["q"]
