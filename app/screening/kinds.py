"""The kinds of assessment, one definition each: one set of services, views and templates serves
them all.

A kind says whom it concerns (each member, or the household), its form, the action that records
it and the field group that reads it (both decided by app.access.policy), and the rules its data
must follow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l

from app.access import Action, FieldGroup
from app.core.validation import ErrorCollector
from app.registry.vocab import SPECIFIC_NEEDS
from app.screening import forms, vocab
from app.screening.rules import Choice, Codes, Day, Flag, Grid, Rule, Text

Check = Callable[[dict[str, Any], ErrorCollector], None]


def _nothing_more(data: dict[str, Any], errors: ErrorCollector) -> None:
    return None


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any  # a lazy string, translated when shown
    per_member: bool  # False: one per household (member_id None)
    form: type[forms.AssessmentForm]
    action: Action  # records it
    group: FieldGroup  # reads it
    rules: tuple[Rule, ...]
    check: Check = _nothing_more  # rules across fields, once each field is valid on its own
    # Readers without `group` still see whether it is recorded (pending or complete), never
    # what it holds: case staff must know that vetting is done, not its outcome.
    status_shown_to_all: bool = False
    # A member's status follows the household's security decision once there is one, unless
    # the member was routed apart: a child never vetted is cleared with the household.
    follows_household_decision: bool = False

    def clean(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The data to store, or ValidationFailed keyed by form field name."""
        errors = ErrorCollector()
        cleaned = {
            rule.name: rule.clean(data.get(rule.name), rule.name, errors) for rule in self.rules
        }
        errors.raise_if_any()
        self.check(cleaned, errors)
        errors.raise_if_any()
        return cleaned

    def form_values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {rule.name: rule.to_form(data.get(rule.name)) for rule in self.rules}


def _check_documentation(data: dict[str, Any], errors: ErrorCollector) -> None:
    rows = data["documents"]
    for code, row in rows.items():
        if row["blocker"] and not row["status"]:
            errors.add(f"documents-{code}-status", _l("Give the document's status first."))
    if not any(row["status"] for row in rows.values()):
        errors.add(None, _l("Give the status of at least one document."))


def _check_acceptance(data: dict[str, Any], errors: ErrorCollector) -> None:
    if data["mukhtar_letter"] and not data["letter_date"]:
        errors.add("letter_date", _l("Enter the date of the mukhtar's letter."))
    if data["letter_date"] and not data["mukhtar_letter"]:
        errors.add("mukhtar_letter", _l("A letter date is given: tick that the letter came."))
    if data["committee_decision"] != "pending" and not data["committee_date"]:
        errors.add("committee_date", _l("Enter the date of the committee's decision."))


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            key="vetting",
            label=_l("Security vetting"),
            per_member=True,
            form=forms.VettingForm,
            action=Action.VET,
            group=FieldGroup.VETTING,
            status_shown_to_all=True,
            follows_household_decision=True,
            rules=(
                Choice("outcome", vocab.VETTING_OUTCOMES, _l("Choose the outcome.")),
                Day("decision_date", _l("Enter the date of the decision.")),
                Choice("deciding_body", vocab.DECIDING_BODIES, _l("Choose the deciding body.")),
                Text("reference", 60),
                Text("notes", 2000),
            ),
        ),
        Kind(
            key="protection",
            label=_l("Protection"),
            per_member=True,
            form=forms.ProtectionForm,
            action=Action.ASSESS,
            group=FieldGroup.PROTECTION,
            rules=(
                Codes("specific_needs", SPECIFIC_NEEDS),
                Choice("risk_level", vocab.RISK_LEVELS, _l("Choose the risk level.")),
                Text("needs", 2000),
                Codes("recommended_services", vocab.PROTECTION_SERVICES),
            ),
        ),
        Kind(
            key="documentation",
            label=_l("Civil documentation"),
            per_member=True,
            form=forms.DocumentationForm,
            action=Action.ASSESS,
            group=FieldGroup.DOCUMENTS,
            rules=(
                Grid(
                    "documents",
                    vocab.ASSESSED_DOCUMENTS,
                    (Choice("status", vocab.DOCUMENT_STATUSES), Text("blocker", 200)),
                ),
            ),
            check=_check_documentation,
        ),
        Kind(
            key="psychosocial",
            label=_l("Psychosocial and health screening"),
            per_member=True,
            form=forms.PsychosocialForm,
            action=Action.ASSESS,
            group=FieldGroup.PROTECTION,
            rules=(
                Codes("flags", vocab.PSYCHOSOCIAL_FLAGS),
                Codes("referral_needs", vocab.REFERRAL_NEEDS),
                Text("note", 500),
            ),
        ),
        Kind(
            key="acceptance",
            label=_l("Community acceptance"),
            per_member=False,
            form=forms.AcceptanceForm,
            action=Action.ASSESS,
            group=FieldGroup.VULNERABILITIES,
            rules=(
                Flag("mukhtar_letter"),
                Day("letter_date"),
                Choice(
                    "committee_decision",
                    vocab.COMMITTEE_DECISIONS,
                    _l("Choose the committee's decision."),
                ),
                Day("committee_date"),
                Flag("destination_confirmed"),
                Text("concerns", 2000),
            ),
            check=_check_acceptance,
        ),
    )
}

MEMBER_KINDS = tuple(kind for kind in KINDS.values() if kind.per_member)
HOUSEHOLD_KINDS = tuple(kind for kind in KINDS.values() if not kind.per_member)


def kind_named(key: str) -> Kind:
    """The kind called `key`; LookupError for a kind that does not exist."""
    try:
        return KINDS[key]
    except KeyError:
        raise LookupError(f"no assessment kind {key!r}") from None


def kind_or_404(key: str, per_member: bool) -> Kind:
    """A kind served at this URL: a member's kind only at a member's URL, and so on."""
    kind = KINDS.get(key)
    if kind is None or kind.per_member != per_member:
        abort(404)
    return kind
