"""What the features and levels of the matcher (`app.identity.compare`) are called on a page.

A level may carry a context after a `+` (`exact+lineage`, `same_year+kin`): the same finding
weighs differently where the rest of the chain agrees, because that is where siblings and
namesakes are found. `level_label` names both parts.
"""

from flask_babel import lazy_gettext as _l

FEATURE_LABELS = {
    "given": _l("Given name"),
    "lineage": _l("Father, grandfather and family (one piece of evidence)"),
    "mother": _l("Mother's name"),
    "birth": _l("Date of birth"),
    "sex": _l("Sex"),
    "documents": _l("Document numbers"),
}

LEVEL_LABELS = {
    "exact": _l("the same"),
    "same_key": _l("the same name, spelled differently"),
    "consonants_only": _l("the same consonants, other long vowels: usually two names"),
    "similar": _l("one typing slip apart"),
    "different": _l("different"),
    "other_name": _l("two different names"),
    "missing": _l("not known on one side"),
    "all_agree": _l("the same"),
    "father_agrees_part_missing": _l("same father; the rest not known on one side"),
    "father_similar": _l("fathers' names one slip apart; the rest agrees"),
    "father_agrees_rest_differs": _l("same father; grandfather or family differ"),
    "shifted": _l("one name apart: father and son"),
    "same_day": _l("the same day"),
    "same_month": _l("the same month"),
    "same_year": _l("the same year"),
    "same_year_dates_differ": _l("the same year, other months"),
    "near": _l("a year apart"),
    "within_estimate": _l("within an estimated age"),
    "far": _l("more than three years apart"),
    "same": _l("the same"),
    "shared": _l("a number in common"),
    "conflict": _l("different numbers for the same document"),
}

CONTEXT_LABELS = {
    "lineage": _l("with the whole family line the same"),
    "partial": _l("with the father the same and part of the line unknown"),
    "kin": _l("among people of one family line and one given name"),
    "near": _l("among people of one family line whose given names are one slip apart"),
    "sibling": _l("among people of one family line with other given names: brothers and sisters"),
}


def level_label(level: str) -> str:
    """`exact+lineage` -> "the same, with the whole family line the same"; unknown parts are
    shown as they are."""
    base, _, context = level.partition("+")
    label = str(LEVEL_LABELS.get(base, base))
    if context:
        label = f"{label} ({CONTEXT_LABELS.get(context, context)})"
    return label
