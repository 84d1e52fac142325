"""Forms of the duplicate queue: a judgement, a merge, an undo."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import AwdaForm, choices
from app.identity.services import JUDGEMENT_LABELS


def _reason(label, missing) -> TextAreaField:
    """A required reason; `missing` says what to write."""
    return TextAreaField(label, validators=[DataRequired(missing), Length(max=2000)])


class JudgementForm(AwdaForm):
    judgement = RadioField(
        _l("Are these the same person?"),
        choices=choices(JUDGEMENT_LABELS),
        validators=[DataRequired(_l("Choose one of the three answers."))],
    )
    reason = _reason(_l("Why"), _l("Say why: what you compared, who you asked."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.judgement.choices = choices(JUDGEMENT_LABELS)


class MergeForm(AwdaForm):
    kept_member_id = RadioField(
        _l("Keep the record of"), validators=[DataRequired(_l("Choose the record to keep."))]
    )
    households = BooleanField(_l("Merge their households too (the same family registered twice)"))
    reason = _reason(_l("Why"), _l("Say why these records are merged."))


class UndoForm(AwdaForm):
    reason = _reason(_l("Why undo this merge"), _l("Say why this merge is undone."))
