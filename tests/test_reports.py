"""Aggregate figures: counts by one or two dimensions, within the reader's reach."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core.dates import local_today
from app.extensions import db
from app.registry.models import MemberNeed
from app.reports.aggregates import Request, cross_table
from tests.factories import HouseholdFactory, MemberFactory, UserFactory


def _family(world, team, stage="registered", *ages_and_sexes, governorate=None):
    today = local_today()
    members = [
        MemberFactory(sex=sex, birth_date=today - timedelta(days=365 * age + 30))
        for age, sex in ages_and_sexes
    ]
    household = HouseholdFactory(
        team=team,
        camp=world.camp,
        origin_governorate=governorate or world.ninewa,
        members=members,
    )
    household.stage = stage
    db.session.commit()
    return household


@pytest.fixture
def caseload(world):
    _family(world, world.team_a, "registered", (34, "F"), (8, "M"), (3, "F"))
    _family(world, world.team_a, "vetting", (61, "F"), (15, "M"))
    _family(world, world.team_b, "vetting", (29, "F"), (11, "F"), governorate=world.anbar)


@pytest.fixture
def reporting(world):
    return UserFactory(username="officer", role="reporting_officer")


def test_households_by_stage_count_every_household_for_a_reporting_officer(
    world, caseload, reporting
):
    table = cross_table(reporting, Request("households", "stage"))
    named = dict(zip(table.row_names.values(), table.counts, strict=True))
    assert named == {"Registered in camp": [1], "Security vetting": [2]}
    assert table.total == 3


def test_persons_by_age_band_and_sex(world, caseload, reporting):
    table = cross_table(reporting, Request("persons", "age_band", "sex"))
    assert list(table.row_names) == ["0-4", "5-11", "12-17", "18-59", "60+"]
    assert list(table.column_names.values()) == ["Female", "Male"]
    assert table.counts == [[1, 0], [1, 1], [0, 1], [2, 0], [1, 0]]


def test_a_supervisor_counts_their_team_only_and_a_caseworker_nothing(world, caseload):
    team = cross_table(world.supervisor_a, Request("persons", "origin_governorate"))
    assert team.total == 5 and list(team.row_names.values()) == ["Ninewa"]
    assert cross_table(world.caseworker_a, Request("persons", "stage")).total == 0


def test_a_person_with_two_needs_counts_once_under_each(world, caseload, reporting):
    household = _family(world, world.team_a, "registered", (40, "F"))
    member = household.members[0]
    member.needs = [MemberNeed(code="WR-FH"), MemberNeed(code="SM-CC")]
    db.session.commit()
    table = cross_table(reporting, Request("persons", "need"))
    named = dict(zip(table.row_names, table.counts, strict=True))
    assert named == {"SM-CC": [1], "WR-FH": [1]}


def test_the_period_is_the_registration_date_on_the_centres_calendar(world, caseload, reporting):
    tomorrow = local_today() + timedelta(days=1)
    assert cross_table(reporting, Request("households", "stage", end=tomorrow)).total == 3
    assert cross_table(reporting, Request("households", "stage", start=tomorrow)).total == 0
    assert cross_table(reporting, Request("households", "stage", end=date(2020, 1, 1))).total == 0


def test_published_figures_hide_small_counts(world, caseload, reporting):
    published = cross_table(reporting, Request("households", "stage")).published(5)
    assert {published.shown(r, 0) for r in range(2)} == {"<5"}
