"""Search and filter controls of the case list. The filters are read from the URL; the search
text is posted and kept out of it (app.registry.saved_search)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectChoice, SelectField
from wtforms.validators import Length

from app.access.policy import listable_stages
from app.core.forms import AwdaForm, optional_int, options
from app.core.pagination import page_number
from app.registry import choices, saved_search
from app.registry.queries import CaseFilters
from app.workflow.stages import Stage

SORT_LABELS = {
    "relevance": _l("Closest match first"),
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "case_number": _l("Case number"),
    "camp_ref": _l("Camp ID"),
    "name": _l("Head's name (Latin)"),
    "updated": _l("Recently changed"),
}


def _safe_int(value: object) -> int | None:
    try:
        return optional_int(value)
    except (TypeError, ValueError):
        return None


def not_offered(typed: str) -> str:
    """What a list says of a filter's value in its URL that is not among its choices (cut to
    40 characters: the URL may carry anything)."""
    shown = typed if len(typed) <= 40 else f"{typed[:40]}…"
    return _("“%(value)s” is not one of the choices offered to you.", value=shown)


def _offered(field: SelectField, typed: str) -> bool:
    """Is `typed` (a value from the URL) one of the choices `field` offers, its blank aside?"""
    wanted = field.coerce(typed)
    return wanted not in (None, "") and any(c.value == wanted for c in field.choices)


# The controls whose values may appear in the list's URL: none of them names a person.
LIST_FILTERS = ("camp_id", "batch_id", "governorate_id", "caseworker_id", "stage", "sort")


class CaseListForm(AwdaForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        [
            Length(
                max=saved_search.MAX_LENGTH,
                message=_l("Search with at most %(max)d characters; nothing was searched."),
            )
        ],
        render_kw={
            "placeholder": _l("Name in Arabic or Latin letters, case number, camp ID or phone")
        },
    )
    camp_id = SelectField(_l("Camp"), coerce=_safe_int)
    batch_id = SelectField(_l("Batch"), coerce=_safe_int)
    governorate_id = SelectField(_l("Governorate of origin"), coerce=_safe_int)
    caseworker_id = SelectField(_l("Caseworker"), coerce=_safe_int)
    stage = SelectField(_l("Stage"))
    sort = SelectField(_l("Sort by"))

    def __init__(self, formdata, user):
        super().__init__(formdata=formdata)
        self._args = formdata
        everything = str(_l("All"))
        self.camp_id.choices = choices.camps(blank=everything)
        self.batch_id.choices = choices.batches(blank=everything)
        self.governorate_id.choices = choices.governorates(blank=everything)
        self.caseworker_id.choices = choices.team_caseworkers(user, blank=everything)
        listable = listable_stages(user)
        stages = (s for s in Stage if listable is None or s.value in listable)
        self.stage.choices = options(((s.value, s.label) for s in stages), blank=everything)
        self.sort.choices = [SelectChoice(key, str(label)) for key, label in SORT_LABELS.items()]
        self.refused = self._leave_out_unoffered()

    def _leave_out_unoffered(self) -> dict[str, list[str]]:
        """Filters given a value this user is not offered (an unknown stage, a place code where
        an id belongs, another team's caseworker), each with the message that names it; they
        are cleared, so the list is shown without them and the box shows "All"."""
        refused = {}
        for name in LIST_FILTERS:
            field = self[name]
            typed = field.raw_data[0] if field.raw_data else ""
            if typed and not _offered(field, typed):
                refused[name] = [not_offered(typed)]
                field.data = field.coerce("")
        return refused

    def refused_named(self) -> list[tuple[str, str]]:
        """The refused filters as the page names them: (the filter's label, the message)."""
        return [
            (self[name].label.text, message)
            for name, messages in self.refused.items()
            for message in messages
        ]

    def narrowed(self) -> bool:
        """Is the list narrowed by a filter (the search text and the order aside)?"""
        return any(self[name].data for name in LIST_FILTERS if name != "sort")

    def filters(self) -> CaseFilters:
        page = self._args.get("page", "1") if self._args else "1"
        return CaseFilters(
            q=(self.q.data or "")[:200],
            camp_id=self.camp_id.data,
            batch_id=self.batch_id.data,
            governorate_id=self.governorate_id.data,
            caseworker_id=self.caseworker_id.data,
            stage=self.stage.data if self.stage.data in {s.value for s in Stage} else None,
            sort=self.sort.data if self.sort.data in SORT_LABELS else "relevance",
            page=page_number(page),
        )
