"""A published table as CSV, XLSX, CSV with HXL hashtags for humanitarian data exchange, or the
lines of its PDF. Whatever leaves the system is the published table (`publication.py`).

Every file says what it is: its title, period, unit, the rule that hid and rounded its figures
and the day it was made. A CSV opens with those as rows of a label and a value, then an empty
row, then the table; an XLSX has the table on its first sheet ("Figures") and them on a second
("About"). The HXL file has the same rows above its header: HXL readers find the hashtag row
wherever it is in the first rows (HXL standard 1.1, "hashtag row"), so it stays valid HXL.

Places are named with their OCHA p-code beside the name, in a column of its own (`#adm1+code`,
`#adm2+code` in HXL), which is how humanitarian data is joined. The HXL file is long, one line
per cell of the table: the groups as columns, a code beside each that has one, the count as
`#affected+hh` or `#affected+ind`, without the totals, which a tool would add twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.core.dates import local_today
from app.core.formatting import day, isolated
from app.core.spreadsheets import BOM, csv_row, xlsx_bytes
from app.reports.aggregates import CrossTable
from app.reports.suppression import Suppressed

UNIT_TAGS = {"households": "#affected+hh", "persons": "#affected+ind"}


@dataclass(frozen=True)
class Download:
    """A published table ready for a file: `about` (label, value) rows, then the table's header
    and lines (names and codes, then figures: counts, or the marks that hide them)."""

    about: list[tuple[str, str]]
    header: list[str]
    lines: list[list[object]]


def download(
    table: CrossTable, published: Suppressed, period: str, unit: str, isolate: bool
) -> Download:
    """The published table as files show it. `period` and `unit` are named for the reader;
    `isolate`: keep marks such as "<5" left to right (for readers of a right-to-left language)."""
    about = describe(table, published, period, unit, isolate)
    return Download(about, *_table(table, published, isolate))


def title(table: CrossTable, unit: str) -> str:
    if table.columns is None:
        return _("%(unit)s by %(rows)s", unit=unit, rows=table.rows_label)
    return _(
        "%(unit)s by %(rows)s and %(columns)s",
        unit=unit,
        rows=table.rows_label,
        columns=table.columns_label,
    )


def describe(
    table: CrossTable, published: Suppressed, period: str, unit: str, isolate: bool = False
) -> list[tuple[str, str]]:
    """What the file is, as (label, value) rows."""
    about = [
        (_("Title"), title(table, unit)),
        (_("Period"), period),
        (_("Count"), unit),
        (_("Small counts"), rule(published.k, isolate)),
    ]
    if table.by_head:
        about.append((_("Households"), counted_by_head()))
    if table.multiple is not None:
        about.append((_("Specific needs"), counted_under_each(table.request.unit)))
    if published.withheld:
        about.append((_("Withheld"), too_few()))
    about += [(_("Published"), day(local_today())), (_("Source"), "Awda")]
    return about


def rule(k: int, isolate: bool = False) -> str:
    """The suppression and rounding rule, as the reader is told it."""
    mark = f"<{k}"
    return _(
        "Counts below %(k)d are shown as %(mark)s; x hides a count that would give one of them "
        "away. Every other figure is rounded at random to a multiple of %(k)d, the same figure "
        "always the same way, so rows may not add up to their totals.",
        k=k,
        mark=isolated(mark) if isolate else mark,
    )


def counted_by_head() -> str:
    return _(
        "Households are counted by their head: the sex and age band are those of the head of "
        "household."
    )


def counted_under_each(unit: str) -> str:
    if unit == "households":
        return _(
            "A household is counted under each of its needs (those of any of its members); "
            "the total counts each once."
        )
    return _("A person is counted under each of their needs; the total counts each once.")


def too_few() -> str:
    return _(
        "These figures are too few to publish at this level of detail; choose broader rows or "
        "columns, or a longer period."
    )


def _table(table: CrossTable, published: Suppressed, isolate: bool):
    """Header and lines: the row's name, its code where the rows have codes, the figures of the
    columns (none for a one-way table) and the row's total; the total line last."""
    coded = table.rows.codes is not None
    header = [table.rows_label, *([str(table.rows.code_label)] if coded else [])]
    if table.columns is not None:
        header += list(table.column_names.values())
    header.append(_("Total"))
    codes = table.rows.codes(list(table.row_names)) if coded else {}  # type: ignore[misc]
    width = len(published.values[0])
    shown = range(width) if table.columns is not None else [width - 1]
    lines = []
    last = len(published.values) - 1
    for r, key in [*enumerate(table.row_names), (last, None)]:
        name = table.row_names[key] if r != last else _("Total")
        lines.append(
            [
                name,
                *([codes.get(key, "")] if coded else []),
                *(_cell(published, r, c, isolate) for c in shown),
            ]
        )
    return header, lines


def _cell(published: Suppressed, row: int, column: int, isolate: bool) -> object:
    value = published.figure(row, column)
    return isolated(value) if isolate and isinstance(value, str) else value


def as_csv(file: Download) -> str:
    return BOM + "".join(csv_row(line) for line in _described(file))


def _described(file: Download) -> list[list[object]]:
    return [[label, value] for label, value in file.about] + [[], file.header, *file.lines]


def as_xlsx(file: Download, right_to_left: bool) -> bytes:
    sheets = [
        ("Figures", [file.header, *file.lines]),
        ("About", [[label, value] for label, value in file.about]),
    ]
    return xlsx_bytes(sheets, right_to_left)


def as_hxl_csv(table: CrossTable, published: Suppressed, file: Download, unit: str) -> str:
    """The table long, one line per cell, with a hashtag row (see the module's docstring)."""
    groups = [(table.rows, table.rows_label, table.row_names)]
    if table.columns is not None:
        groups.append((table.columns, table.columns_label, table.column_names))
    header, tags = [], []
    for dimension, label, _names in groups:
        header.append(label)
        tags.append(dimension.hxl)
        if dimension.codes is not None:
            header.append(str(dimension.code_label))
            tags.append(dimension.code_hxl)
    header += [unit, _("Date reported")]
    tags += [UNIT_TAGS[table.request.unit], "#date+reported"]
    reported = local_today().isoformat()  # HXL dates are ISO 8601, for machines
    width = len(published.values[0])
    columns = list(enumerate(table.column_names)) if table.columns else [(width - 1, None)]
    row_codes = _codes(table.rows, table.row_names)
    column_codes = _codes(table.columns, table.column_names) if table.columns else {}
    lines = []
    for r, row in enumerate(table.row_names):
        for c, column in columns:
            line: list[object] = [table.row_names[row], *row_codes.get(row, [])]
            if table.columns is not None:
                line += [table.column_names[column], *column_codes.get(column, [])]
            lines.append([*line, published.figure(r, c), reported])
    about = [[label, value] for label, value in file.about]
    return BOM + "".join(csv_row(line) for line in [*about, [], header, tags, *lines])


def _codes(dimension, names: dict[object, str]) -> dict[object, list[str]]:
    """{group: [its code]} for a dimension with codes, {} for one without."""
    if dimension is None or dimension.codes is None:
        return {}
    return {key: [code] for key, code in dimension.codes(list(names)).items()}
