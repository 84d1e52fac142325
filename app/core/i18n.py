"""Languages: which there are, which one a request speaks, and which way it is written.

The languages are English (the language of the code) and every catalog under the translation
directories, so that adding Kurdish (Sorani) needs a `ckb` catalog and nothing else: its name,
its direction and its formats come from the locale data Babel carries.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from babel.core import get_global
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context

SOURCE_LANGUAGE = "en"
SESSION_KEY = "language"


# The template context's key for the catalog of the language a page is drawn in.
_CATALOG = "_awda_catalog"


def install_template_gettext(app: Flask) -> None:
    """Templates translate through the catalog looked up once per page, not once per string.

    Flask-Babel's own template callables look the catalog up for every string, through about
    nine context-local reads; a household page has 150 strings, 0.6 ms of CPU. The catalog is
    put in each template's context when it is rendered, so a page drawn inside Flask-Babel's
    `force_locale` (a notification in its recipient's language) still gets that language's.
    A macro imported without context has no catalog in its context and looks it up as before."""

    def catalog(context):
        return context.get(_CATALOG) or get_translations()

    @pass_context
    def gettext(context, message):
        return catalog(context).ugettext(message)

    @pass_context
    def ngettext(context, singular, plural, number):
        return catalog(context).ungettext(singular, plural, number)

    @pass_context
    def pgettext(context, message_context, message):
        return catalog(context).upgettext(message_context, message)

    @pass_context
    def npgettext(context, message_context, singular, plural, number):
        return catalog(context).unpgettext(message_context, singular, plural, number)

    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext, newstyle=True
    )
    app.context_processor(lambda: {_CATALOG: get_translations()})


def catalog_languages(app: Flask) -> tuple[str, ...]:
    """English first, then each language with a catalog, in code order."""
    found: set[str] = set()
    for directory in app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";"):
        root = Path(app.root_path, directory)
        found.update(po.parts[-3] for po in root.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def select_locale() -> str | None:
    """The user's own language, else the one chosen on this browser, else the browser's."""
    if not has_request_context():  # CLI commands speak the default language
        return None
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None)
    if getattr(current_user, "is_authenticated", False) and user_locale in languages:
        return user_locale
    if session.get(SESSION_KEY) in languages:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(languages)


def current_language() -> str:
    return str(get_locale() or SOURCE_LANGUAGE)


def localized(name_en: str, name_ar: str | None) -> str:
    """A name kept in English and Arabic, in the reader's language: Arabic for an Arabic reader
    when there is one, English otherwise."""
    locale = get_locale()
    if locale is not None and locale.language == "ar" and name_ar:
        return name_ar
    return name_en


@cache
def language_name(code: str) -> str:
    """The language's name in itself: "العربية", "English", "کوردیی ناوەندی"."""
    return Locale.parse(code).get_display_name(code) or code


@cache
def text_direction(code: str) -> str:
    return "rtl" if Locale.parse(code).text_direction == "rtl" else "ltr"


def is_right_to_left() -> bool:
    return text_direction(current_language()) == "rtl"


@cache
def writes_arabic_script(code: str) -> bool:
    """Is the language written in Arabic letters (Arabic, Sorani Kurdish)?"""
    return "_Arab" in get_global("likely_subtags").get(code, "")


def in_reader_script(arabic: str | None, latin: str | None) -> tuple[str, str]:
    """A name as its reader reads it: the Arabic spelling for a reader of Arabic letters, the
    Latin one for others when there is one; else whichever there is. With the language of the
    name's own script ("ar" or "en"), for the `lang` of the text."""
    if writes_arabic_script(current_language()):
        return (arabic, "ar") if arabic else (latin or "", "en")
    return (latin, "en") if latin else (arabic or "", "ar")
