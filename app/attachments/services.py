"""Attaching a document or photo, who may see and download it, and removing it.

Who sees an attachment is decided by its field group, as for the rest of the file: a reader of
the household sees the attachments of the groups they see (`visible_groups`); an agency's
focal point sees those of the groups a referral to the agency shares, while it is open, and
those an approved disclosure to the body hands over. Every
upload, download and removal is in the audit trail, and in the case history. Services flush;
the caller commits (after the content is stored: a row never points at missing content).
"""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import jobs
from app.access import Action, FieldGroup, can, visible_groups
from app.audit import services as audit
from app.auth.models import User
from app.core.dates import local_today
from app.core.db import utcnow
from app.core.text import shown_file_name
from app.core.validation import ValidationFailed
from app.extensions import db
from app.history.services import record
from app.registry.models import Household, Member

from . import checking, storage
from .models import Attachment
from .vocab import KINDS

EARLIEST_YEAR = 1900  # no document on a returnee's file is older


def may_attach(user: User, household: Household) -> bool:
    """Whether `user` may add documents to this household's file (as they may edit it)."""
    return can(user, Action.HOUSEHOLD_EDIT, household)


def groups_to_attach(user: User, household: Household) -> list[FieldGroup]:
    """The groups `user` may file an attachment under: those they see, but vetting."""
    seen = visible_groups(user, household)
    order = (
        FieldGroup.DOCUMENTS,
        FieldGroup.IDENTITY,
        FieldGroup.VULNERABILITIES,
        FieldGroup.PROTECTION,
    )
    return [group for group in order if group in seen]


def attach(
    household: Household,
    member: Member | None,
    kind: str,
    group: str,
    dated: date | None,
    content: bytes,
    filename: str,
    actor: User,
) -> Attachment:
    """Check the file by its content, store it under its SHA-256 and record the attachment.
    Raises ValidationFailed (fields `kind`, `group`, `dated`, `member_id`, `upload`)."""
    errors: dict[str | None, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [str(_l("Choose what the document is."))]
    if group not in {g.value for g in groups_to_attach(actor, household)}:
        errors["group"] = [str(_l("Choose who may see it."))]
    if dated is None or dated > local_today() or dated.year < EARLIEST_YEAR:
        errors["dated"] = [str(_l("Give the document's date: from 1900 to today."))]
    if member is not None and member.household_id != household.id:
        errors["member_id"] = [str(_l("Choose a member of this household."))]
    try:
        fit = checking.checked(
            content,
            current_app.config["ATTACHMENT_MAX_MB"] * 1024 * 1024,
            current_app.config["ATTACHMENT_MAX_MEGAPIXELS"],
        )
    except checking.Refused as refused:
        errors["upload"] = [str(refused.message)]
    if errors:
        raise ValidationFailed(errors)
    sha256 = hashlib.sha256(fit.content).hexdigest()
    storage.storage().put(sha256, fit.content)
    attachment = Attachment(
        household_id=household.id,
        member_id=member.id if member is not None else None,
        kind=kind,
        group=group,
        dated=dated,
        filename=shown_file_name(filename, f"{kind}.{fit.extension}"),
        content_type=fit.content_type,
        size=len(fit.content),
        sha256=sha256,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    _history(attachment, "attachment_added", actor)
    return attachment


# Built once and reused (the household page's reads are; bench/page_costs.py).
_SHOWN = (
    sa.select(Attachment)
    .where(
        Attachment.household_id == sa.bindparam("household_id"),
        Attachment.group.in_(sa.bindparam("groups", expanding=True)),
    )
    .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())
)


def shown_to(user: User, household: Household) -> list[Attachment]:
    """The attachments of `household` that `user` sees, newest first (removed ones too, as a
    line that says who removed it and why, without a download)."""
    groups = sorted(g.value for g in visible_groups(user, household))
    if not groups:
        return []
    found = db.session.scalars(_SHOWN, {"household_id": household.id, "groups": groups})
    return list(found)


def shared_with(referral) -> list[Attachment]:
    """The attachments a referral shares with its agency: of the groups it shares besides
    identity (which every referral carries: its photos of people and consent forms stay with
    the team), about the household or the member it is about; none once it is closed."""
    from app.referrals import states

    if referral.state not in states.OPEN:
        return []
    groups = [g for g in referral.shared if g != FieldGroup.IDENTITY.value]
    stmt = sa.select(Attachment).where(
        Attachment.household_id == referral.household_id,
        Attachment.group.in_(groups),
        Attachment.removed_at.is_(None),
    )
    if referral.member_id is not None:
        about = Attachment.member_id.is_(None) | (Attachment.member_id == referral.member_id)
        stmt = stmt.where(about)
    return list(db.session.scalars(stmt.order_by(Attachment.id)))


def disclosed_with(disclosure) -> list[Attachment]:
    """The attachments an approved disclosure hands to its body: of the groups it discloses,
    about the household or its member, as they stood when it was approved (like the data it
    froze then)."""
    from app.transfers.models import APPROVED

    if disclosure.state != APPROVED or disclosure.decided_at is None:
        return []
    stmt = sa.select(Attachment).where(
        Attachment.household_id == disclosure.household_id,
        Attachment.group.in_(disclosure.group_list),
        Attachment.removed_at.is_(None),
        Attachment.uploaded_at <= disclosure.decided_at,
    )
    if disclosure.member_id is not None:
        about = Attachment.member_id.is_(None) | (Attachment.member_id == disclosure.member_id)
        stmt = stmt.where(about)
    return list(db.session.scalars(stmt.order_by(Attachment.id)))


def may_download(user: User, attachment: Attachment) -> bool:
    """Whether `user` may download `attachment` now: a reader of its group on the household,
    or a focal point of an agency to which an open referral, or an approved disclosure,
    hands it."""
    if attachment.removed_at is not None:
        return False
    household = attachment.household
    if FieldGroup(attachment.group) in visible_groups(user, household):
        return True
    if any(attachment in shared_with(r) for r in _referrals_to(user, household)):
        return True
    return any(attachment in disclosed_with(d) for d in _disclosures_to(user, household))


def _disclosures_to(user: User, household: Household):
    from app.access.policy import visible_disclosures
    from app.transfers.models import Disclosure

    if not can(user, Action.DISCLOSURES_RECEIVED):
        return []
    stmt = visible_disclosures(user).where(Disclosure.household_id == household.id)
    return list(db.session.scalars(stmt))


def _referrals_to(user: User, household: Household):
    from app.access.policy import visible_referrals
    from app.referrals.models import Referral

    if not can(user, Action.REFERRAL_INBOX):
        return []
    stmt = visible_referrals(user).where(Referral.household_id == household.id)
    return list(db.session.scalars(stmt))


def content_of(attachment: Attachment, actor: User) -> bytes:
    """The stored content, audited as downloaded. Raises FileNotFoundError."""
    content = storage.storage().get(attachment.sha256)
    audit.record(
        "attachments.downloaded",
        household_id=attachment.household_id,
        target=f"attachment:{attachment.id}",
        user=actor,
    )
    return content


def remove(attachment: Attachment, reason: str, actor: User) -> None:
    """Remove `attachment` with `reason` (required): the row stays, saying who removed it,
    when and why; the content is deleted after the commit unless another attachment holds
    it. Raises
    ValidationFailed (field `reason`, or None when already removed)."""
    if attachment.removed_at is not None:
        raise ValidationFailed({None: [str(_l("This attachment was already removed."))]})
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [str(_l("Say why it is removed."))]})
    attachment.removed_at, attachment.removed_by_id = utcnow(), actor.id
    attachment.removal_reason = reason.strip()
    db.session.flush()
    jobs.launch_on_commit(DELETE_JOB, sha256=attachment.sha256)
    _history(attachment, "attachment_removed", actor, reason=attachment.removal_reason)


DELETE_JOB = "attachments.delete_content"


@jobs.task(DELETE_JOB)
def delete_content(sha256: str) -> None:
    """Delete stored content no attachment holds any more: run once the removal committed,
    so that a removal rolled back never loses the file."""
    held = sa.select(Attachment.id).where(
        Attachment.sha256 == sha256, Attachment.removed_at.is_(None)
    )
    if db.session.scalar(held.limit(1)) is None:
        storage.storage().delete(sha256)


def _history(attachment: Attachment, kind: str, actor: User, reason: str | None = None) -> None:
    """The case history says that a document was added or removed, and its kind; the reason
    of a removal is read only by those who see the attachment's group."""
    record(
        attachment.household,
        kind,
        actor,
        member_id=attachment.member_id,
        reason=reason,
        attachment=attachment.id,
        document=attachment.kind,
        restricted=attachment.group,
    )
