"""Form payloads as a browser would post them."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.registry.models import Household

HEAD = {
    "given_name_ar": "فاطمة",
    "father_name_ar": "أحمد",
    "grandfather_name_ar": "إبراهيم",
    "family_name_ar": "الجبوري",
    "given_name_en": "Fatima",
    "father_name_en": "Ahmed",
    "grandfather_name_en": "Ibrahim",
    "family_name_en": "Al-Jubouri",
    "sex": "F",
    "birth_date": "1988-04-02",
    "relationship": "head",
    "nationality_evidence": "civil_id",
    "documents": ["civil_id", "isis_issued"],
    "needs": ["WR-FH"],
}
SON = {
    "given_name_ar": "عمر",
    "father_name_ar": "خالد",
    "given_name_en": "Omar",
    "father_name_en": "Khalid",
    "sex": "M",
    "estimated_age": "9",
    "relationship": "son",
    "needs": ["DC-NB"],
}
DAUGHTER = {
    "given_name_ar": "زينب",
    "father_name_ar": "خالد",
    "given_name_en": "Zainab",
    "father_name_en": "Khalid",
    "sex": "F",
    "birth_date": "2019-11-30",
    "relationship": "daughter",
}


def household_payload(world, members=None, **fields) -> dict:
    data = {
        "camp_id": world.camp.id,
        "camp_ref": "HOL-0042",
        "batch_id": world.batch.id,
        "shelter": "Block C, tent 14",
        "origin_governorate_id": world.ninewa.id,
        "origin_district_id": world.mosul.id,
        "destination_governorate_id": world.ninewa.id,
        "destination_district_id": world.telafar.id,
        "phone": "0770 123 4567",
        "notes": "",
    }
    for index, member in enumerate(members if members is not None else [HEAD, SON, DAUGHTER]):
        for key, value in member.items():
            data[f"members-{index}-{key}"] = value
    data.update(fields)  # last, so a test can change one member field too
    return data


def register_at_risk(world, login) -> Household:
    """Registered by caseworker_a (so assigned to them), the head at risk of sexual violence."""
    payload = household_payload(world, members=[{**HEAD, "needs": ["SV-VA", "WR-FH"]}])
    assert login("caseworker_a").post("/households/new", payload).status_code == 302
    return db.session.scalar(sa.select(Household))
