"""The one place that decides who may see and do what.

Views, CLI commands and services ask `can()` / `require()` and start every household query from
`visible_households()`; none of them writes a rule of its own.
"""

from app.access.policy import (
    Action,
    FieldGroup,
    can,
    household_or_404,
    household_or_none,
    refuse_household,
    require,
    visible_groups,
    visible_households,
)
from app.access.roles import Role

__all__ = [
    "Action",
    "FieldGroup",
    "Role",
    "can",
    "household_or_404",
    "household_or_none",
    "refuse_household",
    "require",
    "visible_groups",
    "visible_households",
]
