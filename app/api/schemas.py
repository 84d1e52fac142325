"""What the API's responses hold, as marshmallow schemas (and so as the OpenAPI document's
schemas). A household is cut to the reader's field groups exactly as its page is: a group the
reader may not see is absent, never empty."""

from __future__ import annotations

import marshmallow as ma

from app.referrals.states import STATES
from app.workflow.stages import Stage

from .messages import at_most, between, one_of


class Problem(ma.Schema):
    """An error as RFC 9457 problem details, in the caller's language."""

    type = ma.fields.String(required=True, metadata={"description": "about:blank"})
    title = ma.fields.String(
        required=True, metadata={"description": "the status's name, in the caller's language"}
    )
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "what to do"})
    errors = ma.fields.Dict(
        metadata={"description": "refused values: {location: {field: [messages]}}"}
    )


class ListArgs(ma.Schema):
    """The query of a list: cursor pagination with a stable order (by id)."""

    limit = ma.fields.Integer(
        load_default=50, validate=between(1, 100), metadata={"description": "1-100"}
    )
    cursor = ma.fields.String(
        load_default=None, metadata={"description": "`next_cursor` of the previous page"}
    )
    stage = ma.fields.String(
        load_default=None,
        validate=one_of(Stage),
        metadata={"description": "a workflow stage"},
    )
    q = ma.fields.String(
        load_default=None,
        validate=at_most(200),
        metadata={"description": "a case number, camp ID, name or phone"},
    )


class Account(ma.Schema):
    username = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    agency = ma.fields.String(required=True)
    team = ma.fields.String(allow_none=True, required=True)
    locale = ma.fields.String(required=True)
    scopes = ma.fields.List(ma.fields.String(), required=True)
    token_expires_at = ma.fields.DateTime(required=True)


class HouseholdSummary(ma.Schema):
    case_number = ma.fields.String(required=True)
    stage = ma.fields.String(required=True)
    members = ma.fields.Integer(required=True, metadata={"description": "how many"})
    version = ma.fields.Integer(required=True, metadata={"description": "for If-Match"})


class HouseholdPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HouseholdSummary), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class Place(ma.Schema):
    en = ma.fields.String(required=True)
    ar = ma.fields.String(required=True)


class Contact(ma.Schema):
    phone = ma.fields.String(allow_none=True)
    shelter = ma.fields.String(allow_none=True)
    destination = ma.fields.Nested(Place, allow_none=True)


class Person(ma.Schema):
    id = ma.fields.Integer(required=True)
    name_ar = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    sex = ma.fields.String(required=True)
    birth_date = ma.fields.String(required=True, metadata={"description": "ISO date"})
    birth_precision = ma.fields.String(required=True)
    relationship = ma.fields.String(required=True)
    documents = ma.fields.List(ma.fields.String(), metadata={"description": "documents group"})
    needs = ma.fields.List(ma.fields.String(), metadata={"description": "vulnerabilities group"})
    protection_needs = ma.fields.List(
        ma.fields.String(), metadata={"description": "protection group"}
    )


class Household(ma.Schema):
    case_number = ma.fields.String(required=True)
    camp_ref = ma.fields.String(required=True)
    stage = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    groups = ma.fields.List(ma.fields.String(), required=True)
    members = ma.fields.List(ma.fields.Nested(Person), required=True)
    contact = ma.fields.Nested(Contact)


class ReferralSummary(ma.Schema):
    id = ma.fields.Integer(required=True)
    case_number = ma.fields.String(required=True)
    service = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    urgency = ma.fields.String(required=True)
    due_on = ma.fields.Date(required=True)
    version = ma.fields.String(required=True, metadata={"description": "send it as If-Match"})


class ReferralPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReferralSummary), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class Referral(ReferralSummary):
    reason = ma.fields.String(required=True)
    shared = ma.fields.Nested(
        Household, allow_none=True, metadata={"description": "what it shares, while open"}
    )


class ReferralListArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=between(1, 100))
    cursor = ma.fields.String(load_default=None)
    state = ma.fields.String(load_default=None, validate=one_of(STATES))


class ReferralChange(ma.Schema):
    """A change the receiving agency makes: accept, decline, start, progress, complete."""

    action = ma.fields.String(
        required=True,
        validate=one_of(["accept", "decline", "start", "progress", "complete"]),
    )
    note = ma.fields.String(
        load_default="",
        validate=at_most(2000),
        metadata={"description": "required to decline, record progress or complete"},
    )
