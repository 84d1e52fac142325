"""URL rules of record linkage: the queue of possible duplicates, a pair, its judgement, its
merge and the undoing of a merge. Every pair is loaded through the access policy
(`visible_pairs`); a records officer reads the identity of both persons here and nothing else
of their households."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import Action, can, require
from app.access.policy import pair_or_404
from app.audit import services as audit
from app.core.forms import options, place_errors
from app.core.navigation import count_waiting
from app.core.pagination import page_number, paginate
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity import linkage, services
from app.identity.forms import JudgementForm, MergeForm, UndoForm
from app.identity.labels import FEATURE_LABELS, level_label
from app.identity.models import DuplicatePair, Merge
from app.identity.scoring import score
from app.registry import vocab

bp = Blueprint("identity", __name__, template_folder="templates", url_prefix="/identity")
count_waiting("identity.queue", services.waiting_count)


@bp.route("/duplicates")
@login_required
def queue():
    require(current_user, Action.DUPLICATES)
    status = request.args.get("status") or None
    page = paginate(
        services.queue(current_user, status),
        DuplicatePair,
        page_number(request.args.get("page")),
        25,
        options=services.QUEUE_OPTIONS,
        cap=services.QUEUE_CAP,
    )
    audit.record("identity.queue", status=status or "waiting")
    return render_template(
        "identity/queue.html",
        page=page,
        status=status if status in services.STATUS_LABELS else None,
        status_labels=services.STATUS_LABELS,
        source_labels=services.SOURCE_LABELS,
        feature_labels=FEATURE_LABELS,
    )


def _forms(pair: DuplicatePair):
    merge_form = MergeForm(prefix="merge")
    merge_form.kept_member_id.choices = options(
        (str(m.id), f"{m.household.case_number} · {m.name_ar}") for m in pair.members
    )
    return JudgementForm(prefix="judge"), merge_form, UndoForm(prefix="undo")


def _score_now(pair: DuplicatePair):
    """The pair scored on what the two records hold now, explained feature by feature; also
    when both are now in one household (after their households were merged)."""
    first, second = (replace(linkage.person_record(m), group="") for m in pair.members)
    return score(first, second)


def _render(pair: DuplicatePair, forms, status: int = 200, problems=()):
    judgement_form, merge_form, undo_form = forms
    now = _score_now(pair)
    merges = db.session.scalars(
        db.select(Merge).where(Merge.pair_id == pair.id).order_by(Merge.id.desc())
    ).all()
    page = render_template(
        "identity/pair.html",
        pair=pair,
        now=now,
        merges=merges,
        problems=list(problems),
        judgement_form=judgement_form,
        merge_form=merge_form,
        undo_form=undo_form,
        may_merge=can(current_user, Action.MERGE),
        may_open=lambda member: can(current_user, Action.HOUSEHOLD_VIEW, member.household),
        feature_labels=FEATURE_LABELS,
        level_label=level_label,
        status_labels=services.STATUS_LABELS,
        source_labels=services.SOURCE_LABELS,
        vocab=vocab,
    )
    return page, status


@bp.route("/duplicates/<int:pair_id>")
@login_required
def pair(pair_id: int):
    found = pair_or_404(current_user, pair_id)
    audit.record(
        "identity.pair",
        household_id=found.first.household_id,
        pair=found.id,
        other_household=found.second.household_id,
    )
    return _render(found, _forms(found))


@bp.route("/duplicates/<int:pair_id>/judgement", methods=["POST"])
@login_required
def judge(pair_id: int):
    found = pair_or_404(current_user, pair_id)
    forms = _forms(found)
    form = forms[0]
    if not form.validate_on_submit():
        return _render(found, forms, 422)
    try:
        services.decide(found, form.judgement.data, form.reason.data, current_user)
    except ValidationFailed as failed:
        place_errors(form, failed.errors)
        return _render(found, forms, 422, failed.errors.get(None, []))
    db.session.commit()
    flash(_("Your judgement was recorded."), "success")
    return redirect(url_for("identity.pair", pair_id=found.id))


@bp.route("/duplicates/<int:pair_id>/merge", methods=["POST"])
@login_required
def merge(pair_id: int):
    from app.identity import merging

    found = pair_or_404(current_user, pair_id)
    require(current_user, Action.MERGE)
    forms = _forms(found)
    form = forms[1]
    if not form.validate_on_submit():
        return _render(found, forms, 422)
    try:
        merging.merge(
            found,
            current_user,
            kept_member_id=int(form.kept_member_id.data),
            reason=form.reason.data,
            households=form.households.data,
        )
    except ValidationFailed as failed:
        db.session.rollback()
        place_errors(form, failed.errors)
        return _render(pair_or_404(current_user, pair_id), forms, 422, failed.errors.get(None, []))
    db.session.commit()
    flash(_("The records were merged. The merge can be undone from this page."), "success")
    return redirect(url_for("identity.pair", pair_id=found.id))


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@login_required
def undo(merge_id: int):
    from app.identity import merging

    require(current_user, Action.MERGE)
    done = db.session.get(Merge, merge_id)
    if done is None:
        abort(404)
    found = pair_or_404(current_user, done.pair_id)
    forms = _forms(found)
    form = forms[2]
    if not form.validate_on_submit():
        return _render(found, forms, 422)
    try:
        merging.undo(done, current_user, form.reason.data)
    except ValidationFailed as failed:
        db.session.rollback()
        place_errors(form, failed.errors)
        problems = failed.errors.get(None, [])
        return _render(pair_or_404(current_user, done.pair_id), forms, 422, problems)
    db.session.commit()
    flash(_("The merge was undone."), "success")
    return redirect(url_for("identity.pair", pair_id=found.id))
