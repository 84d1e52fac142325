"""Test data factories. Each commits, so the rows are visible to the requests a test makes."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.access.roles import Role
from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db
from app.reference.models import Agency, Camp, District, Governorate, ReturnBatch, Team
from app.registry.models import Household, Member
from app.registry.services import allocate_case_numbers, refresh_search_text

PASSWORD = "correct horse battery"


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = db.session
        sqlalchemy_session_persistence = "commit"


class GovernorateFactory(Base):
    class Meta:
        model = Governorate

    iso_code = factory.Sequence(lambda n: f"IQ-T{n}")
    pcode = factory.Sequence(lambda n: f"IQG9{n}")
    name_en = factory.Sequence(lambda n: f"Governorate {n}")
    name_ar = factory.Sequence(lambda n: f"محافظة {n}")


class DistrictFactory(Base):
    class Meta:
        model = District

    governorate = factory.SubFactory(GovernorateFactory)
    pcode = factory.Sequence(lambda n: f"IQG9Q{n}")
    name_en = factory.Sequence(lambda n: f"District {n}")
    name_ar = factory.Sequence(lambda n: f"قضاء {n}")


class CampFactory(Base):
    class Meta:
        model = Camp

    code = factory.Sequence(lambda n: f"CAMP{n}")
    country = "SY"
    name_en = factory.Sequence(lambda n: f"Camp {n}")
    name_ar = factory.Sequence(lambda n: f"مخيم {n}")


class AgencyFactory(Base):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"AG{n}")
    kind = "government"
    name_en = factory.Sequence(lambda n: f"Agency {n}")
    name_ar = factory.Sequence(lambda n: f"جهة {n}")


class TeamFactory(Base):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    agency = factory.SubFactory(AgencyFactory)


class BatchFactory(Base):
    class Meta:
        model = ReturnBatch

    number = factory.Sequence(lambda n: f"B-{n:03d}")
    departure_date = date(2026, 3, 1)
    origin_camp = factory.SubFactory(CampFactory)
    destination_camp = factory.SubFactory(CampFactory, country="IQ", is_centre=True)


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"User Number {n}")
    role = Role.CASEWORKER.value
    agency = factory.SubFactory(AgencyFactory)
    team = None
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))


class MemberFactory(factory.Factory):
    """Built, not saved: HouseholdFactory adds members to its household."""

    class Meta:
        model = Member

    given_name_ar = "فاطمة"
    father_name_ar = "أحمد"
    grandfather_name_ar = "إبراهيم"
    family_name_ar = "الجبوري"
    given_name_en = "Fatima"
    father_name_en = "Ahmed"
    grandfather_name_en = "Ibrahim"
    family_name_en = "Al-Jubouri"
    sex = "F"
    birth_date = date(1990, 5, 17)
    relationship = "head"


class HouseholdFactory(Base):
    class Meta:
        model = Household

    case_number = factory.LazyFunction(lambda: allocate_case_numbers(2026)[0])
    camp = factory.SubFactory(CampFactory)
    camp_ref = factory.Sequence(lambda n: f"HOL-{n:06d}")
    origin_governorate = factory.SubFactory(GovernorateFactory)
    team = factory.SubFactory(TeamFactory)
    assigned_to = None

    @factory.post_generation
    def members(household, create, extracted, **kwargs):
        household.members = list(extracted) if extracted is not None else [MemberFactory()]
        refresh_search_text(household)
        if create:
            db.session.commit()


def judged_pair(a: Member, b: Member, status: str = "same", source: str = "scan"):
    """A pair of possible duplicates of `a` and `b` (stored once, lower id first), judged
    `status`, with the digests the two records have now; committed."""
    from app.identity.models import DuplicatePair

    first, second = sorted((a, b), key=lambda m: m.id)
    pair = DuplicatePair(
        first_member_id=first.id,
        second_member_id=second.id,
        probability=0.99,
        weight=14.0,
        model_version="test",
        explanation=[],
        source=source,
        status=status,
        first_digest=first.identity_digest or "x",
        second_digest=second.identity_digest or "x",
    )
    db.session.add(pair)
    db.session.commit()
    return pair


def stored_attachment(household, uploader, group: str = "documents"):
    """A scan of a civil ID on `household`'s file, filed under `group`, its content stored
    (flushed; the caller commits)."""
    import hashlib

    from app.attachments import storage
    from app.attachments.models import Attachment
    from app.core.dates import local_today

    content = b"%PDF-1.4 scan of a civil ID " + str(household.id).encode()
    sha256 = hashlib.sha256(content).hexdigest()
    storage.storage().put(sha256, content)
    attachment = Attachment(
        household_id=household.id,
        kind="civil_id",
        group=group,
        dated=local_today(),
        filename="id.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=sha256,
        uploaded_by_id=uploader.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def move_to_team_b(world, user) -> None:
    """Move `user` to team B of the other agency as an administrator does it, through the
    account service (which also hands their team A work back), and commit."""
    from app.admin.services import update_account
    from app.auth.services import UserInput

    data = UserInput(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        agency_code=world.team_b.agency.code,
        team_name=world.team_b.name,
        email=user.email,
        locale=user.locale,
    )
    update_account(world.admin, user, data, None)
    db.session.commit()


def sent_referral(household, agency, sender, service=None):
    """A referral of `household` sent by `sender` to `agency` for legal aid (a new service of
    the agency's unless `service` is given), sharing the identity group; committed."""
    from app.core.dates import local_today
    from app.referrals.models import AgencyService, Referral

    service = service or AgencyService(
        agency=agency, service="legal_aid", allowed_groups="identity"
    )
    referral = Referral(
        household=household,
        agency=agency,
        service=service,
        reason="Papers for the children",
        urgency="routine",
        due_on=local_today(),
        groups="identity",
        state="sent",
        created_by=sender,
    )
    db.session.add_all([service, referral])
    db.session.commit()
    return referral


def api_token(user, scopes, days: int = 30) -> str:
    """A personal API token of `user` holding `scopes`, even those the user's roles have no use
    for: a token made before its user's role changed, which the token form and the command no
    longer give (`tokens.usable_scopes`) but the API must still refuse by its policy."""
    from app.api import tokens

    token, row = tokens.create_token(user, "test script", ["account:read"], days)
    row.scopes = " ".join(sorted(set(scopes)))
    return token
