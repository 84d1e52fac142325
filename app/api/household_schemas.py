"""What a partner sends to register or change a household. Places and camps are named by
their codes, never by Awda's internal ids: governorates by ISO 3166-2 code or OCHA p-code and
districts by p-code, read as the importer reads them (`app.reference.codes`: any case, with or
without hyphens); camps by Awda's camp code. Lists of documents, needs and identifier kinds
take the codes of `registry.vocab`."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from app.registry import vocab
from app.registry.forms import MAX_MEMBERS

from .messages import at_most, between, how_many, one_of
from .schemas import Problem

NAME = {"validate": at_most(80)}
GOVERNORATE = {"description": "ISO 3166-2 code (IQ-NI) or p-code (IQG15)"}
DISTRICT = {"description": "p-code (IQG15Q01)"}


class MemberFields(ma.Schema):
    """A member's values as the household form has them; birth is given one way of three."""

    given_name_ar = ma.fields.String(**NAME)
    father_name_ar = ma.fields.String(**NAME)
    grandfather_name_ar = ma.fields.String(allow_none=True, **NAME)
    family_name_ar = ma.fields.String(allow_none=True, **NAME)
    given_name_en = ma.fields.String(allow_none=True, **NAME)
    father_name_en = ma.fields.String(allow_none=True, **NAME)
    grandfather_name_en = ma.fields.String(allow_none=True, **NAME)
    family_name_en = ma.fields.String(allow_none=True, **NAME)
    mother_name_ar = ma.fields.String(allow_none=True, **NAME)
    mother_name_en = ma.fields.String(allow_none=True, **NAME)
    known_as = ma.fields.String(allow_none=True, **NAME)
    sex = ma.fields.String(validate=one_of(vocab.SEXES))
    relationship = ma.fields.String(validate=one_of(vocab.RELATIONSHIPS))
    birth_date = ma.fields.Date(allow_none=True, metadata={"description": "the whole date"})
    birth_year = ma.fields.Integer(allow_none=True, validate=between(1900, 2100))
    birth_month = ma.fields.Integer(
        allow_none=True, validate=between(1, 12), metadata={"description": "with birth_year"}
    )
    estimated_age = ma.fields.Integer(allow_none=True, validate=between(0, 120))
    identifiers = ma.fields.Dict(
        keys=ma.fields.String(validate=one_of(vocab.IDENTIFIER_KINDS)),
        values=ma.fields.String(validate=at_most(40)),
        metadata={"description": "document numbers by kind: {civil_id: '...'}"},
    )
    nationality_evidence = ma.fields.String(
        allow_none=True, validate=one_of(vocab.NATIONALITY_EVIDENCE)
    )
    documents = ma.fields.List(ma.fields.String(validate=one_of(vocab.DOCUMENTS)))
    needs = ma.fields.List(
        ma.fields.String(validate=one_of(vocab.SPECIFIC_NEEDS)),
        metadata={"description": "specific-needs codes; protection codes only if you see them"},
    )
    notes = ma.fields.String(allow_none=True, validate=at_most(2000))


class NewMember(MemberFields):
    """A member to add: names, sex and relationship are required."""

    given_name_ar = ma.fields.String(required=True, **NAME)
    father_name_ar = ma.fields.String(required=True, **NAME)
    sex = ma.fields.String(required=True, validate=one_of(vocab.SEXES))
    relationship = ma.fields.String(required=True, validate=one_of(vocab.RELATIONSHIPS))


class MemberChange(MemberFields):
    """A member in a change: with `id`, the fields given replace the stored ones; without,
    a new member (then as `NewMember`)."""

    id = ma.fields.Integer(metadata={"description": "the member's id, as GET returns it"})


class ContactFields(ma.Schema):
    """How to reach the household, sent as GET answers it in `contact`. Its destination is
    sent apart, as `destination_governorate` and `destination_district` codes (GET answers
    the places' names, which no code could be read back from)."""

    phone = ma.fields.String(allow_none=True, validate=at_most(40))
    shelter = ma.fields.String(allow_none=True, validate=at_most(200))


# The first shape of a change sent `phone` and `shelter` beside the other fields, where GET
# answers them in `contact`: still read in v1, documented as deprecated.
FLAT_CONTACT = {
    "deprecated": True,
    "description": "deprecated: send it in `contact`, as GET answers it",
}


class HouseholdFields(ma.Schema):
    camp = ma.fields.String(validate=at_most(20), metadata={"description": "camp code"})
    camp_ref = ma.fields.String(
        validate=at_most(40), metadata={"description": "the household's ID in the camp"}
    )
    origin_governorate = ma.fields.String(validate=at_most(12), metadata=GOVERNORATE)
    origin_district = ma.fields.String(allow_none=True, validate=at_most(12), metadata=DISTRICT)
    destination_governorate = ma.fields.String(
        allow_none=True, validate=at_most(12), metadata=GOVERNORATE
    )
    destination_district = ma.fields.String(
        allow_none=True, validate=at_most(12), metadata=DISTRICT
    )
    contact = ma.fields.Nested(ContactFields)
    shelter = ma.fields.String(allow_none=True, validate=at_most(200), metadata=FLAT_CONTACT)
    phone = ma.fields.String(allow_none=True, validate=at_most(40), metadata=FLAT_CONTACT)
    notes = ma.fields.String(allow_none=True, validate=at_most(2000))
    duplicates_seen = ma.fields.List(
        ma.fields.Integer(),
        load_default=list,
        metadata={
            "description": "ids of the possible duplicates a 409 named, once a person has "
            "checked that they are other people"
        },
    )

    @ma.validates_schema
    def _contact_once(self, data: dict, **_kwargs) -> None:
        """A value sent both in `contact` and beside it is refused rather than one chosen."""
        twice = sorted(set(data.get("contact") or {}) & set(data))
        if twice:
            raise ma.ValidationError(
                {name: [str(_l("Send %(name)s once, in contact.", name=name))] for name in twice}
            )


class NewHousehold(HouseholdFields):
    """A household to register in the caller's team."""

    camp = ma.fields.String(required=True, validate=at_most(20))
    camp_ref = ma.fields.String(required=True, validate=at_most(40))
    origin_governorate = ma.fields.String(required=True, validate=at_most(12), metadata=GOVERNORATE)
    members = ma.fields.List(
        ma.fields.Nested(NewMember), required=True, validate=how_many(1, MAX_MEMBERS)
    )


class HouseholdChange(HouseholdFields):
    """A change: the fields given replace the stored ones; members not named are kept."""

    members = ma.fields.List(ma.fields.Nested(MemberChange), validate=how_many(0, MAX_MEMBERS))
    remove_members = ma.fields.List(
        ma.fields.Integer(), load_default=list, metadata={"description": "ids of members to remove"}
    )


class PossibleDuplicate(ma.Schema):
    member = ma.fields.Integer(
        required=True, metadata={"description": "position among the household's members as saved"}
    )
    candidate_id = ma.fields.Integer(required=True)
    case_number = ma.fields.String(required=True)
    probability = ma.fields.Float(required=True)


class DuplicatesProblem(Problem):
    """409: members who may already be registered (RFC 9457 extension member `duplicates`)."""

    duplicates = ma.fields.List(ma.fields.Nested(PossibleDuplicate))
