"""Language of each request: the user's own, else the browser's, else the default."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

RTL_LANGUAGES = frozenset({"ar", "ckb", "fa", "he"})


def select_locale() -> str | None:
    if not has_request_context():  # CLI commands speak the default language
        return None
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None)
    if getattr(current_user, "is_authenticated", False) and user_locale in languages:
        return user_locale
    return request.accept_languages.best_match(languages)


def text_direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"
