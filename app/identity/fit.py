"""Fitting the match model: m and u probabilities, the prior and the review threshold, counted on
a labelled set of records, and written as versioned JSON (`scoring.MODEL_PATH`).

Supervised counting (Fellegi & Sunter 1969; the Splink documentation calls the same numbers m and
u probabilities and their log-ratio a match weight):

- the pairs are those blocking proposes (`blocking.candidate_pairs`): u is the chance of a level
  among the pairs the scorer will actually see, not among random pairs, so that relatives who
  share a block (siblings, cousins) set the weight of the levels they reach;
- m[f][l] = (pairs of one person at level l of f + 1) / (pairs of one person + levels of f),
  u[f][l] likewise over the pairs of different persons (Laplace smoothing, so that a level never
  seen has a finite weight). For a feature whose levels carry a context (`level+context`,
  `compare.compare`), m and u are P(level | context) instead (a chain of conditional
  probabilities: P(lineage) · P(given | lineage) · P(mother | both) · P(birth | both)). Counted
  jointly, P(level and context) would count "the lineage and given names agree" once in each
  of the given name, the mother and the birth date, and namesakes of a sparse record were
  proposed on that alone. Within a context the share is smoothed towards the level's share over
  all contexts (`_smoothed`): Laplace in a small context made a level that neither kind of pair
  reaches there (two whole dates of one year that differ, among given names one letter apart)
  evidence of a duplicate, by the mere ratio of the two contexts' sizes;
- a `missing` level is no evidence either way: m = u = its share among all blocked pairs, weight
  0 (as Splink treats nulls). In a labelled set the re-listed records are the sparse ones, so
  counting would make a missing value evidence of a duplicate, which it is not;
- the prior λ = pairs of one person / pairs;
- term-frequency adjustments of the given name (`scoring` module docstring): f_v is the share
  of the name v among the records, g_v its share among the pairs of different persons whose
  given names are `exact` or `same_key`, smoothed towards f_v² (what random pairs would give)
  with `TF_PSEUDO_PAIRS` pseudo-pairs; the adjustment log2(f_v / g_v) is bounded by
  ±`TF_BOUND` bits; a name never seen gets the adjustment of a name seen once;
- the review threshold is the match weight that maximises the smaller of precision and recall
  over the labelled pairs (true duplicates missed by blocking count against recall), placed
  halfway between the two scores it separates. The goal is both at 0.98 or more, not the best
  F1: F1 trades one for the other (its optimum had recall 0.97 and precision 0.98), and the
  max-min rule puts the cut where the two are balanced, the point that leaves the most margin
  to both goals. When the labelled set says which pairs are close kin (siblings, twins, father
  and son: `label_pairs(relation=…)`), only cuts `KIN_MARGIN` bits above all of them are
  considered: proposing none of them is a goal of its own, not a point on the precision curve,
  and the margin stands for the relatives another set holds a little higher;
- the given-name vocabulary (`given_name_vocabulary`, for the level `other_name`): the folded
  Arabic given names typed on `NAME_MIN_RECORDS` records or more, and each Latin spelling typed
  beside a known Arabic name, sharing its skeleton, on `SPELLING_MIN_RECORDS` records or more. A
  slip makes a string seldom typed twice: counted over the fit set, it stays out;
- term-frequency adjustments of the lineage likewise, over the chain "father/family" or
  "father/" (`compare.record_lineage_values`), g_v counted among namesake pairs (given names
  agreeing, see `lineage_frequencies`); chains with a family name and fathers alone are counted
  as two vocabularies.

The version is the model's name and a digest of its content: the same fit gives the same version,
a different fit a different one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.identity.blocking import candidate_pairs
from app.identity.compare import (
    GIVEN_LEVELS,
    KIN,
    LEVELS,
    LINEAGE,
    NAME_LEVELS,
    NEAR,
    PARTIAL,
    SIBLING,
    NameVocabulary,
    compare,
    compare_slots,
    record_lineage_values,
    slot,
)
from app.identity.person import NamePart, PersonRecord
from app.identity.scoring import (
    ADJUSTED_LEVELS,
    ADJUSTED_LINEAGE_LEVELS,
    MODEL_PATH,
    MatchModel,
    probability,
)

MODEL_NAME = "awda-2026-11"
SMOOTHING = 1  # Laplace: one pseudo-count per level
KIN_RELATIONS = frozenset({"sibling", "twin", "parent"})  # never proposed (the goal)
KIN_MARGIN = 1.0  # bits the threshold keeps above the closest relative of the fitting set
CONTEXT_PSEUDO_PAIRS = 10  # weight of the all-contexts share of a level within one context
TF_PSEUDO_PAIRS = 20  # weight of the random-pairs estimate f_v² in g_v
TF_BOUND = 5.0  # bits: no single name moves a pair further than this
NAME_MIN_RECORDS = 3  # an Arabic given name typed on fewer records may be a slip: not known
SPELLING_MIN_RECORDS = 2  # a Latin spelling typed beside a known name on fewer: not known


@dataclass(frozen=True)
class LabelledPairs:
    """The levels of every blocked pair (`levels[i]` is a tuple in the order of `LEVELS`),
    whether it is one person (`same[i]`), and how many true pairs there are in all (`matches`,
    blocked or not)."""

    levels: list[tuple[str, ...]]
    same: list[bool]
    matches: int
    values: list[str] = field(default_factory=list)  # the given name agreed on, per pair
    given_counts: Counter = field(default_factory=Counter)  # given-name skeletons of records
    lineage_values: list[str] = field(default_factory=list)  # the chain agreed on, per pair
    lineage_counts: Counter = field(default_factory=Counter)  # chains of records
    # Per pair: two different persons who are close kin (sibling, twin, parent), when known.
    kin: list[bool] = field(default_factory=list)
    names: NameVocabulary | None = None  # the vocabulary the pairs were compared with


def label_pairs(
    records: Sequence[PersonRecord],
    matches: Iterable[frozenset[str]],
    relation: Callable[[str, str], str] | None = None,
    names: NameVocabulary | None = None,
) -> LabelledPairs:
    """Block `records` and compare each candidate pair; `matches` holds the true duplicate pairs
    as frozensets of two record keys; `relation(key, key)`, when given, says how two persons are
    related (`KIN_RELATIONS` are never to be proposed: see `best_threshold`). The given names
    are read with `names`, by default the vocabulary of `records` (`given_name_vocabulary`)."""
    matches = set(matches)
    if names is None:
        names = given_name_vocabulary(records)
    levels, same, values, lineage_values, kin = [], [], [], [], []
    for i, j in sorted(candidate_pairs(records)):
        a, b = records[i], records[j]
        comparisons = compare(a, b, names)
        levels.append(tuple(c.level for c in comparisons))
        values.append(comparisons[0].value)
        lineage_values.append(comparisons[1].value)
        same.append(frozenset((a.key, b.key)) in matches)
        kin.append(bool(relation) and relation(a.key, b.key) in KIN_RELATIONS)
    given_counts = Counter(min(keys) for r in records if (keys := slot(r.given).keys))
    lineage_counts = Counter(value for r in records for value in record_lineage_values(r))
    return LabelledPairs(
        levels, same, len(matches), values, given_counts, lineage_values, lineage_counts, kin, names
    )


def given_name_vocabulary(records: Iterable[PersonRecord]) -> NameVocabulary:
    """The given names of `records` (see the module docstring): the Arabic names typed on
    `NAME_MIN_RECORDS` records or more; each Latin spelling typed beside one of them with the
    same skeleton (`same_key`) on `SPELLING_MIN_RECORDS` records or more, mapped to the names it
    was typed beside."""
    arabic, spellings = Counter(), Counter()
    for record in records:
        given = slot(record.given)
        if given.arabic:
            arabic[given.arabic] += 1
        if given.arabic and given.latin:
            spellings[(given.arabic, given.latin)] += 1
    known = frozenset(name for name, count in arabic.items() if count >= NAME_MIN_RECORDS)
    latin: dict[str, set[str]] = {}
    for (name, spelling), count in sorted(spellings.items()):
        if name not in known or count < SPELLING_MIN_RECORDS:
            continue
        if compare_slots(slot(name), slot(NamePart("", spelling))) == "same_key":
            latin.setdefault(spelling, set()).add(name)
    return NameVocabulary(known, {spelling: frozenset(names) for spelling, names in latin.items()})


def fit(pairs: LabelledPairs, fitted_on: dict[str, Any] | None = None) -> MatchModel:
    """The model counted from `pairs` (see the module docstring). ValueError when the pairs hold
    no true duplicate or no other pair."""
    n_same = sum(pairs.same)
    n_other = len(pairs.same) - n_same
    if not n_same or not n_other:
        raise ValueError("fitting needs both duplicate and non-duplicate pairs")
    counts = {True: Counter(), False: Counter()}
    for levels, same in zip(pairs.levels, pairs.same, strict=True):
        counts[same].update(enumerate(levels))
    m, u = {}, {}
    for index, (feature, names) in enumerate(LEVELS.items()):
        m[feature] = _smoothed(counts[True], index, names, n_same)
        u[feature] = _smoothed(counts[False], index, names, n_other)
        for ordered in _ORDERED.get(feature, ()):
            _pool_violators(m[feature], u[feature], ordered, counts, index, (n_same, n_other))
        if "missing" in names:
            missing = counts[True][(index, "missing")] + counts[False][(index, "missing")]
            share = (missing + SMOOTHING) / (len(pairs.same) + SMOOTHING * len(names))
            m[feature]["missing"] = u[feature]["missing"] = share
    adjustments = {}
    if pairs.given_counts:
        adjustments["given"] = term_frequencies(pairs)
    if pairs.lineage_counts:
        adjustments["lineage"] = lineage_frequencies(pairs)
    draft = MatchModel(
        "draft", n_same / len(pairs.same), m, u, 0.0, 0.5, {}, adjustments, pairs.names
    )
    threshold = best_threshold(draft, pairs)
    content = {
        "prior": draft.prior,
        "m": m,
        "u": u,
        "adjustments": adjustments,
        "names": pairs.names.to_json() if pairs.names is not None else None,
        "threshold": threshold,
        "fitted_on": {**(fitted_on or {}), "pairs": len(pairs.same), "duplicate_pairs": n_same},
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:10]
    return MatchModel(
        version=f"{MODEL_NAME}-{digest}",
        prior=draft.prior,
        m=m,
        u=u,
        threshold_weight=threshold,
        threshold_probability=probability(threshold),
        fitted_on=content["fitted_on"],
        adjustments=adjustments,
        names=pairs.names,
    )


def term_frequencies(pairs: LabelledPairs) -> dict[str, Any]:
    """The given name's adjustments (see the module docstring), rounded to 1/1000 bit."""
    agreeing = Counter(
        value
        for value, levels, same in zip(pairs.values, pairs.levels, pairs.same, strict=True)
        if not same and value and levels[0].split("+")[0] in ADJUSTED_LEVELS
    )
    return _adjustments(pairs.given_counts, agreeing)


def lineage_frequencies(pairs: LabelledPairs) -> dict[str, Any]:
    """The lineage's adjustments: g_v among the pairs of different persons whose lineage agrees
    on v and whose given names agree too (namesakes; siblings are told apart by the given name
    already)."""
    agreeing = Counter(
        value
        for value, levels, same in zip(pairs.lineage_values, pairs.levels, pairs.same, strict=True)
        if not same
        and value
        and levels[1] in ADJUSTED_LINEAGE_LEVELS
        and levels[0].split("+")[0] in ADJUSTED_LEVELS
    )
    # The father's name and the family name are counted apart, so that a chain the fit never
    # saw whole is still read by the frequency of each of its names.
    fathers, families = Counter(), Counter()
    for value, count in agreeing.items():
        father, family = value.split("/")
        fathers[father] += count
        if family:
            families[family] += count
    # Each record bears "father/" and, with a family name, "father/family" too.
    father_counts, family_counts = Counter(), Counter()
    for value, count in pairs.lineage_counts.items():
        father, family = value.split("/")
        if family:
            family_counts[family] += count
        else:
            father_counts[father] += count
    return {
        "father": _adjustments(father_counts, fathers),
        "family": _adjustments(family_counts, families),
        "levels": list(ADJUSTED_LINEAGE_LEVELS),
    }


def _adjustments(counts: Counter, agreeing: Counter) -> dict[str, Any]:
    """log2(f_v / g_v) for each value v of `counts` (f_v its share of them), g_v its share of
    `agreeing` smoothed towards f_v² (see the module docstring)."""
    records = sum(counts.values())
    share = {value: count / records for value, count in counts.items()}
    squares = sum(f * f for f in share.values())
    total = sum(agreeing.values())

    def bits(value: str, f: float) -> float:
        g = (agreeing[value] + TF_PSEUDO_PAIRS * f * f / squares) / (total + TF_PSEUDO_PAIRS)
        return round(max(-TF_BOUND, min(TF_BOUND, math.log2(f / g))), 3)

    return {
        "values": {value: bits(value, f) for value, f in sorted(share.items())},
        "unseen": bits("", 1 / records),
    }


# Strongest first: a slip (`similar`) is nearer one person than two names of one skeleton whose
# long vowels differ (`consonants_only`: حسن and حسين).
_NAME_ORDER = ("exact", "same_key", "similar", "consonants_only", "different")
assert set(_NAME_ORDER) == set(NAME_LEVELS) - {"missing"}
# Two known names close in spelling (`other_name`) are never nearer one person than a slip or two
# names of one skeleton, nor further than two names unlike each other.
_GIVEN_ORDER = ("exact", "same_key", "similar", "consonants_only", "other_name", "different")
assert set(_GIVEN_ORDER) == set(GIVEN_LEVELS) - {"missing"}
# Levels whose weights must not rise as agreement falls: an exact name is never weaker evidence
# than a shared skeleton. Where the counts say otherwise (in a labelled set the Latin-only rows
# are mostly re-listings, so `same_key` looks like a duplicate's mark), adjacent levels are pooled
# (pool-adjacent-violators, as in isotonic regression) and share one weight.
_ORDERED = {
    "given": (
        _GIVEN_ORDER,
        tuple(level + LINEAGE for level in _GIVEN_ORDER),
        tuple(level + PARTIAL for level in _GIVEN_ORDER),
    ),
    "mother": tuple(
        tuple(level + context for level in _NAME_ORDER) for context in ("", KIN, NEAR, SIBLING)
    ),
}


def _pool_violators(m, u, ordered, counts, index, totals) -> None:
    """Pool adjacent levels of `ordered` until log(m/u) does not increase along it."""
    blocks = [[level] for level in ordered]
    changed = True
    while changed:
        changed = False
        for at in range(len(blocks) - 1):
            if _block_weight(m, u, blocks[at]) < _block_weight(m, u, blocks[at + 1]):
                blocks[at : at + 2] = [blocks[at] + blocks[at + 1]]
                changed = True
                break
    for block in blocks:
        if len(block) == 1:
            continue
        # Each level keeps its share of the pooled counts, with one pooled ratio m/u.
        pooled_m, pooled_u = sum(m[lv] for lv in block), sum(u[lv] for lv in block)
        for level in block:
            share = (m[level] + u[level]) / (pooled_m + pooled_u)
            m[level], u[level] = pooled_m * share, pooled_u * share


def _block_weight(m, u, block) -> float:
    return sum(m[lv] for lv in block) / sum(u[lv] for lv in block)


def _smoothed(counts: Counter, index: int, names: tuple[str, ...], total: int) -> dict:
    """P(level) of one feature among `total` pairs, Laplace-smoothed. With contexts
    (`level+context`), P(level | context): the context is a fact about the other features (the
    lineage, the given names), whose own weights count it already; P(context) here as well would
    count it once more for each feature that carries it. Smoothed towards the level's share over
    all contexts with `CONTEXT_PSEUDO_PAIRS` pseudo-pairs: a level rarely reached in a small
    context (a date slip among the +near pairs) takes the weight the whole set gives it, not the
    weight of two Laplace pseudo-counts."""
    contexts: dict[str, list[str]] = {}
    for level in names:
        contexts.setdefault(_context(level), []).append(level)
    if len(contexts) == 1:
        return {
            level: (counts[(index, level)] + SMOOTHING) / (total + SMOOTHING * len(names))
            for level in names
        }
    bases = sorted({level.split("+")[0] for level in names})
    pooled = Counter()
    for level in names:
        pooled[level.split("+")[0]] += counts[(index, level)]
    base_share = {
        base: (pooled[base] + SMOOTHING) / (total + SMOOTHING * len(bases)) for base in bases
    }
    result = {}
    for levels in contexts.values():
        in_context = sum(counts[(index, level)] for level in levels)
        prior = {level: base_share[level.split("+")[0]] for level in levels}
        norm = sum(prior.values())
        for level in levels:
            within = (counts[(index, level)] + CONTEXT_PSEUDO_PAIRS * prior[level] / norm) / (
                in_context + CONTEXT_PSEUDO_PAIRS
            )
            result[level] = within
    return result


def _context(level: str) -> str:
    return level[level.index("+") :] if "+" in level else ""


def pair_weight(
    model: MatchModel, levels: tuple[str, ...], value: str = "", lineage: str = ""
) -> float:
    """The match weight (bits) of one pair's levels under `model`; `value` the given name
    and `lineage` the chain agreed on (for the term-frequency adjustments)."""
    return (
        model.prior_weight
        + sum(model.weight(feature, level) for feature, level in zip(LEVELS, levels, strict=True))
        + model.adjustment("given", levels[0], value)
        + model.adjustment("lineage", levels[1], lineage)
    )


def best_threshold(model: MatchModel, pairs: LabelledPairs) -> float:
    """The weight that maximises min(precision, recall) over `pairs` (all `pairs.matches` true
    pairs count for recall) among the cuts above every pair of close kin (`pairs.kin`, when
    labelled: a brother proposed in a man's place is the harm to avoid), halfway between the
    lowest score proposed and the highest one not proposed."""
    blank = [""] * len(pairs.same)
    scored = sorted(
        (
            (pair_weight(model, levels, value, lineage), same, is_kin)
            for levels, same, value, lineage, is_kin in zip(
                pairs.levels,
                pairs.same,
                pairs.values or blank,
                pairs.lineage_values or blank,
                pairs.kin or [False] * len(pairs.same),
                strict=True,
            )
        ),
        reverse=True,
    )
    kin = [w for w, same, is_kin in scored if is_kin]
    # No cut may propose a labelled relative, nor come within `KIN_MARGIN` bits of one.
    ceiling = max(kin, default=-math.inf) + KIN_MARGIN
    best, best_index, true_positives = -1.0, 0, 0
    for index, (weight, same, _) in enumerate(scored):
        true_positives += same
        if weight <= ceiling:
            break
        # Only cut between different weights: pairs of equal weight are proposed together.
        if index + 1 < len(scored) and scored[index + 1][0] == weight:
            continue
        # The smaller of precision and recall (all true pairs count for recall).
        worse = min(true_positives / (index + 1), true_positives / pairs.matches)
        if worse > best:
            best, best_index = worse, index
    lowest = scored[best_index][0]
    below = scored[best_index + 1][0] if best_index + 1 < len(scored) else lowest - 2.0
    return (lowest + below) / 2


def write_model(model: MatchModel, path: str | Path | None = None) -> Path:
    """Write `model` as JSON (default `scoring.MODEL_PATH`); returns the path written."""
    path = Path(path) if path is not None else MODEL_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(model.to_json(), indent=2, ensure_ascii=False, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
