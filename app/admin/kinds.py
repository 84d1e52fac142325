"""The reference tables an admin edits, one small definition each; one set of views serves all.

Governorates and districts are not here: they ship with the app (a migration loads them) and
households are coded against them, so they are shown, not edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from flask import abort
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import forms, services, vocab
from app.reference.models import Agency, Camp, ReturnBatch, Team


@dataclass(frozen=True)
class Column:
    label: Any  # a lazy string, translated when the page is drawn
    value: Callable[[Any], object]
    language: str | None = None  # set on columns written in one language, such as Arabic names


@dataclass(frozen=True)
class Kind:
    slug: str
    title: Any
    add_label: Any
    rules: services.ReferenceRules
    form: type[forms.ReferenceForm]
    columns: tuple[Column, ...]  # the first one links to the row's edit page
    order_by: tuple
    load: tuple = ()  # relationships the list shows, loaded with the rows

    @property
    def model(self) -> type:
        return self.rules.model


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


CODE = Column(_l("Code"), attrgetter("code"))
NAME_EN = Column(_l("Name in English"), attrgetter("name_en"), "en")
NAME_AR = Column(_l("Name in Arabic"), attrgetter("name_ar"), "ar")
ACTIVE = Column(_l("Active"), lambda row: _yes_no(row.active))

KINDS = {
    kind.slug: kind
    for kind in (
        Kind(
            slug="camps",
            title=_l("Camps"),
            add_label=_l("Add a camp"),
            rules=services.CAMP_RULES,
            form=forms.CampForm,
            columns=(
                CODE,
                NAME_EN,
                NAME_AR,
                Column(_l("Country"), lambda c: vocab.COUNTRIES.get(c.country, c.country)),
                Column(_l("Reception centre"), lambda c: _yes_no(c.is_centre)),
                ACTIVE,
            ),
            order_by=(Camp.name_en,),
        ),
        Kind(
            slug="agencies",
            title=_l("Agencies"),
            add_label=_l("Add an agency"),
            rules=services.AGENCY_RULES,
            form=forms.AgencyForm,
            columns=(
                CODE,
                Column(_l("Kind"), lambda a: vocab.AGENCY_KINDS.get(a.kind, a.kind)),
                NAME_EN,
                NAME_AR,
                ACTIVE,
            ),
            order_by=(Agency.code,),
        ),
        Kind(
            slug="teams",
            title=_l("Teams"),
            add_label=_l("Add a team"),
            rules=services.TEAM_RULES,
            form=forms.TeamForm,
            columns=(
                Column(_l("Name"), attrgetter("name")),
                Column(_l("Agency"), lambda t: t.agency.name),
                ACTIVE,
            ),
            order_by=(Team.name,),
            load=(Team.agency,),
        ),
        Kind(
            slug="batches",
            title=_l("Return batches"),
            add_label=_l("Add a return batch"),
            rules=services.BATCH_RULES,
            form=forms.BatchForm,
            columns=(
                Column(_l("Batch number"), attrgetter("number")),
                Column(_l("Departure date"), lambda b: format_date(b.departure_date, "medium")),
                Column(_l("Camp of origin"), lambda b: b.origin_camp.name),
                Column(_l("Reception centre"), lambda b: b.destination_camp.name),
            ),
            order_by=(ReturnBatch.departure_date.desc(), ReturnBatch.id.desc()),
            load=(ReturnBatch.origin_camp, ReturnBatch.destination_camp),
        ),
    )
}


def kind_or_404(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind
