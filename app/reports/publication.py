"""Figures as they may leave the system: small cells suppressed, then every figure shown rounded
to a multiple of k, at random but the same way every time for the same people.

Why rounding. Suppression alone protects one table. Two tables a reader can obtain (a quarter
and one of its months, or the same month downloaded before and after a household moved on)
could still differ by a count of 1 to k-1 in cells that are each above the threshold, and
together single someone out: the differencing problem. After suppression, each figure shown is
rounded to a multiple of the base k (the suppression threshold, 5 by default), so any two figures
differ by 0 or by at least k. Unbiased random rounding (Statistics New Zealand rounds its census
counts so, to base 3; many UK administrative statistics are rounded to base 5) rounds a count
n = qk + r up with probability r/k and down otherwise, so it adds nothing on average; its draw
is taken from a
key that depends only on the units in the cell (the Australian Bureau of Statistics' "cell key
method"): the same people always give the same figure, however often or in whichever table it
is asked for, so repeating a request cannot average the rounding away, and a table in which one
person has changed draws again.

Sources: Hundepool et al., ESSnet "Handbook on Statistical Disclosure Control", chapter 5
(frequency tables): 5.4, the cell key method, and 5.5, rounding, conventional and random;
Fraser and Wooton, "A proposed method for confidentialising tabular output to protect against
differencing" (UNECE/Eurostat work session on statistical data confidentiality, 2005); Wooton
and Fraser, ABS research paper 1352.0.55.072 (2005), on the differencing problem.

Totals are rounded on their own, like every other figure, so rows need not add up exactly to the
totals published beside them; the pages and files say so.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import replace

from app.reports.suppression import Suppressed, suppress, suppress_lines, transposed

# Units in a cell: cells[r][c], totals included (the last row and column). See `aggregates.tally`.
Cells = Sequence[Sequence[frozenset[int]]]
# Which lines of a table add up: all of them ("table"), only its rows ("rows": the rows'
# dimension can put one unit in several rows), or only its columns ("columns").
ADDITIVE = ("table", "rows", "columns")
KEY_SPACE = 2**64


def publish(cells: Cells, k: int, secret: bytes, unit: str, additive: str = "table") -> Suppressed:
    """The table of `cells` as it may leave the system: suppressed (`suppression.py`), then each
    figure shown rounded to a multiple of k with its cell's key."""
    values = [[len(units) for units in line] for line in cells]
    if additive == "table":
        protected = suppress([line[:-1] for line in values[:-1]] or [[0]], k)
    elif additive == "rows":
        protected = suppress_lines(values, k)
    else:
        protected = transposed(
            suppress_lines([list(line) for line in zip(*values, strict=True)], k)
        )
    record_keys = {member: _record_key(unit, member, secret) for member in cells[-1][-1]}
    keys = [[_cell_key(units, record_keys) for units in line] for line in cells]
    return rounded(protected, keys, k)


def rounded(protected: Suppressed, keys: Sequence[Sequence[float]], base: int) -> Suppressed:
    """`protected` with every figure rounded to a multiple of `base`, each by its cell's key."""
    figures = tuple(
        tuple(round_to_base(value, key, base) for value, key in zip(line, key_line, strict=True))
        for line, key_line in zip(protected.values, keys, strict=True)
    )
    return replace(protected, rounded=figures)


def round_to_base(count: int, key: float, base: int) -> int:
    """Unbiased random rounding: n = q*base + r goes up to (q+1)*base when the key (uniform in
    [0, 1)) is below r/base, down to q*base otherwise. A multiple of the base, zero included,
    stays as it is."""
    low, rest = divmod(count, base)
    return (low + (1 if key * base < rest else 0)) * base


def cell_key(units: frozenset[int], unit: str, secret: bytes) -> float:
    """The cell's key in [0, 1): the sum of its units' record keys, modulo 1. A record key is
    drawn from the unit's id with a keyed hash, so nobody without the secret can work it out;
    the same units always give the same key."""
    return _cell_key(units, {member: _record_key(unit, member, secret) for member in units})


def _cell_key(units: frozenset[int], record_keys: dict[int, int]) -> float:
    return (sum(record_keys[member] for member in units) % KEY_SPACE) / KEY_SPACE


def _record_key(unit: str, member: int, secret: bytes) -> int:
    digest = hmac.new(secret, f"{unit}:{member}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def figures_secret(secret_key: str | bytes) -> bytes:
    """The key of the rounding, derived from the application's SECRET_KEY (changing that key
    draws every rounding afresh)."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, b"awda-figures-cell-key", hashlib.sha256).digest()
