"""How values are written for a reader: one set of helpers, the same for pages, PDFs and files,
each formatting for the reader's language through Babel (Flask-Babel).

Templates use them as filters: `{{ d | day }}`, `{{ at | moment }}`, `{{ n | number }}`,
`{{ names | listing }}`, `{{ codes | labelled(labels) }}`, `{{ cell | figure }}`,
`{{ code | ltr }}`. Python uses the functions.

- Dates are never shown as ISO (2026-11-30) nor in a two-digit year: Babel's "short" styles
  (11/30/26 in English) are read the other way round in Iraq, so "short" means "medium" here.
- Lists are joined the way the language joins them ("a, b and c"; "أ وب وج"), not with ", ".
- Text in the other direction is isolated: a mark such as "<5" inside Arabic is shown "5>" by
  the bidirectional algorithm unless kept left to right (`<bdi dir="ltr">` on a page; U+2066 and
  U+2069 around it in a file).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from babel.lists import format_list
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

# LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE: bidi isolation in plain text.
LRI, PDI = "\u2066", "\u2069"


def register(app: Flask) -> None:
    """The filters, and the date styles that never print a two-digit year."""
    from app.extensions import babel

    formats = dict(babel.date_formats or {})
    formats.update({"date.short": "medium", "datetime.short": "medium"})
    babel.date_formats = formats
    app.jinja_env.filters.update(
        day=day,
        born=born,
        likelihood=likelihood,
        moment=moment,
        number=number,
        listing=listing,
        labelled=labelled,
        figure=figure,
        ltr=ltr,
    )


def day(value: date | str | None) -> str:
    """A date in the reader's language ("Nov 30, 2026", "30‏/11‏/2026"); an ISO date kept as
    text (a history entry's detail) is read first. Nothing for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    return format_date(value, "medium")


def born(value: date | str | None, precision: str | None = "day", on: date | None = None) -> str:
    """A birth date as much of it as is known (app.identity.person.Precision): the whole date,
    the month and year, the year, or an estimated age (in years on `on`, today by default).
    `value` may be an ISO date kept as text (a snapshot); a snapshot made before birth dates
    had a precision passes `precision` None and is shown as a whole date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if precision == "month":
        return format_date(value, "LLLL y")
    if precision == "year":
        return str(value.year)
    if precision == "age":
        from app.core.dates import local_today
        from app.identity.person import age_between

        years = age_between(value, on or local_today())
        return str(_l("about %(age)d years (estimated)", age=years))
    return day(value)


def likelihood(probability: float) -> str:
    """A probability in [0, 1] as a percentage to one decimal, never rounded up to a certainty:
    "> 99.9 %" and "< 0.1 %" at the ends."""
    if probability >= 0.999:
        return "> " + format_decimal(99.9, "#,##0.0") + " %"
    if probability < 0.001:
        return "< " + format_decimal(0.1, "#,##0.0") + " %"
    return format_decimal(round(probability * 100, 1), "#,##0.0") + " %"


def moment(value: datetime | None) -> str:
    """A date and time in the reader's language and time zone."""
    return "" if value is None else format_datetime(value, "medium")


def number(value: int | float | None) -> str:
    return "" if value is None else format_decimal(value)


def listing(items: Iterable[object]) -> str:
    """Items joined as the language joins a list."""
    words = [str(item) for item in items if item not in (None, "")]
    return format_list(words, locale=get_locale() or "en") if words else ""


def labelled(codes: Iterable[object], labels: dict) -> list[str]:
    """Codes as their labels (the code itself where it has none), for `listing`."""
    return [str(labels.get(code, code)) for code in codes]


def isolated(text: str) -> str:
    """Plain text kept left to right inside text of either direction (files)."""
    return f"{LRI}{text}{PDI}"


def ltr(text: object) -> Markup:
    """Text kept left to right inside a page of either direction."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(text))


def figure(value: int | str) -> Markup:
    """A published count on a page: the number in the reader's format, or the mark hiding it
    ("<5", "x") kept left to right. A count may come as its digits ("12")."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int):
        return escape(number(value))
    return ltr(value)
