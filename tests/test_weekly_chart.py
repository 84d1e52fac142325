"""The dashboard's weekly chart of arrivals and returns: weeks on the centre's calendar across
months and years, and axes that say what they measure."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from app.extensions import db
from app.history.models import CaseEvent
from app.reports import dashboard
from tests.factories import HouseholdFactory

TODAY = date(2026, 1, 8)  # a Thursday, early in a new year


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(dashboard, "local_today", lambda: TODAY)


def _moved(world, to_stage: str, *moments: datetime) -> None:
    household = HouseholdFactory(team=world.team_a, camp=world.camp)
    for at in moments:
        db.session.add(
            CaseEvent(household_id=household.id, kind="stage_changed", to_stage=to_stage, at=at)
        )
    db.session.commit()


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_weeks_run_monday_to_sunday_on_the_centres_calendar_across_the_year(world, frozen):
    # Each moment twice over: counts of one would be hidden from a reporting officer.
    arrivals = (
        _utc(2025, 10, 19, 20),  # Sunday 23:00 in Baghdad: before the first week shown
        _utc(2025, 10, 19, 22),  # Monday 01:00 in Baghdad: the first week shown
        _utc(2025, 11, 12, 9),  # a previous month
        _utc(2025, 12, 28, 22),  # Monday 29 December, 01:00 in Baghdad
        _utc(2025, 12, 31, 10),
        _utc(2026, 1, 4, 20),  # Sunday 23:00 in Baghdad: still the old year's last week
        _utc(2024, 12, 31, 10),  # a year before: the same week of the year, another year
    )
    _moved(world, "arrived", *arrivals, *arrivals)
    returns = (_utc(2026, 1, 5, 0, 30), _utc(2026, 1, 7, 12))
    _moved(world, "returned", *returns)
    weeks = {w["week"]: (w["arrived"], w["returned"]) for w in dashboard.weekly(world.reporting, 2)}
    assert len(weeks) == dashboard.WEEKS
    assert min(weeks) == date(2025, 10, 20) and max(weeks) == date(2026, 1, 5)
    assert weeks[date(2025, 10, 20)] == (2, 0)
    assert weeks[date(2025, 11, 10)] == (2, 0)
    assert weeks[date(2025, 12, 29)] == (6, 0)
    assert weeks[date(2026, 1, 5)] == (0, 2)
    assert sum(a for a, _ in weeks.values()) == 10


def test_the_chart_labels_its_axes(world, login, frozen, make_browser):
    _moved(world, "arrived", *[_utc(2025, 12, 30, h) for h in range(8)])
    browser = make_browser()
    browser.login(world.reporting)
    page = browser.get("/dashboard").get_data(as_text=True)
    chart = page[page.index('<figure class="line-chart"') : page.index("</figure>")]
    labels = [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", chart)]
    # The counts, from nought to the highest shown: 8 arrivals published rounded to base 5,
    # so that the running week, seen one day and the next, never tells who moved.
    tops = [label for label in labels if label.isdigit() and label != "0"]
    assert "0" in labels and tops and int(tops[0]) in (5, 10) and "8" not in labels
    assert "Oct 20, 2025" in labels and "Jan 5, 2026" in labels  # the first and last weeks
    assert "Week of" in chart and "Households" in chart  # what each axis measures


def test_both_lines_are_drawn_to_one_scale():
    weeks = [
        {"week": date(2025, 12, 29), "arrived": 8, "returned": 0},
        {"week": date(2026, 1, 5), "arrived": None, "returned": 4},  # a hidden count: a gap
    ]
    top = dashboard.chart_top(weeks)
    assert top == 8
    assert dashboard.line_segments(weeks, "arrived", top) == ["0.0,2.0"]
    # Four returns stand at half the height of eight arrivals, not as high.
    assert dashboard.line_segments(weeks, "returned", top) == ["0.0,40.0 100.0,21.0"]


@pytest.mark.parametrize("already", range(5, 16))
def test_one_more_arrival_in_the_running_week_never_shows_as_a_step_of_one(world, frozen, already):
    """Seen on Wednesday and again on Thursday, the running week must not tell who arrived."""
    this_week = date(2026, 1, 5)
    _moved(world, "arrived", *[_utc(2026, 1, 6, h) for h in range(already)])
    before = {w["week"]: w["arrived_shown"] for w in dashboard.weekly(world.reporting, 5)}
    _moved(world, "arrived", _utc(2026, 1, 7, 9))
    after = {w["week"]: w["arrived_shown"] for w in dashboard.weekly(world.reporting, 5)}
    moved_by = abs(int(after[this_week]) - int(before[this_week]))
    assert moved_by == 0 or moved_by >= 5
