"""What figures can be broken down by: each dimension says how to group, in SQL, how to name (and,
for places, code) its groups, and what it describes of the counted unit.

- A household dimension (stage, batch, camp, places) describes its members too: a person counts
  in their household's group.
- A person dimension (sex, age band) describes a household through its head: households are
  counted by the sex and age of the head of household, so that each is counted once; a
  household with no head recorded counts as "Not known".
- Specific needs put one unit in several groups: a person with two needs counts under each, a
  household under each need any of its members has. Those with none count under "No specific
  need", and the totals count each unit once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.dates import years_before
from app.extensions import db
from app.reference.models import Camp, District, Governorate, ReturnBatch
from app.registry import vocab
from app.registry.models import Household, Member, MemberNeed
from app.workflow.stages import STAGE_LABELS

HOUSEHOLD, PERSON, NEED = "household", "person", "need"
# The group of a unit with no specific need.
NO_NEED = "none"
Names = Callable[[Sequence[object]], dict[object, str]]


@dataclass(frozen=True)
class Dimension:
    key: str
    label: object
    level: str  # HOUSEHOLD, PERSON or NEED: what the groups describe
    # The SQL expression grouped by, given the date ages are counted on (for NEED: the code).
    group: Callable[[date], sa.ColumnElement]
    # Names of the groups, in the order they are shown, in the reader's language.
    names: Names
    hxl: str
    # The label when households are counted by their head (PERSON dimensions).
    head_label: object = None
    # Codes of the groups for joining with other data (p-codes of places), their column's
    # label and HXL hashtag.
    codes: Names | None = None
    code_label: object = None
    code_hxl: str | None = None

    @property
    def multiple(self) -> bool:
        """Can one unit fall in several groups?"""
        return self.level == NEED

    def label_for(self, unit: str) -> str:
        """ "Sex", or "Sex of the head of household" when households are counted."""
        if unit == "households" and self.head_label is not None:
            return str(self.head_label)
        return str(self.label)


def _named(model, attribute: str = "name") -> Names:
    def names(keys: Sequence[object]) -> dict[object, str]:
        found = _attributes(model, keys, attribute)
        ranked = sorted(keys, key=lambda k: (k not in found, found.get(k, "")))
        return {key: found.get(key, _("Not known")) for key in ranked}

    return names


def _code_of(model, attribute: str) -> Names:
    def codes(keys: Sequence[object]) -> dict[object, str]:
        found = _attributes(model, keys, attribute)
        return {key: found.get(key, "") for key in keys}

    return codes


def _attributes(model, keys: Sequence[object], attribute: str) -> dict[object, str]:
    ids = [k for k in keys if k is not None]
    rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))) if ids else []
    return {row.id: str(getattr(row, attribute)) for row in rows}


def _coded(labels: Callable[[], dict]) -> Names:
    """Names from a vocabulary, read when the names are asked for (so in the reader's
    language), in the vocabulary's order; keys outside it after, "Not known" for none."""

    def names(keys: Sequence[object]) -> dict[object, str]:
        known = labels()
        order = list(known)
        ranked = sorted(keys, key=lambda k: order.index(k) if k in order else len(order))
        return {key: str(known.get(key, key or _("Not known"))) for key in ranked}

    return names


# UNHCR's age bands: key, the lower bound and the upper bound in years (None: and over).
AGE_BANDS = (
    ("0-4", 0, 4),
    ("5-11", 5, 11),
    ("12-17", 12, 17),
    ("18-59", 18, 59),
    ("60+", 60, None),
)


def age_band_labels() -> dict[str, str]:
    """ "5–11 years", "60 years and over": words, so a spreadsheet never reads a band as a date
    (5-11 opened as 5 November)."""
    return {
        key: _("%(low)d–%(high)d years", low=low, high=high)
        if high is not None
        else _("%(low)d years and over", low=low)
        for key, low, high in AGE_BANDS
    }


def _age_band(on: date) -> sa.ColumnElement:
    """The band of the member's age on `on`, worked out from birth dates in SQL; NULL where
    there is no member (a household without a head)."""
    whens = [(Member.birth_date.is_(None), sa.null())]
    for band, years, _high in reversed(AGE_BANDS[1:]):
        whens.append((Member.birth_date <= years_before(on, years), band))
    return sa.case(*whens, else_=AGE_BANDS[0][0])


def _needs() -> dict[str, object]:
    return {**vocab.SPECIFIC_NEEDS, NO_NEED: _l("No specific need")}


def _need_codes(keys: Sequence[object]) -> dict[object, str]:
    return {key: "" if key == NO_NEED else str(key) for key in keys}


def _place(key, label, level_model, column, tag: str) -> Dimension:
    return Dimension(
        key,
        label,
        HOUSEHOLD,
        lambda _on: column,
        _named(level_model),
        f"{tag}+name",
        codes=_code_of(level_model, "pcode"),
        code_label=_l("P-code"),
        code_hxl=f"{tag}+code",
    )


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension(
            "stage",
            _l("Stage"),
            HOUSEHOLD,
            lambda _on: Household.stage,
            _coded(lambda: {stage.value: label for stage, label in STAGE_LABELS.items()}),
            "#status",
        ),
        Dimension(
            "batch",
            _l("Return batch"),
            HOUSEHOLD,
            lambda _on: Household.batch_id,
            _named(ReturnBatch, "number"),
            "#group+batch",
        ),
        Dimension(
            "camp",
            _l("Camp of origin"),
            HOUSEHOLD,
            lambda _on: Household.camp_id,
            _named(Camp),
            "#loc+camp+name",
            codes=_code_of(Camp, "code"),
            code_label=_l("Camp code"),
            code_hxl="#loc+camp+code",
        ),
        _place(
            "origin_governorate",
            _l("Governorate of origin"),
            Governorate,
            Household.origin_governorate_id,
            "#adm1+origin",
        ),
        _place(
            "origin_district",
            _l("District of origin"),
            District,
            Household.origin_district_id,
            "#adm2+origin",
        ),
        _place(
            "destination_governorate",
            _l("Governorate of destination"),
            Governorate,
            Household.destination_governorate_id,
            "#adm1+dest",
        ),
        _place(
            "destination_district",
            _l("District of destination"),
            District,
            Household.destination_district_id,
            "#adm2+dest",
        ),
        Dimension(
            "sex",
            _l("Sex"),
            PERSON,
            lambda _on: Member.sex,
            _coded(lambda: vocab.SEXES),
            "#sex",
            head_label=_l("Sex of the head of household"),
        ),
        Dimension(
            "age_band",
            _l("Age band"),
            PERSON,
            _age_band,
            _coded(age_band_labels),
            "#age+group",
            head_label=_l("Age band of the head of household"),
        ),
        Dimension(
            "need",
            _l("Specific need"),
            NEED,
            lambda _on: MemberNeed.code,
            _coded(_needs),
            "#beneficiary+need+name",
            codes=_need_codes,
            code_label=_l("Code"),
            code_hxl="#beneficiary+need+code",
        ),
    )
}
