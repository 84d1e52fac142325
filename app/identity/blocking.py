"""Blocking keys: which pairs of records are worth scoring at all.

Scoring every pair of a million people is 5·10^11 comparisons; instead each record gets a few
short keys, and only records that share a key are scored (the "blocking rules" of Splink's
documentation; Fellegi & Sunter 1969 call the blocks "pockets"). The keys are built from loose
consonant skeletons (`compare.Slot.loose`), which are the same for a name in Arabic letters and
in its Latin spellings, for hamza and taa marbuta forms, for compounds joined or spaced.

Keys, for each skeleton variant of the slots involved:

- `gfy:G:F:Y`  given + father + birth year, one key per year the date allows (an age estimate
  allows its two-year range and `compare.AGE_SLACK_YEARS` either side): catches a dropped
  grandfather or family name, a Latin-only row;
- `gff:G:F:L`  given + father + family name: catches a birth year typed wrongly or missing;
- `gfg:G:F:P`  given + father + grandfather: the same when the family name differs or is missing;
- `gmy:G:M:Y`  given + mother's given name + year: catches a misspelt father;
- `fmy:F:M:Y`  father + mother's given name + year: catches a misspelt given name (the block is
  the siblings born that year: small);
- `fly:F:L:Y`  father + family name + year: a misspelt given name where a record has no
  mother's name (the block: that lineage's children born that year, and namesakes' children);
- `gly:G:L:Y`  given + family name + year: a misspelt father with no mother's name;
- `gfm:G:F:M`  given + father + mother's given name: no birth date on one side, and the family
  name or grandfather dropped or misspelt on one;
- `doc:KIND:KEY` for each document (a camp ID included: it may name a household, but its block
  is that household's entries).

Every key is at most `MAX_KEY_LENGTH` characters. The same function serves SQLite and PostgreSQL:
the database stores (key, record) in an indexed table and reads candidates by key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import combinations, product

from app.identity.compare import AGE_SLACK_YEARS, slot
from app.identity.person import BirthDate, PersonRecord, Precision

MAX_KEY_LENGTH = 120
_PART = 25  # characters of one skeleton in a key: 4 parts and a prefix stay under 120


def blocking_keys(record: PersonRecord) -> set[str]:
    """The blocking keys of `record`: a set of strings of at most `MAX_KEY_LENGTH` characters,
    empty when the record has neither the names the keys need nor a document."""
    given, father = _parts(record.given), _parts(record.father)
    grandfather, family = _parts(record.grandfather), _parts(record.family)
    mother = _mother_given(record)
    years = [str(year) for year in birth_years(record.birth)]
    rules = (
        ("gfy", (given, father, years)),
        ("gff", (given, father, family)),
        ("gfg", (given, father, grandfather)),
        ("gmy", (given, mother, years)),
        ("fmy", (father, mother, years)),
        ("fly", (father, family, years)),
        ("gly", (given, family, years)),
        ("gfm", (given, father, mother)),
    )
    keys = {
        ":".join((prefix, *parts))
        for prefix, slots in rules
        if all(slots)
        for parts in product(*slots)
    }
    for kind, key in record.documents:
        if key:
            keys.add(f"doc:{kind[:12]}:{key[:100]}")
    return {key[:MAX_KEY_LENGTH] for key in keys}


def _parts(part) -> list[str]:
    """The loose skeletons of a slot, one per script whose skeleton differs; spaces (a name of
    several words) as dots."""
    return sorted(key.replace(" ", ".")[:_PART] for key in slot(part).loose)


def _mother_given(record: PersonRecord) -> list[str]:
    """The loose skeleton of the mother's given name (the first word of her name)."""
    return sorted({key.split()[0][:_PART] for key in slot(record.mother).loose})


def birth_years(birth: BirthDate | None) -> range:
    """The years a birth date allows for blocking: its own year, or for an age estimate its
    range widened by `AGE_SLACK_YEARS` on both sides; empty when unknown."""
    if birth is None:
        return range(0)
    earliest, latest = birth.year_range()
    if birth.precision is Precision.AGE:
        earliest, latest = earliest - AGE_SLACK_YEARS, latest + AGE_SLACK_YEARS
    return range(earliest, latest + 1)


def candidate_pairs(records: Iterable[PersonRecord]) -> set[tuple[int, int]]:
    """In memory, for benchmarks, fitting and tests: the pairs (i, j), i < j, of indexes into
    `records` that share a blocking key and are not of one non-empty group. The database does
    the same by key look-up."""
    records = list(records)
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in blocking_keys(record):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        pairs.update(_pairs_across_groups(records, members))
    return pairs


def _pairs_across_groups(
    records: list[PersonRecord], members: list[int]
) -> Iterator[tuple[int, int]]:
    for i, j in combinations(members, 2):
        group = records[i].group
        if not group or group != records[j].group:
            yield i, j


def block_sizes(records: Iterable[PersonRecord]) -> dict[str, int]:
    """Size of each block (key → number of records): for measuring how blocks grow."""
    sizes: dict[str, int] = defaultdict(int)
    for record in records:
        for key in blocking_keys(record):
            sizes[key] += 1
    return dict(sizes)
