"""The access policy's answers about one household, kept for the rest of the request.

A page asks the same question many times (`can(user, action, household)`, `visible_groups`);
each answer is kept in `g`, keyed by what it depends on: the user's roles and team, the
household's team, caseworker, stage and merge. Whatever else it depends on (an emergency
access, a collaboration, a request decided) calls `forget_answers` when it changes.

`app.access.policy.household_or_none` asks every question at once, in the statement that loads
the household (`columns`, `keep`): its page then asks the database nothing more about access.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import g, has_app_context

from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User
    from app.registry.models import Household

_ANSWERS = "_awda_scope_answers"
SCOPES = "_awda_scopes"  # the policy's scope conditions built for this request


def holds(
    user: User, household: Household, question: str, condition: Callable[[], sa.ColumnElement]
) -> bool:
    """Does this saved household meet `condition()`? Asked of the database (so that scope is
    written once, in SQL, for lists and single records alike) unless already answered."""
    from app.registry.models import Household

    if household.id is None:
        return False
    key = _key(user, household, question)
    answers = _answers()
    if key not in answers:
        found = sa.select(sa.exists().where(Household.id == household.id, condition()))
        answers[key] = bool(db.session.scalar(found))
    return answers[key]


def columns(questions: dict[str, sa.ColumnElement[bool]]) -> list:
    """The questions as columns to select with the household row: one per distinct condition
    (actions scoped alike share one), in the order `keep` reads them."""
    return [
        sa.case((condition, True), else_=False).label(f"q{i}")
        for i, condition in enumerate(_distinct(questions).values())
    ]


def keep(user: User, household: Household, questions: dict, answered) -> None:
    """Keep the answers `answered` (the values of `columns(questions)`, in order)."""
    position = {key: n for n, key in enumerate(_distinct(questions))}
    answers = _answers()
    for question, condition in questions.items():
        answers[_key(user, household, question)] = bool(answered[position[id(condition)]])


def forget_answers() -> None:
    """Scope changed other than through the household's own columns: ask the database again."""
    if has_app_context():
        g.pop(_ANSWERS, None)
        g.pop(SCOPES, None)


def _distinct(questions: dict[str, sa.ColumnElement[bool]]) -> dict[int, sa.ColumnElement]:
    return {id(condition): condition for condition in questions.values()}


def _answers() -> dict:
    return g.setdefault(_ANSWERS, {}) if has_app_context() else {}


def _key(user: User, household: Household, question: str) -> tuple:
    return (
        (user.id, user.team_id, user.role, user.second_role),
        question,
        (household.id, household.team_id, household.assigned_to_id, household.stage),
        household.merged_into_id,
    )
