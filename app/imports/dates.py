"""Dates as they are written in a transfer list from Iraq, read into a date and its precision.

Understood, after `app.core.text.clean` and `ascii_digits` (so "٥/٣/١٩٩٠" is "5/3/1990"):

- day first, "5/3/1990", "05-03-1990", "5.3.1990" (also the Arabic date separator U+060D and
  decimal separator U+066B, which an Arabic keyboard gives): precision DAY;
- year first, "1990-03-05" or "1990/3/5", with or without a time after it: precision DAY;
- month and year, "3/1990" or "1990-03": precision MONTH, stored as the 1st of the month;
- a year alone, "1990": precision YEAR, stored as 1 January;
- a spreadsheet serial number of five digits, "32937" (1990-03-05): precision DAY.

Ambiguity is settled one way, always: a date that does not start with a four-digit year is DAY
FIRST, as Iraqi documents write it. "03/05/1990" is 3 May 1990, never 5 March; "3/31/1990" (the
American order) is refused as no such day rather than guessed.

Numbers alone: four digits are a year, five digits a serial (10000 = 1927-05-18, up to today's).
Shorter numbers are refused: "90" is a two-digit year far more often than the serial for
30 March 1900, and "199" a mistyped year, not 17 July 1900. Serials 1–9999 (1900-1927) could
not be told from a year anyway; `from_serial` still converts them for callers that know a
column holds serials.

Refused with `DateProblem`: no such day (31/2/1990), a two-digit year, a date after today, a date
before 1900, anything else. The message says how to write the date instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from app.core.dates import local_today
from app.core.text import clean_code
from app.identity.person import Precision

EARLIEST = date(1900, 1, 1)
# Excel's 1900 date system counts 1900-01-01 as serial 1 and, copying Lotus 1-2-3, has a
# 29 February 1900 at serial 60 that never existed; from serial 61 (1 March 1900) on, the
# serial is days since 30 December 1899.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_LEAP_BUG = 60

_SEPARATORS = "/.\\-\u060d\u066b"
_SPACED_SEPARATOR = re.compile(rf"\s*([{re.escape(_SEPARATORS)}])\s*")
_S = rf"[{re.escape(_SEPARATORS)}]"
# [0-9], not \d: \d matches every script's digits, which `clean_code` has already made ASCII.
_DAY_FIRST = re.compile(rf"([0-9]{{1,2}})({_S})([0-9]{{1,2}})\2([0-9]{{1,6}})")
_YEAR_FIRST = re.compile(
    rf"([0-9]{{4}})({_S})([0-9]{{1,2}})\2([0-9]{{1,2}})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"  # a datetime cell's time
)
_MONTH_YEAR = re.compile(rf"([0-9]{{1,2}}){_S}([0-9]{{1,6}})")
_YEAR_MONTH = re.compile(rf"([0-9]{{4}}){_S}([0-9]{{1,2}})")
_NUMBER = re.compile(r"[0-9]{1,6}")

HOW_TO_WRITE = _l("Write the date day first, as 05/03/1990, or the year alone, as 1990.")
_TWO_DIGIT_YEAR = _l("Write the year in full, as 05/03/1990 rather than 05/03/90.")
_NO_SUCH_DAY = _l(
    "There is no such day. Dates are read day first: 05/03/1990 is 5 March 1990. "
    "Check the day and the month."
)
_FUTURE = _l("This date is after today. Check the year.")
_TOO_EARLY = _l("This date is before 1900. Check the year.")
_SERIAL_LEAP_BUG = _l(
    "This spreadsheet number stands for 29 February 1900, a day that never existed. "
    "Write the date day first, as 05/03/1990."
)


class DateProblem(ValueError):
    """A cell that is not a date Awda can read; `message` (translatable) says what to write."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReadDate:
    """A date read from a cell: `value` is the day, or the 1st of the month, or 1 January,
    as `precision` (DAY, MONTH or YEAR) says."""

    value: date
    precision: Precision


def read_date(text: str | None, today: date | None = None) -> ReadDate | None:
    """The date `text` writes (see the module docstring), or None for an empty cell.

    `today` defaults to the centre's calendar (`app.core.dates.local_today`): dates after it are
    refused. Raises `DateProblem` and nothing else, whatever `text` holds.
    """
    written = _SPACED_SEPARATOR.sub(r"\1", clean_code(text))
    if not written:
        return None
    read = _read(written)
    _check_range(read, today or local_today())
    return read


def from_serial(serial: int) -> date:
    """The day an Excel (1900 date system) serial number stands for: 1 is 1900-01-01.

    Raises `DateProblem` for serial 60, Excel's fictitious 29 February 1900, and below 1.
    """
    if serial < 1:
        raise DateProblem(HOW_TO_WRITE)
    if serial == _EXCEL_LEAP_BUG:
        raise DateProblem(_SERIAL_LEAP_BUG)
    if serial < _EXCEL_LEAP_BUG:
        # Before the fictitious day, serials are one behind the count from 30 December 1899.
        return _EXCEL_EPOCH + timedelta(days=serial + 1)
    return _EXCEL_EPOCH + timedelta(days=serial)


def _read(written: str) -> ReadDate:
    """`written` (clean, ASCII digits, no spaces around separators) as a date, unchecked."""
    if match := _YEAR_FIRST.fullmatch(written):
        return _day(int(match[1]), int(match[3]), int(match[4]))
    if match := _DAY_FIRST.fullmatch(written):
        return _day(_year(match[4]), int(match[3]), int(match[1]))
    if match := _YEAR_MONTH.fullmatch(written):
        return _month(int(match[1]), int(match[2]))
    if match := _MONTH_YEAR.fullmatch(written):
        return _month(_year(match[2]), int(match[1]))
    if _NUMBER.fullmatch(written):
        return _number(written)
    raise DateProblem(HOW_TO_WRITE)


def _number(digits: str) -> ReadDate:
    """Digits alone: four are a year, five a serial; fewer are a short year or a typo."""
    if len(digits) == 4:
        if digits.startswith("0"):  # year 0 does not exist; 0999 is before 1900 anyway
            raise DateProblem(_TOO_EARLY)
        return ReadDate(date(int(digits), 1, 1), Precision.YEAR)
    if len(digits) == 5:
        return ReadDate(from_serial(int(digits)), Precision.DAY)
    if len(digits) <= 2:
        raise DateProblem(_TWO_DIGIT_YEAR)
    raise DateProblem(HOW_TO_WRITE)


def _year(digits: str) -> int:
    """The year written after a day or month: four digits, else refused."""
    if len(digits) <= 2:
        raise DateProblem(_TWO_DIGIT_YEAR)
    if len(digits) != 4:
        raise DateProblem(HOW_TO_WRITE)
    return int(digits)


def _day(year: int, month: int, day: int) -> ReadDate:
    try:
        return ReadDate(date(year, month, day), Precision.DAY)
    except ValueError:  # month 13, 31 February, year 0: `date` says which, the person needs less
        raise DateProblem(_NO_SUCH_DAY) from None


def _month(year: int, month: int) -> ReadDate:
    try:
        return ReadDate(date(year, month, 1), Precision.MONTH)
    except ValueError:
        raise DateProblem(_NO_SUCH_DAY) from None


def _check_range(read: ReadDate, today: date) -> None:
    """Refuse a date before 1900 or after `today` (its first day, for a month or a year)."""
    if read.value < EARLIEST:
        raise DateProblem(_TOO_EARLY)
    if read.value > today:
        raise DateProblem(_FUTURE)
