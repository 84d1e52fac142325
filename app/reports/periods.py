"""The periods figures are published for: calendar months, quarters and years of registration
that have ended, on the centre's calendar.

Fixed, non-overlapping reporting periods are the first defence against disclosure by
differencing: were any range of days allowed, two tables whose periods differ by a day would
differ by the people registered that day, and subtracting them would single those people out
(Wooton and Fraser, "A review of confidentiality protections for statistical tables, with
special reference to the differencing problem", ABS research paper 1352.0.55.072, 2005;
Hundepool et al., ESSnet "Handbook on Statistical Disclosure Control", chapter 5, frequency
tables). A period still running grows every day, so only ended periods are offered. Months nest
in quarters and quarters in years; what separates them is rounding (`publication.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale

KINDS = ("month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
# How a period is named in a request: "2026-07", "2026-Q3", "2026".
KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")
# How far back periods are offered, whatever the first registration.
OLDEST_YEARS = 10


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year, from its first day (`start`) to its last (`end`)."""

    kind: str
    start: date

    @property
    def end(self) -> date:
        return _add_months(self.start, MONTHS_IN[self.kind]) - timedelta(days=1)

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def label(self) -> str:
        """The period in the reader's language: "July 2026", "3rd quarter 2026", "2026"."""
        skeleton = {"month": "yMMMM", "quarter": "yQQQQ", "year": "y"}[self.kind]
        return format_skeleton(skeleton, self.start, locale=get_locale() or "en")

    @classmethod
    def parse(cls, key: str | None) -> Period | None:
        """The period a key names, or None for anything else."""
        found = KEY.match(key or "")
        if not found:
            return None
        year = int(found["year"])
        if found["month"]:
            month = int(found["month"])
            return cls("month", date(year, month, 1)) if 1 <= month <= 12 else None
        if found["quarter"]:
            return cls("quarter", date(year, 3 * int(found["quarter"]) - 2, 1))
        return cls("year", date(year, 1, 1))


def containing(kind: str, day: date) -> Period:
    """The month, quarter or year that `day` falls in."""
    if kind == "month":
        return Period(kind, day.replace(day=1))
    if kind == "quarter":
        return Period(kind, date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    return Period(kind, date(day.year, 1, 1))


def available(first: date, today: date) -> list[Period]:
    """The periods that have ended by `today` and reach back to `first` (the first registration
    counted), newest first within each kind: months, then quarters, then years."""
    first = max(first, date(today.year - OLDEST_YEARS, 1, 1))
    found = []
    for kind in KINDS:
        period = containing(kind, first)
        kind_found = []
        while period.end < today:
            kind_found.append(period)
            period = Period(kind, _add_months(period.start, MONTHS_IN[kind]))
        found += reversed(kind_found)
    return found


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
