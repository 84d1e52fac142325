"""Forms of the duplicate queue: a judgement, a merge, an undo."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import AwdaForm, choices
from app.identity.services import JUDGEMENT_LABELS


def _reason(label) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(_l("Say why: what you compared, who you asked.")),
            Length(max=2000),
        ],
    )


class JudgementForm(AwdaForm):
    judgement = RadioField(
        _l("Are these the same person?"),
        choices=choices(JUDGEMENT_LABELS),
        validators=[DataRequired(_l("Choose one of the three answers."))],
    )
    reason = _reason(_l("Why"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.judgement.choices = choices(JUDGEMENT_LABELS)


class MergeForm(AwdaForm):
    kept_member_id = RadioField(
        _l("Keep the record of"), validators=[DataRequired(_l("Choose the record to keep."))]
    )
    households = BooleanField(_l("Merge their households too (the same family registered twice)"))
    reason = _reason(_l("Why"))


class UndoForm(AwdaForm):
    reason = _reason(_l("Why undo this merge"))
