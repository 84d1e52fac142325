"""Places named by their codes, read one way wherever a code comes in: a household written
through the API, a transfer list's place column and its upload's origin, the import command.

A governorate is named by its ISO 3166-2 code (IQ-NI) or its OCHA p-code (IQG15), a district by
its p-code (IQG15Q01); a code is read whatever its case, hyphens, spaces or digits' script
(`code_key`: iq-ni, IQ NI and IQNI are one code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from app.core.text import clean_code
from app.extensions import db
from app.reference.models import District, Governorate

_APART = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Place:
    """A governorate, and a district of it when one is named."""

    governorate_id: int
    district_id: int | None = None


def code_key(code: str | None) -> str:
    """A place code as compared: cleaned, ASCII digits, lower case, no hyphen or space."""
    return _APART.sub("", clean_code(code)).casefold()


def places_by_code() -> dict[str, Place]:
    """Every place code (`code_key`) -> its place: each governorate's ISO 3166-2 code and
    p-code, each district's p-code (two statements)."""
    found: dict[str, Place] = {}
    for district_id, governorate_id, pcode in db.session.execute(
        sa.select(District.id, District.governorate_id, District.pcode)
    ):
        found[code_key(pcode)] = Place(governorate_id, district_id)
    for governorate_id, iso_code, pcode in db.session.execute(
        sa.select(Governorate.id, Governorate.iso_code, Governorate.pcode)
    ):
        found[code_key(iso_code)] = found[code_key(pcode)] = Place(governorate_id)
    return found


def governorate_coded(code: str | None, known: dict[str, Place] | None = None) -> int | None:
    """The id of the governorate `code` names (`known`: `places_by_code()`, read when not
    given), or None (no such code, or a district's)."""
    place = (known if known is not None else places_by_code()).get(code_key(code))
    return place.governorate_id if place and place.district_id is None else None


def district_coded(code: str | None, known: dict[str, Place] | None = None) -> Place | None:
    """The district `code` names, with its governorate (`known` as for `governorate_coded`),
    or None."""
    place = (known if known is not None else places_by_code()).get(code_key(code))
    return place if place and place.district_id is not None else None
