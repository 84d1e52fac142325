"""Forms of watch-list screening: loading a version of a list, and a screener's answer on an
alert."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FileField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import AwdaForm, choices

ANSWER_LABELS = {
    "not_person": _l("Not the person listed"),
    "possible": _l("Possibly the person: to check further"),
    "the_person": _l("The person listed (a second screener must confirm)"),
}


class LoadForm(AwdaForm):
    list_file = FileField(
        _l("The list: the UN consolidated list as XML, or a national list as XLSX, XLS, ODS or CSV")
    )
    source = StringField(
        _l("The list's name"),
        validators=[DataRequired(_l("Name the list.")), Length(max=120)],
        render_kw={"list": "watch-lists", "autocomplete": "off"},
    )


class AnswerForm(AwdaForm):
    answer = RadioField(
        _l("Is this the person listed?"),
        choices=choices(ANSWER_LABELS),
        validators=[DataRequired(_l("Choose one of the three answers."))],
    )
    reason = TextAreaField(
        _l("Why"),
        validators=[
            DataRequired(_l("Say why: what you compared, what you checked.")),
            Length(max=2000),
        ],
    )

    # How many answers the alert had when the page was drawn: an answer given on an older page
    # is refused rather than silently put over a colleague's.
    seen = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer.choices = choices(ANSWER_LABELS)
