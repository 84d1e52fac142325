"""Small-cell suppression of a cross-table and its totals.

A published count below k (1 to k-1) could single someone out, so it is shown as "<k" (primary
suppression). The row and column totals are published too, and with them a lone hidden cell
could be worked out by subtraction, so more cells are hidden (secondary suppression, shown as
"x") until every hidden count could take at least two values consistent with everything shown.

The reader's knowledge is modelled exactly: a "<k" cell is between 1 and k-1; an "x" cell is 0 or
at least k (it would be "<k" otherwise). A hidden cell is safe when it lies on a rectangle of four
hidden cells (totals included) along which the table can be shifted, +d and -d alternately, with
every line total unchanged and each of the four cells still within what the reader knows of it:
then a second table exists that the reader cannot tell from the true one. Zero is not a small
count (it is never hidden by primary suppression) and is never picked as a secondary cell.

A dimension where one unit can fall in several groups (a person with two specific needs) gives a
table whose lines across that dimension do not add up: each row (or column) that does add up is
then protected on its own (`suppress_lines`). What is shown is rounded afterwards
(`publication.py`), which also blurs what the reader could infer from lines that do not add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product

Cell = tuple[int, int]


@dataclass(frozen=True)
class Suppressed:
    """The table with its totals: `values[r][c]`, the last row and column holding the totals
    (the grand total in the corner), and which cells are hidden and why."""

    values: tuple[tuple[int, ...], ...]
    primary: frozenset[Cell]
    secondary: frozenset[Cell]
    k: int
    # Too sparse to publish at all: every count is hidden. Broader categories are needed.
    withheld: bool = False
    # The figures as published, each rounded (`publication.rounded`); None: shown exactly.
    rounded: tuple[tuple[int, ...], ...] | None = None

    def hidden(self, cell: Cell) -> bool:
        return self.withheld or cell in self.primary or cell in self.secondary

    def figure(self, row: int, column: int) -> int | str:
        """The published cell: its count (rounded where the table is), or the mark that hides
        it: "<k" or "x"."""
        if self.withheld:
            return "x"
        if (row, column) in self.primary:
            return f"<{self.k}"
        if (row, column) in self.secondary:
            return "x"
        return (self.rounded or self.values)[row][column]

    def shown(self, row: int, column: int) -> str:
        return str(self.figure(row, column))


def with_totals(table: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with a total column on the right and a total row below."""
    rows = [[*row, sum(row)] for row in table]
    width = len(rows[0]) if rows else 1
    rows.append([sum(row[c] for row in rows) for c in range(width)])
    return rows


def suppress(table: Sequence[Sequence[int]], k: int = 5) -> Suppressed:
    """Hide small counts and enough others that none of them can be worked out."""
    if k < 2:
        raise ValueError("k must be at least 2")
    values = with_totals(table)
    cells = [(r, c) for r in range(len(values)) for c in range(len(values[0]))]
    primary = {cell for cell in cells if 0 < _at(values, cell) < k}
    hidden, safe = set(primary), set()
    while True:
        # A protected cell stays protected: cells are only ever added to `hidden`.
        safe |= {c for c in hidden - safe if _protected(values, hidden, primary, k, c)}
        if not (hidden - safe):
            break
        more = _cheapest_cover(values, hidden, primary, k, min(hidden - safe)) - hidden
        if not more:
            return _withheld(values, primary, k)
        hidden |= more
    frozen = tuple(tuple(row) for row in values)
    return Suppressed(frozen, frozenset(primary), frozenset(hidden - primary), k)


def suppress_lines(lines: Sequence[Sequence[int]], k: int = 5) -> Suppressed:
    """Suppression of a table whose rows add up (each ends with its total) but whose columns do
    not: each row is protected on its own, as a one-line table, against its own total.

    `lines`: rows of counts, each with its total last, the table's total line last of all.
    """
    primary: set[Cell] = set()
    secondary: set[Cell] = set()
    for r, line in enumerate(lines):
        alone = suppress([list(line[:-1])], k)
        if alone.withheld:
            primary |= {(r, c) for c, value in enumerate(line) if 0 < value < k}
            secondary |= {(r, c) for c, value in enumerate(line) if value >= k}
            continue
        primary |= {(r, c) for r0, c in alone.primary if r0 == 0}
        secondary |= {(r, c) for r0, c in alone.secondary if r0 == 0}
    frozen = tuple(tuple(line) for line in lines)
    return Suppressed(frozen, frozenset(primary), frozenset(secondary), k)


def transposed(published: Suppressed) -> Suppressed:
    """The same suppression with rows and columns swapped."""
    return replace(
        published,
        values=tuple(zip(*published.values, strict=True)),
        primary=frozenset((c, r) for r, c in published.primary),
        secondary=frozenset((c, r) for r, c in published.secondary),
        rounded=tuple(zip(*published.rounded, strict=True)) if published.rounded else None,
    )


def _at(values: list[list[int]], cell: Cell) -> int:
    return values[cell[0]][cell[1]]


def _sign(values: list[list[int]], cell: Cell) -> int:
    """Totals enter their line with the opposite sign of the cells they add up."""
    last_row, last_column = len(values) - 1, len(values[0]) - 1
    return -1 if (cell[0] == last_row) != (cell[1] == last_column) else 1


def _rectangles(values: list[list[int]], cell: Cell):
    """The rectangles through `cell`: its four corners, with the sign each is shifted by."""
    row, column = cell
    for other_row, other_column in product(range(len(values)), range(len(values[0]))):
        if other_row != row and other_column != column:
            corners = (cell, (row, other_column), (other_row, other_column), (other_row, column))
            yield tuple(zip(corners, (1, -1, 1, -1), strict=True))


def _fits(value: int, cell: Cell, primary: set[Cell], k: int) -> bool:
    """Could the reader believe this value in this hidden cell?"""
    if cell in primary:
        return 1 <= value < k
    return value == 0 or value >= k


def _shiftable(values, rectangle, primary: set[Cell], k: int) -> bool:
    for step in (*range(1, k), *range(-1, -k, -1)):
        moved = [
            (cell, _at(values, cell) + step * turn * _sign(values, cell))
            for cell, turn in rectangle
        ]
        if all(_fits(value, cell, primary, k) for cell, value in moved):
            return True
    return False


def _protected(values, hidden: set[Cell], primary: set[Cell], k: int, cell: Cell) -> bool:
    return any(
        all(corner in hidden for corner, _turn in rectangle)
        and _shiftable(values, rectangle, primary, k)
        for rectangle in _rectangles(values, cell)
    )


def _cheapest_cover(values, hidden: set[Cell], primary: set[Cell], k: int, cell: Cell):
    """The fewest, smallest cells to hide so that `cell` lies on a shiftable rectangle.

    Candidates are hidden already or hold a count of at least k (a zero says nothing the reader
    could not see anyway, and shifting it would need a step of k). Cells inside the table are
    preferred to totals, which readers need most.
    """
    best, best_cost = None, None
    for rectangle in _rectangles(values, cell):
        added = {corner for corner, _turn in rectangle if corner not in hidden}
        if any(_at(values, corner) < k for corner in added):
            continue
        if not _shiftable(values, rectangle, primary, k):
            continue
        cost = (
            len(added),
            sum(_is_total(values, c) for c in added),
            sum(_at(values, c) for c in added),
        )
        if best_cost is None or cost < best_cost:
            best, best_cost = added, cost
    if best is None:
        return _hide_line(values, hidden, cell)
    return best


def _is_total(values, cell: Cell) -> bool:
    return cell[0] == len(values) - 1 or cell[1] == len(values[0]) - 1


def _hide_line(values, hidden: set[Cell], cell: Cell) -> set[Cell]:
    """No rectangle can be completed: hide the other counts of the cell's row and column, or
    failing that of the whole table. A last resort for small, sparse tables."""
    row, column = cell
    line = {(row, c) for c in range(len(values[0]))} | {(r, column) for r in range(len(values))}
    table = {(r, c) for r in range(len(values)) for c in range(len(values[0]))}
    for cells in (line, table):
        more = {c for c in cells - hidden if _at(values, c) > 0}
        if more:
            return more
    return set()


def _withheld(values, primary: set[Cell], k: int) -> Suppressed:
    frozen = tuple(tuple(row) for row in values)
    return Suppressed(frozen, frozenset(primary), frozenset(), k, withheld=True)
