"""Today, where the people using the system are.

Servers usually run on UTC while the centre is on Baghdad time (UTC+3): between midnight and
03:00 in Baghdad the server's date is still yesterday. Every "not in the future", "due today"
or "age on" uses this date, so a date typed at the centre is judged by the centre's calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import current_app, has_app_context
from flask_babel import get_timezone


def local_today() -> date:
    if has_app_context() and "BABEL_DEFAULT_TIMEZONE" in current_app.config:
        return datetime.now(get_timezone()).date()
    return date.today()


def start_of_local_day(day: date) -> datetime:
    """The UTC moment the centre's calendar day begins: date filters on UTC timestamps use it."""
    local = datetime.combine(day, time.min, tzinfo=get_timezone())
    return local.astimezone(UTC)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
