"""/api/v1/referrals: a receiving agency's focal system reads its inbox and moves referrals
(accept, decline, start, record progress, complete) through the same service as the focal
point's page (`referrals.services.move`), seeing only the groups a referral shares.

Every change carries `If-Match` with the referral's version (its ETag, which changes with
every change): without it 428, with an older one 412, never a silent overwrite. The referral
row is locked while the version is compared, so two writers holding the same version get one
200 and one 412.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from app.access import Action
from app.access.policy import referral_side, visible_referrals
from app.audit import services as audit
from app.core.validation import ValidationFailed
from app.extensions import db
from app.referrals import services, states
from app.referrals.models import Referral
from app.registry.extract import extract

from . import schemas
from .core import at_version, needs
from .routes import bp, cursor_after, next_cursor


def version_of(referral: Referral) -> str:
    """The referral's version: its id and how many changes it has had."""
    return f"{referral.id}.{len(referral.events)}"


def _summary(referral: Referral) -> dict:
    return {
        "id": referral.id,
        "case_number": referral.household.case_number,
        "service": referral.service.service,
        "state": referral.state,
        "urgency": referral.urgency,
        "due_on": referral.due_on,
        "version": version_of(referral),
    }


# A role that neither refers nor receives referrals is told so (as the pages answer); only
# the receiving agency's focal point moves one through the API.
READ = needs(
    "referrals:read", Action.REFERRAL_INBOX, Action.REFER, refused=_l("Your role has no referrals.")
)
WRITE = needs(
    "referrals:write", Action.REFERRAL_INBOX, refused=_l("Your role does not answer referrals.")
)


def _found(referral_id: int) -> Referral:
    stmt = visible_referrals(current_user).where(Referral.id == referral_id)
    found = db.session.scalar(stmt)
    if found is None:
        abort(404, message=str(_l("No referral with this number is yours to see.")))
    return found


@bp.route("/referrals")
class Referrals(MethodView):
    @READ
    @bp.arguments(schemas.ReferralListArgs, location="query")
    @bp.response(200, schemas.ReferralPage)
    def get(self, args):
        """The referrals the caller sees (a focal point: those sent to their agency), oldest
        first, `limit` at a time; `state` filters."""
        stmt = visible_referrals(current_user).where(Referral.id > cursor_after(args["cursor"]))
        if args["state"]:
            stmt = stmt.where(Referral.state == args["state"])
        found = list(db.session.scalars(stmt.order_by(Referral.id).limit(args["limit"] + 1)))
        page = found[: args["limit"]]
        audit.record("api.referrals", rows=len(page))
        return {
            "items": [_summary(r) for r in page],
            "next_cursor": next_cursor(page, args["limit"], len(found)),
        }


@bp.route("/referrals/<int:referral_id>")
class OneReferral(MethodView):
    @READ
    @bp.response(200, schemas.Referral)
    def get(self, referral_id: int):
        """One referral, with what it shares while it is open (to its receiving agency)."""
        referral = _found(referral_id)
        receiving = referral_side(current_user, referral) == states.RECEIVER
        shared = None
        if receiving and referral.state in states.OPEN:
            household = extract(referral.household, referral.shared, referral.member)
            shared = {**household, "stage": referral.household.stage, "version": 0}
        audit.record("api.referral", household_id=referral.household_id, referral=referral.id)
        return {**_summary(referral), "reason": referral.reason, "shared": shared}

    @WRITE
    @bp.arguments(schemas.ReferralChange)
    @bp.response(200, schemas.ReferralSummary)
    @bp.alt_response(412, schema=schemas.Problem, description="The version is not the latest")
    @bp.alt_response(428, schema=schemas.Problem, description="If-Match is missing")
    def post(self, change, referral_id: int):
        """Move the referral as its receiving agency: send `If-Match` with its version."""
        referral = _found(referral_id)
        at_version(
            referral,
            version_of,
            str(_l("Send If-Match with the referral's version.")),
            str(_l("Someone changed this referral since: read it again.")),
        )
        try:
            services.move(referral, change["action"], current_user, change["note"])
        except ValidationFailed as refused:
            errors = {"json": {k or "action": v for k, v in refused.errors.items()}}
            abort(422, message=str(_l("This change cannot be made.")), errors=errors)
        db.session.refresh(referral)
        return _summary(referral)
