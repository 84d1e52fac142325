"""A published table as CSV, XLSX, or CSV with an HXL hashtag row for humanitarian data
exchange. Whatever leaves the system is the suppressed table."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from app.core.dates import local_today
from app.core.spreadsheets import BOM, csv_row, xlsx_bytes
from app.reports.aggregates import CrossTable
from app.reports.suppression import Suppressed


def table_rows(table: CrossTable, published: Suppressed, title_total: str) -> list[list[object]]:
    """Header then one line per row group, the totals last, hidden cells as shown on screen."""
    header = [str(table.rows.label), *table.column_names.values(), title_total]
    if table.columns is None:
        header = [str(table.rows.label), title_total]
    lines: list[list[object]] = [header]
    names = [*table.row_names.values(), title_total]
    width = len(published.values[0])
    for r, name in enumerate(names):
        cells = [_cell(published, r, c) for c in range(width)]
        lines.append([name, *(cells[-1:] if table.columns is None else cells)])
    return lines


def _cell(published: Suppressed, row: int, column: int) -> object:
    if published.hidden((row, column)):
        return published.shown(row, column)
    return published.values[row][column]


def as_csv(lines: list[list[object]]) -> str:
    return BOM + "".join(csv_row(line) for line in lines)


def as_xlsx(lines: list[list[object]], right_to_left: bool) -> bytes:
    return xlsx_bytes("Awda", lines, right_to_left)


def hxl_tags(table: CrossTable) -> list[str]:
    """The hashtag row: the row dimension's tag, one count tag per column, the total, the date."""
    unit = "+hh" if table.request.unit == "households" else "+ind"
    columns = [] if table.columns is None else list(table.column_names)
    counts = [f"#affected{unit}{_attribute(table.columns.key, key)}" for key in columns]  # type: ignore[union-attr]
    return [table.rows.hxl, *counts, f"#affected{unit}+total"]


def _attribute(dimension: str, key: object) -> str:
    """An HXL attribute for a column group: lower-case letters, digits and underscores."""
    if dimension == "sex":
        return {"F": "+f", "M": "+m"}.get(str(key), "+sex_unknown")
    text = re.sub(r"[^a-z0-9]+", "_", f"{dimension}_{key}".lower()).strip("_")
    return f"+{text}"


def as_hxl_csv(table: CrossTable, lines: list[list[object]]) -> str:
    reported = local_today().isoformat()
    header, *body = lines
    tagged = [[*header, _("Date reported")], [*hxl_tags(table), "#date+reported"]]
    tagged += [[*line, reported] for line in body]
    return as_csv(tagged)
