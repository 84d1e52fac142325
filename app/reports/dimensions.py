"""What figures can be broken down by: each dimension says how to group, in SQL, and how to name
its groups. Household dimensions apply to persons too (a person counts in their household's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.dates import years_before
from app.extensions import db
from app.reference.models import Camp, District, Governorate, ReturnBatch
from app.registry import vocab
from app.registry.models import Household, Member, MemberNeed
from app.workflow.stages import Stage

# UNHCR's age bands: the lower bound of each, in years.
AGE_BANDS = (("0-4", 0), ("5-11", 5), ("12-17", 12), ("18-59", 18), ("60+", 60))


@dataclass(frozen=True)
class Dimension:
    key: str
    label: object
    per_person: bool
    # The SQL expression grouped by; given the date ages are counted on.
    group: Callable[[date], sa.ColumnElement]
    # Names of the groups, in the order they are shown.
    names: Callable[[Sequence[object]], dict[object, str]]
    hxl: str


def _named(model, attribute: str = "name") -> Callable[[Sequence[object]], dict[object, str]]:
    def names(keys: Sequence[object]) -> dict[object, str]:
        ids = [k for k in keys if k is not None]
        rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))) if ids else []
        found = {row.id: str(getattr(row, attribute)) for row in rows}
        ranked = sorted(keys, key=lambda k: (k not in found, found.get(k, "")))
        return {key: found.get(key, str(_l("Not known"))) for key in ranked}

    return names


def _coded(labels: dict) -> Callable[[Sequence[object]], dict[object, str]]:
    def names(keys: Sequence[object]) -> dict[object, str]:
        order = list(labels)
        ranked = sorted(keys, key=lambda k: order.index(k) if k in order else len(order))
        return {key: str(labels.get(key, key or _l("Not known"))) for key in ranked}

    return names


def _age_band(on: date) -> sa.ColumnElement:
    """The band of the member's age on `on`, worked out from birth dates in SQL."""
    whens = []
    for band, years in reversed(AGE_BANDS[1:]):
        born_by = years_before(on, years)
        whens.append((Member.birth_date <= born_by, band))
    return sa.case(*whens, else_=AGE_BANDS[0][0])


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension(
            "stage",
            _l("Stage"),
            False,
            lambda _on: Household.stage,
            _coded({s.value: s.label for s in Stage}),
            "#status",
        ),
        Dimension(
            "batch",
            _l("Return batch"),
            False,
            lambda _on: Household.batch_id,
            _named(ReturnBatch, "number"),
            "#group+batch",
        ),
        Dimension(
            "camp",
            _l("Camp of origin"),
            False,
            lambda _on: Household.camp_id,
            _named(Camp),
            "#loc+camp+name",
        ),
        Dimension(
            "origin_governorate",
            _l("Governorate of origin"),
            False,
            lambda _on: Household.origin_governorate_id,
            _named(Governorate),
            "#adm1+origin+name",
        ),
        Dimension(
            "origin_district",
            _l("District of origin"),
            False,
            lambda _on: Household.origin_district_id,
            _named(District),
            "#adm2+origin+name",
        ),
        Dimension(
            "destination_governorate",
            _l("Governorate of destination"),
            False,
            lambda _on: Household.destination_governorate_id,
            _named(Governorate),
            "#adm1+dest+name",
        ),
        Dimension(
            "destination_district",
            _l("District of destination"),
            False,
            lambda _on: Household.destination_district_id,
            _named(District),
            "#adm2+dest+name",
        ),
        Dimension("sex", _l("Sex"), True, lambda _on: Member.sex, _coded(vocab.SEXES), "#sex"),
        Dimension(
            "age_band",
            _l("Age band"),
            True,
            _age_band,
            _coded({band: band for band, _years in AGE_BANDS}),
            "#age+group",
        ),
        Dimension(
            "need",
            _l("Specific need"),
            True,
            lambda _on: MemberNeed.code,
            _coded(vocab.SPECIFIC_NEEDS),
            "#beneficiary+need+code",
        ),
    )
}
