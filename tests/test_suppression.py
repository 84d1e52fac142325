"""Small-cell suppression, attacked: over random caseloads, no hidden count can be worked out
from what is published (the shown cells, the "<k" and "x" marks and every total shown)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.suppression import Suppressed, suppress, suppress_lines, with_totals

K = 5


def _lines(height: int, width: int):
    """Each line of the table with its total: (cells that add up, the total cell)."""
    for r in range(height):
        yield [(r, c) for c in range(width - 1)], (r, width - 1)
    for c in range(width):
        yield [(r, c) for r in range(height - 1)], (height - 1, c)


def _domain(published, cell, bound: int) -> list[int]:
    if cell in published.primary:
        return list(range(1, published.k))
    return [0, *range(published.k, bound + 1)]


def _feasible(published, fixed: dict, bound: int) -> bool:
    """Is there a table, consistent with everything shown, taking the values in `fixed`?"""
    height, width = len(published.values), len(published.values[0])
    value = {
        (r, c): published.values[r][c]
        for r in range(height)
        for c in range(width)
        if not published.hidden((r, c))
    }
    value.update(fixed)
    hidden = sorted(published.primary | published.secondary)
    lines = list(_lines(height, width))
    allowed = {cell: set(_domain(published, cell, bound)) for cell in hidden}

    def propagate(assigned: dict) -> bool:
        """Fill every cell that is the last unknown of a line; False on a contradiction."""
        changed = True
        while changed:
            changed = False
            for parts, total in lines:
                open_cells = [c for c in (*parts, total) if c not in assigned]
                known = sum(assigned[c] for c in parts if c in assigned)
                if not open_cells:
                    if known != assigned[total]:
                        return False
                elif len(open_cells) == 1:
                    cell = open_cells[0]
                    forced = known if cell == total else assigned[total] - known
                    if forced not in allowed[cell]:
                        return False
                    assigned[cell] = forced
                    changed = True
        return True

    def search(assigned: dict) -> bool:
        assigned = dict(assigned)
        if not propagate(assigned):
            return False
        open_cells = [c for c in hidden if c not in assigned]
        if not open_cells:
            return True
        cell = min(open_cells, key=lambda c: len(allowed[c]))
        return any(search({**assigned, cell: v}) for v in sorted(allowed[cell]))

    return search(value)


def _recoverable(published) -> list[tuple[int, int]]:
    """The hidden cells whose value is the only one consistent with what is published."""
    # Any cell of a table is at most its grand total; searching a little beyond the true one can
    # only make the attacker stronger than needed (a false alarm), never weaker.
    bound = published.values[-1][-1] + published.k
    found = []
    for cell in sorted(published.primary | published.secondary):
        true = published.values[cell[0]][cell[1]]
        others = (v for v in _domain(published, cell, bound) if v != true)
        if not any(_feasible(published, {cell: v}, bound) for v in others):
            found.append(cell)
    return found


def _all_cells(published):
    return [(r, c) for r in range(len(published.values)) for c in range(len(published.values[0]))]


counts = st.one_of(st.integers(0, 4), st.integers(5, 30))
tables = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(counts, min_size=width, max_size=width), min_size=1, max_size=4)
)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(tables)
def test_no_hidden_count_can_be_worked_out(table):
    published = suppress(table, K)
    if published.withheld:
        return  # nothing is published
    assert _recoverable(published) == [], [
        [published.shown(r, c) for c in range(len(published.values[0]))]
        for r in range(len(published.values))
    ]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(tables)
def test_every_small_count_is_hidden_and_nothing_else_changes(table):
    published = suppress(table, K)
    if published.withheld:
        assert all(published.shown(r, c) == "x" for r, c in _all_cells(published))
        return
    full = with_totals(table)
    for r, row in enumerate(full):
        for c, value in enumerate(row):
            if 0 < value < K:
                assert published.shown(r, c) == "<5"
            elif not published.hidden((r, c)):
                assert published.shown(r, c) == str(value)
            else:
                assert published.shown(r, c) == "x" and (value == 0 or value >= K)


def test_a_lone_small_count_takes_three_more_cells_with_it():
    published = suppress([[12, 3, 40], [7, 0, 22], [9, 15, 21]])
    shown = [[published.shown(r, c) for c in range(4)] for r in range(4)]
    assert shown[0][1] == "<5"
    assert sum(row.count("x") for row in shown) == 3
    assert shown[3][3] == "129"  # the grand total stays


def test_nothing_is_hidden_when_every_count_is_large_or_zero():
    published = suppress([[12, 0], [7, 22]])
    assert not published.primary and not published.secondary


# --- a dimension where one unit falls in several groups (specific needs) -----------------------
# Only the lines across it add up (a person with two needs is in two rows, once in the total), so
# each line is protected on its own: no hidden count can be worked out from its line's total.

lines_tables = st.integers(1, 4).flatmap(
    lambda width: st.lists(st.lists(counts, min_size=width, max_size=width), min_size=1, max_size=5)
)


def _line(published, r: int):
    """Row r of a line-by-line suppressed table, as a one-line table with its (repeated) total
    row: what the reader can work with, since the columns do not add up."""
    width = len(published.values[0])
    row = tuple(published.values[r])
    primary = {(i, c) for i in (0, 1) for c in range(width) if (r, c) in published.primary}
    secondary = {(i, c) for i in (0, 1) for c in range(width) if (r, c) in published.secondary}
    return Suppressed((row, row), frozenset(primary), frozenset(secondary), published.k)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(lines_tables)
def test_no_hidden_count_can_be_worked_out_from_its_line(table):
    rows = [[*row, sum(row)] for row in table]
    published = suppress_lines(rows, K)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if 0 < value < K:
                assert published.shown(r, c) == "<5"
        assert _recoverable(_line(published, r)) == [], [
            published.shown(r, c) for c in range(len(row))
        ]


def test_a_line_by_line_table_keeps_its_own_totals():
    """A person with two needs counts in both rows and once in the total below them."""
    published = suppress_lines([[6, 7, 13], [6, 0, 6], [9, 7, 16]], K)
    assert published.values[-1] == (9, 7, 16)
    assert not published.primary and not published.secondary
