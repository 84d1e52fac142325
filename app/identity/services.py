"""Possible duplicates: raised from registration, a full scan or (later) an import; judged by
people; remembered. Views, the CLI and the importer call these; they flush and leave the commit
to the caller.

A "not the same" judgement is kept with the digests of both records (`linkage.digest`): the pair
is not raised again while both are unchanged. A change to either person's identity raises it
again, with the old judgement in the history of the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.access.policy import Action, can, visible_pairs
from app.audit import services as audit
from app.auth.models import User
from app.core.db import utcnow
from app.core.pagination import count
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity import linkage
from app.identity.models import DuplicatePair, PairStatus
from app.identity.scoring import Score
from app.registry.models import Household, Member

JUDGEMENT_LABELS = {
    PairStatus.SAME: _l("The same person"),
    PairStatus.NOT_SAME: _l("Not the same person"),
    PairStatus.UNSURE: _l("Unsure"),
}
STATUS_LABELS = {
    PairStatus.OPEN: _l("Waiting"),
    PairStatus.MERGED: _l("Merged"),
    **JUDGEMENT_LABELS,
}
SOURCE_LABELS = {
    "registration": _l("Registration"),
    "scan": _l("Full scan"),
    "import": _l("List import"),
}


@dataclass(frozen=True)
class Finding:
    """Possible duplicates of one person being saved: `name` as typed (Arabic), `position` in
    the household's rows (from 0), and the candidates, best first."""

    name: str
    position: int
    candidates: list[linkage.Candidate]


def candidates_of(member: Member) -> list[linkage.Candidate]:
    """`linkage.candidates` of a saved member, outside their own household. A save asks this
    twice of the same persons (to raise the pairs, then to show the user theirs): the answer
    is kept for the rest of the request, keyed by the member's identity digest."""
    key = (member.id, member.household_id, member.identity_digest)
    kept = g.setdefault("_awda_candidates", {}) if has_app_context() else {}
    if key not in kept:
        kept[key] = linkage.candidates(linkage.person_record(member), member.household_id)
    return kept[key]


def find_candidates_together(members: Sequence[Member]) -> None:
    """Find the candidates of many saved members (keys refreshed) in a few statements
    (`linkage.candidates_for_many`), so that `candidates_of` answers each from memory: a
    list's chunk of households is matched at once rather than person by person."""
    found = linkage.candidates_for_many([linkage.person_record(m) for m in members])
    kept = g.setdefault("_awda_candidates", {})
    for member, candidates in zip(members, found, strict=True):
        kept[(member.id, member.household_id, member.identity_digest)] = candidates


def forget_candidates() -> None:
    """Let go of the candidates kept so far (a long job, between its chunks)."""
    g.pop("_awda_candidates", None)


def possible_duplicates(members: Iterable[Member], actor: User) -> list[Finding]:
    """For each of `members` (just flushed, keys refreshed), the registered persons the
    matcher proposes that `actor` may open. Candidates outside their scope are left out: not
    named, not counted, not hinted at; `raise_pairs` puts them in the queue, for those who may
    judge them, when the household is saved."""
    findings = []
    for member in members:
        shown = shown_to(actor, candidates_of(member))
        if shown:
            findings.append(Finding(member.name_ar, member.position, shown))
    return findings


def unseen_duplicates(
    household: Household, digests: dict[int, str | None], seen: set[int], actor: User
) -> list[Finding]:
    """Possible duplicates (`possible_duplicates`) of the members of `household` just saved
    whose identity is new or changed (`digests`: member id -> digest before the save), when
    any candidate among them is not in `seen` (the ids a person has already been shown and
    answered); [] when there are none or all were seen. Called inside the save's savepoint, so
    that the save's own checks come first and nothing is kept if the person is to look first."""
    changed = [m for m in household.members if digests.get(m.id) != m.identity_digest]
    findings = possible_duplicates(changed, actor)
    shown = {c.member.id for f in findings for c in f.candidates}
    return findings if shown - seen else []


def shown_to(actor: User, candidates: Iterable[linkage.Candidate]) -> list[linkage.Candidate]:
    """The candidates whose household `actor` may open: the only ones a page may name."""
    return [c for c in candidates if can(actor, Action.HOUSEHOLD_VIEW, c.member.household)]


def raise_pairs(members: Iterable[Member], source: str, actor: User | None) -> int:
    """Score `members` (saved, keys refreshed) against the register and keep every proposed
    pair, whoever may see it. Returns how many pairs were raised or raised again."""
    raised = 0
    for member in members:
        for candidate in candidates_of(member):
            if _keep(member, candidate.member, candidate.score, source, actor):
                raised += 1
    return raised


def _ordered(a: Member, b: Member) -> tuple[Member, Member]:
    return (a, b) if a.id < b.id else (b, a)


def _keep(a: Member, b: Member, score: Score, source: str, actor: User | None) -> bool:
    """Store the proposed pair (a, b): new, raised again after a "not the same" judgement on
    records that have changed since, or re-scored while it waits. True when it is new to the
    queue (new, or raised again); a pair already waiting is only re-scored."""
    first, second = _ordered(a, b)
    pair = db.session.scalar(
        sa.select(DuplicatePair).where(
            DuplicatePair.first_member_id == first.id,
            DuplicatePair.second_member_id == second.id,
        )
    )
    digests = (first.identity_digest or "", second.identity_digest or "")
    if pair is not None and pair.status not in PairStatus.WAITING:
        if (pair.first_digest, pair.second_digest) == digests:
            return False  # judged on these very records: the judgement stands
        if pair.status in (PairStatus.SAME, PairStatus.MERGED):
            return False  # already one person; a change does not make them two
    raised = pair is None or pair.status == PairStatus.NOT_SAME
    if pair is None:
        pair = DuplicatePair(
            first_member_id=first.id,
            second_member_id=second.id,
            status=PairStatus.OPEN,
            source=source,
            raised_by_id=_id(actor),
        )
        db.session.add(pair)
    elif pair.status == PairStatus.NOT_SAME:
        pair.status, pair.raised_at = PairStatus.OPEN, utcnow()
    with db.session.no_autoflush:
        pair.first_digest, pair.second_digest = digests
        _store_score(pair, score)
    db.session.flush()
    return raised


def _store_score(pair: DuplicatePair, score: Score) -> None:
    """The score and its explanation (levels and weights are the same either way round)."""
    pair.probability, pair.weight, pair.model_version = score.probability, score.weight, score.model
    pair.explanation = [
        {"feature": f.feature, "level": f.level, "weight": round(f.weight, 2)}
        for f in score.features
    ]


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def decide(pair: DuplicatePair, judgement: str, reason: str, actor: User) -> DuplicatePair:
    """Record a person's judgement on `pair` (one of `PairStatus.JUDGEMENTS`) with a reason.
    ValidationFailed (field `judgement` or `reason`) when either is missing or unknown, or when
    the pair was merged (undo the merge first)."""
    if pair.status == PairStatus.MERGED:
        raise ValidationFailed(
            {None: [str(_l("These records were merged. Undo the merge to judge them again."))]}
        )
    errors: dict[str | None, list[str]] = {}
    if judgement not in PairStatus.JUDGEMENTS:
        errors["judgement"] = [str(_l("Choose one of the three answers."))]
    if not (reason or "").strip():
        errors["reason"] = [str(_l("Say why: what you compared, who you asked."))]
    if errors:
        raise ValidationFailed(errors)
    before = pair.status
    pair.status, pair.reason = judgement, reason.strip()
    pair.decided_by_id, pair.decided_at = actor.id, utcnow()
    pair.first_digest = pair.first.identity_digest or ""
    pair.second_digest = pair.second.identity_digest or ""
    db.session.flush()
    audit.record(
        "identity.judged",
        change=True,
        household_id=pair.first.household_id,
        pair=pair.id,
        judgement=judgement,
        before=before,
        other_household=pair.second.household_id,
    )
    return pair


def waiting_count(user: User) -> int:
    """Pairs waiting for a judgement that this user may give (the menu's count)."""
    stmt = visible_pairs(user).where(DuplicatePair.status.in_(PairStatus.WAITING))
    return count(stmt.with_only_columns(DuplicatePair.id).limit(QUEUE_CAP + 1))


# What the queue shows of each pair, loaded with the page's rows.
QUEUE_OPTIONS = (
    selectinload(DuplicatePair.first).selectinload(Member.household),
    selectinload(DuplicatePair.second).selectinload(Member.household),
)
QUEUE_CAP = 1000


def queue(user: User, status: str | None) -> sa.Select:
    """The pairs this user sees, waiting ones by default, likeliest first."""
    statuses = (status,) if status in STATUS_LABELS else PairStatus.WAITING
    return (
        visible_pairs(user)
        .where(DuplicatePair.status.in_(statuses))
        .order_by(DuplicatePair.weight.desc(), DuplicatePair.id)
    )


def scan(batch: int = 1000, progress=None) -> tuple[int, int]:
    """Score every person against the register and raise the proposed pairs (`flask identity
    scan`). Each person is compared with those registered before them only, so a pair is
    scored once. Commits per batch. Returns (persons read, pairs raised)."""
    read = raised = 0
    last_id = 0
    while True:
        members = db.session.scalars(
            sa.select(Member)
            .join(Household, Household.id == Member.household_id)
            .where(
                Member.id > last_id,
                Member.merged_into_id.is_(None),
                Household.merged_into_id.is_(None),
            )
            .order_by(Member.id)
            .limit(batch)
            .options(selectinload(Member.identifiers))
        ).all()
        if not members:
            return read, raised
        last_id = members[-1].id
        for member in members:
            record = linkage.person_record(member)
            for candidate in linkage.candidates(record, member.household_id):
                if candidate.member.id < member.id and _keep(
                    member, candidate.member, candidate.score, "scan", None
                ):
                    raised += 1
        read += len(members)
        db.session.commit()
        if progress:
            progress(read, raised)
