"""Forms of attachments: adding a document or photo, and removing one with a reason. Field
names are the service's error keys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.dates import local_today
from app.core.forms import AwdaForm, choices, optional_int, options
from app.registry.models import Household

from .vocab import GROUP_LABELS, KINDS

ACCEPTED = "image/jpeg,image/png,application/pdf"


class AttachForm(AwdaForm):
    # Two ways to give the file: the tablet's camera, or a file already on the device.
    photo = FileField(_l("Take a photo"), render_kw={"accept": "image/*", "capture": "environment"})
    upload = FileField(_l("Or choose a file (JPEG, PNG or PDF)"), render_kw={"accept": ACCEPTED})
    member_id = SelectField(_l("About"), coerce=optional_int, validators=[Optional()])
    kind = SelectField(_l("What it is"), validators=[DataRequired(_l("Choose what it is."))])
    group = SelectField(
        _l("Who may see it"), validators=[DataRequired(_l("Choose who may see it."))]
    )
    # InputRequired, not DataRequired: a malformed date keeps its own message.
    dated = DateField(
        _l("Date of the document or photo"),
        validators=[InputRequired(_l("Give the document's date, today or earlier."))],
    )

    def __init__(self, *args, household: Household, groups, **kwargs):
        super().__init__(*args, **kwargs)
        people = ((m.id, m.name_ar) for m in household.members)
        self.member_id.choices = options(people, blank=str(_l("The whole household")))
        self.kind.choices = choices(KINDS, blank="")
        self.group.choices = [(g.value, str(GROUP_LABELS[g])) for g in groups]
        self.dated.render_kw = {"max": local_today().isoformat()}


class RemoveForm(AwdaForm):
    reason = TextAreaField(
        _l("Why remove it"),
        validators=[DataRequired(_l("Say why it is removed.")), Length(max=2000)],
    )
