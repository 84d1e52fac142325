"""URL rules of watch-list screening, for security screeners alone: the lists and their
versions, loading a new version, the queue of alerts, an alert explained feature by feature,
and a screener's answer on it. Lists are loaded through `visible_watch_lists` and alerts
through `visible_alerts` (app.access.policy); every view is audited."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.access import Action, can, require
from app.access.policy import alert_or_404, visible_alerts, visible_watch_lists, watch_list_or_404
from app.audit import services as audit
from app.core.forms import place_errors
from app.core.navigation import count_waiting
from app.core.pagination import page_number, paginate
from app.core.text import whole_number
from app.core.uploads import answer_too_large
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity import linkage
from app.identity.labels import FEATURE_LABELS, level_label
from app.imports.reading import Limits, UnreadableList, read_table, too_large
from app.registry import vocab
from app.registry.models import Household, Member
from app.watchlist import decisions, loading
from app.watchlist.forms import AnswerForm, LoadForm
from app.watchlist.matching import best_of, entry_records
from app.watchlist.models import AlertStatus, ListKind, WatchAlert, WatchList
from app.watchlist.national import read_national
from app.watchlist.un_xml import looks_like_xml, read_un_list

bp = Blueprint("watchlist", __name__, template_folder="templates", url_prefix="/watchlist")

STATUS_LABELS = {
    AlertStatus.OPEN: _l("New"),
    AlertStatus.POSSIBLE: _l("Possibly the person"),
    AlertStatus.PENDING: _l("The person: waiting for a second screener"),
    AlertStatus.CONFIRMED: _l("Confirmed by two screeners"),
    AlertStatus.NOT_PERSON: _l("Not the person"),
    AlertStatus.WITHDRAWN: _l("Withdrawn: no longer listed"),
}
SOURCE_LABELS = {
    "registration": _l("registration or a change of identity"),
    "import": _l("a transfer list"),
    "list": _l("a new version of a watch list"),
}
NAME_LABELS = {
    "primary": _l("the listed name"),
    "good": _l("a good-quality alias"),
    "low": _l("a low-quality alias"),
}
# A screener's answer as the alert's history tells it.
DECISION_LABELS = {
    "not_person": _l("Not the person"),
    "possible": _l("Possibly the person"),
    "the_person": _l("The person listed"),
}
QUEUE_CAP = 1000


def waiting_count(user) -> int:
    """Alerts waiting for a screener (the menu's count), up to `QUEUE_CAP` + 1."""
    stmt = (
        visible_alerts(user)
        .where(WatchAlert.status.in_(AlertStatus.WAITING))
        .with_only_columns(WatchAlert.id)
        .limit(QUEUE_CAP + 1)
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


count_waiting("watchlist.alerts", waiting_count)


@bp.app_template_global()
def alert_status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


@bp.app_context_processor
def _household_section_helpers() -> dict:
    """What watchlist/_household_section.html needs when the household page includes it."""
    return {"watchlist_alerts_of": _alerts_of}


def _alerts_of(household: Household) -> list[WatchAlert]:
    """The alerts on the household's members that are waiting or confirmed, for a screener;
    nothing for anyone else (who must not learn that a person was alerted)."""
    if not can(current_user, Action.WATCHLIST_SCREEN):
        return []
    shown = (*AlertStatus.WAITING, AlertStatus.CONFIRMED)
    stmt = (
        visible_alerts(current_user)
        .join(Member, Member.id == WatchAlert.member_id)
        .where(Member.household_id == household.id, WatchAlert.status.in_(shown))
        .order_by(WatchAlert.status != AlertStatus.CONFIRMED, WatchAlert.weight.desc())
    )
    return list(db.session.scalars(stmt))


# --- lists --------------------------------------------------------------------------------


def _lists_page(form: LoadForm, status: int = 200):
    lists = db.session.scalars(visible_watch_lists(current_user).order_by(WatchList.name)).all()
    return render_template("watchlist/lists.html", lists=lists, form=form), status


@bp.route("/")
@login_required
def lists():
    require(current_user, Action.WATCHLIST_MANAGE)
    audit.record("watchlist.lists")
    return _lists_page(LoadForm())


@bp.route("/load", methods=["POST"])
@login_required
def load():
    require(current_user, Action.WATCHLIST_MANAGE)
    form = LoadForm()
    if not form.validate_on_submit():
        return _lists_page(form, 422)
    upload = request.files.get(form.list_file.name)
    if upload is None or not upload.filename:
        form.list_file.errors = [_("Choose the file of the list.")]
        return _lists_page(form, 422)
    content = upload.read()
    try:
        kind, persons, unread = _read(content, upload.filename)
        loaded = loading.load(
            form.source.data, kind, persons, upload.filename, content, current_user
        )
    except UnreadableList as refused:
        form.list_file.errors = [str(refused.message)]
        return _lists_page(form, 422)
    except ValidationFailed as refused:
        place_errors(
            form, {("list_file" if k is None else k): v for k, v in refused.errors.items()}
        )
        return _lists_page(form, 422)
    db.session.commit()
    version = loaded.version
    flash(
        _(
            "Version %(number)s loaded: %(added)s added, %(changed)s changed, %(removed)s removed."
            " The persons registered are screened against what changed in the background.",
            number=version.number,
            added=version.added,
            changed=version.changed,
            removed=version.removed,
        ),
        "success",
    )
    for row, text in unread[:20]:
        flash(_("Row %(row)s: the date of birth “%(text)s” could not be read; listed without it.",
                row=row, text=text), "warning")  # fmt: skip
    return redirect(url_for("watchlist.watch_list", list_id=version.watch_list_id))


def _read(content: bytes, filename: str):
    """(kind, persons, unread dates) of an uploaded list: XML is the UN's format; anything else
    is a national list read by the intake's reader. Raises UnreadableList."""
    limits = Limits(max_bytes=current_app.config["IMPORT_MAX_MB"] * 1024 * 1024)
    if looks_like_xml(content):
        return ListKind.UN, read_un_list(content), []
    national = read_national(read_table(content, filename, limits))
    if not national.persons:
        raise UnreadableList(_NO_NAMES)
    return ListKind.NATIONAL, national.persons, national.unread_dates


_NO_NAMES = _l(
    "No person could be read. The list needs a column of full names, or of given and father's"
    " names, with Arabic or English headings in its first row."
)


def _load_too_large():
    form = LoadForm(formdata=None)
    form.list_file.errors = [str(too_large(current_app.config["IMPORT_MAX_MB"]))]
    return _lists_page(form, 413)


answer_too_large(bp, {"watchlist.load"}, _load_too_large)


@bp.route("/lists/<int:list_id>")
@login_required
def watch_list(list_id: int):
    found = watch_list_or_404(current_user, list_id)
    audit.record("watchlist.list", target=f"watchlist:{found.id}")
    return render_template("watchlist/list.html", watch_list=found)


# --- alerts -------------------------------------------------------------------------------


@bp.route("/alerts")
@login_required
def alerts():
    require(current_user, Action.WATCHLIST_SCREEN)
    status = request.args.get("status") or None
    statuses = (status,) if status in STATUS_LABELS else AlertStatus.WAITING
    stmt = (
        visible_alerts(current_user)
        .where(WatchAlert.status.in_(statuses))
        .order_by(WatchAlert.weight.desc(), WatchAlert.id)
    )
    options = (
        sa.orm.selectinload(WatchAlert.member).selectinload(Member.household),
        sa.orm.selectinload(WatchAlert.entry),
    )
    page = paginate(stmt, WatchAlert, page_number(request.args.get("page")), 25, options, QUEUE_CAP)
    audit.record("watchlist.alerts", status=status or "waiting")
    return render_template(
        "watchlist/alerts.html",
        page=page,
        status=status if status in STATUS_LABELS else None,
        status_labels=STATUS_LABELS,
    )


def _score_now(alert: WatchAlert):
    """The alert scored on what the person and the entry hold now, feature by feature."""
    record = replace(linkage.person_record(alert.member), group="")
    listed = entry_records(alert.entry.id, alert.entry.data)
    return best_of(record, alert.entry, listed, proposed_only=False)


def _render(alert: WatchAlert, form: AnswerForm, status: int = 200, problems=()):
    household: Household = alert.member.household
    form.seen.data = str(len(alert.decisions))  # the answers this page shows
    page = render_template(
        "watchlist/alert.html",
        alert=alert,
        now=_score_now(alert),
        form=form,
        problems=list(problems),
        may_open=can(current_user, Action.HOUSEHOLD_VIEW, household),
        first_said=decisions.first_to_say_the_person(alert),
        feature_labels=FEATURE_LABELS,
        level_label=level_label,
        status_labels=STATUS_LABELS,
        source_labels=SOURCE_LABELS,
        name_labels=NAME_LABELS,
        answer_labels=DECISION_LABELS,
        vocab=vocab,
    )
    return page, status


@bp.route("/alerts/<int:alert_id>")
@login_required
def alert(alert_id: int):
    found = alert_or_404(current_user, alert_id)
    audit.record(
        "watchlist.alert",
        target=f"alert:{found.id}",
        household_id=found.member.household_id,
    )
    return _render(found, AnswerForm())


@bp.route("/alerts/<int:alert_id>/answer", methods=["POST"])
@login_required
def answer(alert_id: int):
    found = alert_or_404(current_user, alert_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render(found, form, 422)
    try:
        seen = whole_number(form.seen.data, None)
        decisions.decide(found, form.answer.data, form.reason.data, current_user, seen)
    except ValidationFailed as failed:
        db.session.rollback()
        found = alert_or_404(current_user, alert_id)
        place_errors(form, failed.errors)
        return _render(found, form, 422, failed.errors.get(None, []))
    db.session.commit()
    flash(_MESSAGES.get(found.status, _l("Your answer was recorded.")), "success")
    return redirect(url_for("watchlist.alert", alert_id=found.id))


_MESSAGES = {
    AlertStatus.PENDING: _l("Your answer was recorded. A second screener must confirm the match."),
    AlertStatus.CONFIRMED: _l(
        "The match is confirmed and shown on the person's vetting record. Nothing about the"
        " household changed: record the vetting decision through the household's page."
    ),
}
