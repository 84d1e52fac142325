"""Identity benchmark: duplicate detection over a generated list of families, scored by the fitted
Fellegi–Sunter model beside a plain fuzzy-name baseline on the same candidate pairs.

    python bench/identity.py [--persons 20000] [--seed 2] [--fit] [--fit-seed 1] [--blocks N]

The evaluation set (`--seed`) is generated with another seed than the fitting set (`--fit-seed`),
so the figures are out of sample. With --fit the model is fitted on the fitting set first and
written to `app/identity/weights/` (the committed file comes from `--fit` with the defaults).
With --blocks N it also reports the block sizes of a set of N persons (1,000,000 takes minutes).

The baseline is rapidfuzz's `fuzz.token_sort_ratio` on the folded full names (given, father,
grandfather, family; the Arabic names when both records have them, else the Latin), at the
threshold that gives it its best F1 on the evaluation set itself: its best case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.identity.blocking import block_sizes, candidate_pairs
from app.identity.fit import fit, label_pairs, write_model
from app.identity.names import fold
from app.identity.person import PersonRecord
from app.identity.scoring import load_model, score
from bench.identity_data import LabelledSet, generate

RELATIONS = ("sibling", "twin", "parent", "cousin", "other")


def refit(persons: int, seed: int):
    data = generate(persons, seed)
    fitted_on = {"generator": "bench.identity_data.generate", "persons": persons, "seed": seed}
    model = fit(label_pairs(data.records, data.matches, data.relation), fitted_on)
    path = write_model(model)
    print(f"fitted {model.version} on seed {seed} ({persons:,} persons) -> {path}")
    return model


def full_name(record: PersonRecord, latin: bool) -> str:
    parts = (record.given, record.father, record.grandfather, record.family)
    return fold(" ".join(part.en if latin else part.ar for part in parts))


def baseline_similarity(a: PersonRecord, b: PersonRecord) -> float:
    latin = not (a.given.ar and b.given.ar)
    return fuzz.token_sort_ratio(full_name(a, latin), full_name(b, latin))


def figures(data: LabelledSet, proposed: list[tuple[str, str]]) -> dict:
    """Precision, recall and the relatives among the proposed pairs."""
    relations = Counter(data.relation(a, b) for a, b in proposed)
    true = relations["same"]
    return {
        "precision": true / len(proposed) if proposed else 1.0,
        "recall": true / len(data.matches),
        **{relation: relations[relation] for relation in RELATIONS},
    }


def best_f1_threshold(similarities: list[tuple[float, bool]], matches: int) -> float:
    best, threshold, true = -1.0, 100.0, 0
    ordered = sorted(similarities, reverse=True)
    for index, (value, same) in enumerate(ordered):
        true += same
        if index + 1 < len(ordered) and ordered[index + 1][0] == value:
            continue
        f1 = 2 * true / (index + 1 + matches)
        if f1 > best:
            best, threshold = f1, value
    return threshold


def report_blocks(persons: int) -> None:
    data = generate(persons, seed=3)
    sizes = block_sizes(data.records)
    values = sorted(sizes.values())
    per_record = sum(values) / len(data.records)
    by_rule = Counter()
    for key, size in sizes.items():
        by_rule[key.split(":")[0]] = max(by_rule[key.split(":")[0]], size)
    print(
        f"blocks at {len(data.records):,} records: {len(values):,} keys, "
        f"{per_record:.1f} keys a record, median block {statistics.median(values):.0f}, "
        f"p99 {values[int(len(values) * 0.99)]}, largest {values[-1]}; "
        f"largest by rule {dict(sorted(by_rule.items()))}; "
        f"pairs {sum(size * (size - 1) // 2 for size in values):,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2, help="seed of the evaluation set")
    parser.add_argument("--fit", action="store_true", help="refit and write the model first")
    parser.add_argument("--fit-seed", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=0, help="report block sizes at N persons")
    args = parser.parse_args()
    if args.fit_seed == args.seed:
        parser.error("evaluate on another seed than the fit's")

    model = refit(args.persons, args.fit_seed) if args.fit else load_model()
    data = generate(args.persons, args.seed)
    records = data.records
    started = time.perf_counter()
    pairs = sorted(candidate_pairs(records))
    blocked = time.perf_counter()
    scores = [score(records[i], records[j], model) for i, j in pairs]
    finished = time.perf_counter()

    keys = [(records[i].key, records[j].key) for i, j in pairs]
    ours = [pair for pair, result in zip(keys, scores, strict=True) if result.proposed]
    similarities = [
        (baseline_similarity(records[i], records[j]), frozenset(pair) in data.matches)
        for (i, j), pair in zip(pairs, keys, strict=True)
    ]
    cut = best_f1_threshold(similarities, len(data.matches))
    theirs = [pair for pair, (value, _) in zip(keys, similarities, strict=True) if value >= cut]
    blocked_true = sum(frozenset(pair) in data.matches for pair in keys)

    print(
        f"model {model.version}; evaluation seed {args.seed}: {len(records):,} records, "
        f"{len(data.matches):,} true duplicate pairs, {len(pairs):,} candidate pairs "
        f"(blocking keeps {blocked_true / len(data.matches):.4f} of the true pairs)"
    )
    print(
        f"blocking {blocked - started:.2f} s, scoring {finished - blocked:.2f} s "
        f"({len(pairs) / (finished - blocked):,.0f} pairs/s), "
        f"whole list {finished - started:.2f} s"
    )
    header = f"{'method':<34}{'precision':>10}{'recall':>8}" + "".join(
        f"{name:>9}" for name in RELATIONS
    )
    print(header)
    rows = (
        (f"Fellegi-Sunter (w >= {model.threshold_weight:.2f})", figures(data, ours)),
        (f"token_sort_ratio >= {cut:.1f} (best F1)", figures(data, theirs)),
    )
    for label, row in rows:
        print(
            f"{label:<34}{row['precision']:>10.4f}{row['recall']:>8.4f}"
            + "".join(f"{row[name]:>9}" for name in RELATIONS)
        )
    print("(sibling … other: pairs of different persons proposed, by how they are related)")
    if args.blocks:
        report_blocks(args.blocks)


if __name__ == "__main__":
    main()
