"""A list's place of origin read as a governorate (and, where the list names a district, that
district): its codes, read as the API reads them (`app.reference.codes`: ISO codes and p-codes),
else Arabic or English names with or without their article, and the other spellings lists use
for them ("Nineveh", "Salahuddin", "الموصل")."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.identity.names import fold
from app.reference.codes import Place, code_key, places_by_code
from app.reference.models import District, Governorate

# Other names of the governorates (ISO 3166-2:IQ), as lists and offices write them.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "IQ-NI": ("Nineveh", "Ninawa", "Nainawa", "نينوى"),
    "IQ-AN": ("Al-Anbar", "Anbar"),
    "IQ-SD": ("Salahuddin", "Salah ad-Din", "Salah al-Din", "Saladin", "صلاح الدين"),
    "IQ-QA": ("Qadisiyah", "Al-Qadisiyah", "Diwaniyah", "الديوانية"),
    "IQ-DA": ("Duhok", "Dohuk", "Dahuk"),
    "IQ-SU": ("Sulaymaniyah", "Sulaimaniya", "Slemani", "السليمانية"),
    "IQ-AR": ("Erbil", "Arbil", "Hawler", "أربيل"),
    "IQ-DQ": ("Dhi Qar", "Thi-Qar", "Thi Qar", "Nasiriyah", "ذي قار"),
    "IQ-BB": ("Babylon", "Babel", "Babil", "Hillah", "بابل"),
    "IQ-MA": ("Maysan", "Missan", "Amarah", "ميسان"),
    "IQ-WA": ("Wasit", "Kut", "واسط"),
    "IQ-MU": ("Muthanna", "Al-Muthanna", "Samawah", "المثنى"),
    "IQ-KA": ("Karbala", "Kerbala", "كربلاء"),
    "IQ-NA": ("Najaf", "An-Najaf", "النجف"),
    "IQ-BA": ("Basra", "Basrah", "البصرة"),
    "IQ-BG": ("Baghdad", "بغداد"),
    "IQ-KI": ("Kirkuk", "Tameem", "At-Ta'mim", "كركوك"),
    "IQ-DI": ("Diyala", "Baquba", "ديالى"),
}
_ARTICLE = re.compile(r"^(?:ال|al |el |an |as |at |ad )")


def key(name: str) -> str:
    """A place name as compared: folded, without its article or hyphens."""
    return _ARTICLE.sub("", fold(name).replace("-", " ")).replace(" ", "")


@dataclass(frozen=True)
class PlaceNames:
    """Every way a list may name a place: by a code (`app.reference.codes`), by a name
    (`key`)."""

    by_code: dict[str, Place]
    by_name: dict[str, Place]

    def find(self, typed: str) -> Place | None:
        """The place `typed` names, read as a code first, else as a name; None if neither."""
        return self.by_code.get(code_key(typed)) or self.by_name.get(key(typed))


def places_by_name() -> PlaceNames:
    """Every code and name a list may give for a place. A governorate's own names win over a
    district of the same name (Kirkuk the governorate, not the district)."""
    found: dict[str, Place] = {}
    districts = db.session.scalars(sa.select(District))
    for district in districts:
        place = Place(district.governorate_id, district.id)
        for name in (district.name_ar, district.name_en):
            found[key(name)] = place
    for governorate in db.session.scalars(sa.select(Governorate)):
        place = Place(governorate.id)
        names = (governorate.name_ar, governorate.name_en)
        for name in (*names, *OTHER_NAMES.get(governorate.iso_code, ())):
            found[key(name)] = place
    return PlaceNames(places_by_code(), found)
