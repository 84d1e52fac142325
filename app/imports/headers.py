"""Which of Awda's fields a list's column holds, read from its header in Arabic or English.

Lists from the camp administration and the ministry name their columns as their offices do:
"الاسم الرباعي", "اسم الأم", "المواليد", "صلة القرابة", "رقم العائلة" or "Full name", "DOB". A
header is folded (`app.identity.names.fold`: hamza, taa marbuta, case, spacing) and compared
with each field's names; an exact name wins over a header that merely contains one. A person
confirms or corrects the result, and may save it as a template for the list's source.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.identity.names import fold

# Field -> the names a header gives it (any spelling: they are folded before comparing).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "household_ref": (
        "رقم العائلة", "رقم الأسرة", "العائلة", "الأسرة", "رقم الخيمة", "الخيمة",
        "family number", "family no", "family id", "household", "household id", "tent",
        "tent number", "tent no",
    ),
    "serial": ("ت", "تسلسل", "التسلسل", "م", "serial", "no", "sn", "s/n", "#"),
    "person_ref": ("رقم الفرد", "رقم الشخص", "individual id", "person id", "personal id"),
    "full_name": (
        "الاسم", "الاسم الكامل", "الاسم الثلاثي", "الاسم الرباعي", "اسم الشخص", "الاسم واللقب",
        "name", "full name", "name ar", "arabic name",
    ),
    "name_en": (
        "name en", "english name", "name in english", "الاسم بالانكليزي", "الاسم بالإنجليزية",
    ),
    "given_name": ("الاسم الأول", "الاسم الاول", "first name", "given name"),
    "father_name": ("اسم الأب", "اسم الاب", "father", "father name", "father's name"),
    "grandfather_name": ("اسم الجد", "الجد", "grandfather", "grandfather name"),
    "family_name": ("اللقب", "العشيرة", "القبيلة", "family name", "surname", "tribe"),
    "mother_name": ("اسم الأم", "اسم الام", "الأم", "mother", "mother name", "mother's name"),
    "birth": (
        "تاريخ الميلاد", "تاريخ التولد", "التولد", "المواليد", "سنة الميلاد", "سنة التولد",
        "date of birth", "dob", "birth date", "birthdate", "year of birth", "born",
    ),
    "age": ("العمر", "age"),
    "sex": ("الجنس", "sex", "gender"),
    "relationship": (
        "صلة القرابة", "القرابة", "العلاقة", "العلاقة برب الأسرة", "relationship", "relation",
        "relation to head", "relationship to head",
    ),
    "camp_ref": ("رقم المخيم", "رقم الأسرة في المخيم", "camp id", "camp no", "camp number"),
    "governorate": ("المحافظة", "محافظة الأصل", "governorate", "governorate of origin", "origin"),
    "civil_id": ("رقم الهوية", "رقم هوية الأحوال المدنية", "الهوية", "civil id", "id number"),
    "unified_id": ("رقم البطاقة الموحدة", "البطاقة الموحدة", "unified id", "national card"),
    "nationality_certificate": ("رقم شهادة الجنسية", "شهادة الجنسية", "nationality certificate"),
    "passport": ("رقم الجواز", "رقم جواز السفر", "الجواز", "passport", "passport number"),
    "phone": ("الهاتف", "رقم الهاتف", "الموبايل", "phone", "mobile", "telephone"),
    "notes": ("ملاحظات", "الملاحظات", "notes", "remarks"),
}  # fmt: skip

_FOLDED = {field: {fold(name) for name in names} for field, names in FIELD_NAMES.items()}


def field_of(header: str) -> str | None:
    """The field a header names exactly (after folding), or None."""
    folded = fold(header)
    return next((field for field, names in _FOLDED.items() if folded in names), None)


def _field_within(header: str, taken: set[str]) -> str | None:
    """A field one of whose names is a whole word sequence inside the header ("تاريخ الميلاد
    للفرد"), the longest name first; one-letter names are too loose for this."""
    padded = f" {fold(header)} "
    found = [
        (len(name), field)
        for field, names in _FOLDED.items()
        if field not in taken
        for name in names
        if len(name) > 2 and f" {name} " in padded
    ]
    return max(found)[1] if found else None


def match_headers(headers: Sequence[str]) -> dict[int, str]:
    """{column index: field} for the columns whose header names a field; each field at most
    once (the first column naming it). Exact names first, then headers containing a name."""
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = field_of(header)
        if field and field not in mapping.values():
            mapping[index] = field
    for index, header in enumerate(headers):
        if index in mapping:
            continue
        field = _field_within(header, set(mapping.values()))
        if field:
            mapping[index] = field
    return mapping
