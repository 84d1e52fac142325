"""Fellegi–Sunter scoring of a pair of `PersonRecord`s with a fitted, versioned model.

For each feature (`compare.FEATURES`) the pair reaches one level; the level's match weight is
log2(m / u), where m = P(level | same person) and u = P(level | different persons among the
pairs that blocking proposes). The pair's weight is the prior's log-odds
log2(λ / (1 − λ)) plus the sum of the level weights, and its match probability is
2^w / (1 + 2^w). Sources: Fellegi & Sunter (1969), "A theory for record linkage", JASA 64;
the Splink documentation ("m and u probabilities", "match weights"), which uses the same terms.

Term-frequency adjustment (the Splink documentation, "term frequency adjustments"): agreeing on a
rare given name is stronger evidence than agreeing on محمد. When the given names are `exact` or
`same_key` (in any context), the level's weight gains log2(f_v / g_v) for the name v they agree
on (its skeleton): f_v its share among records (how likely a person is to bear it), g_v its share
among the pairs of different persons that reach those levels. Both are counted by `fit` and the
adjustments stored in the model (`adjustments`), with one for a name the fit never saw.

The lineage is adjusted the same way when it agrees (`all_agree`, `father_agrees_part_missing`):
v is the father's skeleton and the family name's ("father/family", or "father/" when one record
has no family name), g_v its share among the pairs of different persons whose given names agree
too (namesakes): a rare chain (جمال إبراهيم ثامر الجبوري) is strong evidence, a common one
(محمد … الجبوري) weak.

The given-name vocabulary (`compare.NameVocabulary`: the names of the fit set in both scripts, for
the level `other_name`) is stored in the model as well.

The m and u probabilities, the prior, the adjustments, the vocabulary and the review threshold are
data:
`app.identity.fit` counts them on a labelled set and writes them to a JSON file (`MODEL_PATH`,
committed), with a version string that a proposal can be stored with. Nothing here is tuned by hand.

Records of one non-empty `group` (one household, one list family) are relatives or the same entry,
never duplicates of each other: `score` returns None for them, and callers skip the pair.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.identity.compare import LEVELS, Comparison, NameVocabulary, compare
from app.identity.person import PersonRecord

MODEL_PATH = Path(__file__).resolve().parent / "weights" / "awda-2026-11.json"
ADJUSTED_LEVELS = frozenset({"exact", "same_key"})  # levels whose weight depends on the name
# The lineage's levels whose weight depends on the chain agreed on (stored in the model too).
ADJUSTED_LINEAGE_LEVELS = ("all_agree", "father_agrees_part_missing")


@dataclass(frozen=True)
class MatchModel:
    """A fitted model. `prior` is λ, the share of true duplicates among blocked pairs; `m` and
    `u` map feature → level → probability; `threshold_weight` is the review threshold as a match
    weight (in bits), `threshold_probability` the same as a match probability; `fitted_on`
    describes the data the model was fitted on."""

    version: str
    prior: float
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    threshold_weight: float
    threshold_probability: float
    fitted_on: dict[str, Any]
    # feature → {"values": {value: bits}, "unseen": bits, "levels": [...]}: see the module
    # docstring ("levels", the levels adjusted, defaults to `ADJUSTED_LEVELS`).
    adjustments: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The given names the fit set knows, for the level `other_name` (`compare.NameVocabulary`);
    # None: the level is never reached.
    names: NameVocabulary | None = None

    def __post_init__(self) -> None:
        for feature, levels in LEVELS.items():
            for level in levels:
                m, u = self.m[feature][level], self.u[feature][level]
                if not (0 < m <= 1 and 0 < u <= 1):
                    raise ValueError(f"{self.version}: m and u of {feature}/{level} not in (0, 1]")
        if not 0 < self.prior < 1:
            raise ValueError(f"{self.version}: prior {self.prior} not in (0, 1)")
        weights = {
            feature: {
                level: math.log2(self.m[feature][level] / self.u[feature][level])
                for level in levels
            }
            for feature, levels in LEVELS.items()
        }
        object.__setattr__(self, "_weights", weights)

    @property
    def prior_weight(self) -> float:
        """log2(λ / (1 − λ)), in bits: where every pair starts."""
        return math.log2(self.prior / (1 - self.prior))

    def weight(self, feature: str, level: str) -> float:
        """log2(m / u) of one level, in bits; KeyError for a feature or level the model lacks
        (a model fitted before the level existed must be refitted, not guessed)."""
        return self._weights[feature][level]  # type: ignore[attr-defined]

    def adjustment(self, feature: str, level: str, value: str) -> float:
        """The term-frequency adjustment (bits) of `value` at `level` of `feature`: 0 unless
        the level is `exact` or `same_key` (in any context) and the model has a table."""
        table = self.adjustments.get(feature)
        if not table or not value:
            return 0.0
        if level.split("+")[0] not in table.get("levels", ADJUSTED_LEVELS):
            return 0.0
        if "values" in table:
            return float(table["values"].get(value, table["unseen"]))
        # The lineage: "father/family", each name read in its own table.
        return sum(
            float(table[part]["values"].get(name, table[part]["unseen"]))
            for part, name in zip(("father", "family"), value.split("/"), strict=True)
            if name
        )

    def to_json(self) -> dict[str, Any]:
        """The model as stored (see `load_model`)."""
        return {
            "version": self.version,
            "method": "Fellegi-Sunter; m, u by supervised counting with Laplace smoothing",
            "fitted_on": self.fitted_on,
            "prior": self.prior,
            "threshold": {
                "weight": self.threshold_weight,
                "probability": self.threshold_probability,
            },
            "features": {
                feature: {
                    level: {"m": self.m[feature][level], "u": self.u[feature][level]}
                    for level in levels
                }
                for feature, levels in LEVELS.items()
            },
            "term_frequency_adjustments": self.adjustments,
            **({"given_names": self.names.to_json()} if self.names is not None else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MatchModel:
        """A model from its stored form; KeyError or ValueError when it is incomplete."""
        features = data["features"]
        return cls(
            version=data["version"],
            prior=float(data["prior"]),
            m={
                f: {lv: float(p["m"]) for lv, p in levels.items()} for f, levels in features.items()
            },
            u={
                f: {lv: float(p["u"]) for lv, p in levels.items()} for f, levels in features.items()
            },
            threshold_weight=float(data["threshold"]["weight"]),
            threshold_probability=float(data["threshold"]["probability"]),
            fitted_on=dict(data.get("fitted_on", {})),
            adjustments=dict(data.get("term_frequency_adjustments", {})),
            names=NameVocabulary.from_json(data["given_names"]) if "given_names" in data else None,
        )


@dataclass(frozen=True, slots=True)
class FeatureScore:
    """One line of an explanation: the feature, its level, the level's weight in bits, and
    the values compared (`left` from the first record, `right` from the second)."""

    feature: str
    level: str
    weight: float
    left: str
    right: str


@dataclass(frozen=True, slots=True)
class Score:
    """A scored pair: `weight` in bits (prior included), `probability` in [0, 1], `features`
    in the order of `compare.FEATURES`, `proposed` when the weight reaches the model's review
    threshold, and the `model` version that scored it."""

    weight: float
    probability: float
    features: list[FeatureScore]
    proposed: bool
    model: str


def probability(weight: float) -> float:
    """2^w / (1 + 2^w), without overflow for large |w|."""
    if weight >= 0:
        return 1 / (1 + 2.0**-weight)
    odds = 2.0**weight
    return odds / (1 + odds)


def score(a: PersonRecord, b: PersonRecord, model: MatchModel | None = None) -> Score | None:
    """The Fellegi–Sunter score of (a, b) under `model` (default: `load_model()`).

    Returns None when a and b belong to the same non-empty `group`: relatives of one household
    (or entries of one list family) are never offered as duplicates. Symmetric: score(a, b) and
    score(b, a) have the same weight and levels, with left and right swapped.
    """
    if a.group and a.group == b.group:
        return None
    model = model or load_model()
    return explain(compare(a, b, model.names), model)


def explain(comparisons: list[Comparison], model: MatchModel) -> Score:
    """The score of a pair's comparisons (from `compare.compare`) under `model`."""
    features = [
        FeatureScore(
            c.feature,
            c.level,
            model.weight(c.feature, c.level) + model.adjustment(c.feature, c.level, c.value),
            c.left,
            c.right,
        )
        for c in comparisons
    ]
    weight = model.prior_weight + sum(feature.weight for feature in features)
    return Score(
        weight=weight,
        probability=probability(weight),
        features=features,
        # On the weight, not the probability: probabilities round to 1.0 above ~53 bits.
        proposed=weight >= model.threshold_weight,
        model=model.version,
    )


def load_model(path: str | Path | None = None) -> MatchModel:
    """The model stored at `path` (default `MODEL_PATH`), read once per path and cached.
    FileNotFoundError, json.JSONDecodeError, KeyError or ValueError when it cannot be used."""
    return _load(str(Path(path) if path is not None else MODEL_PATH))


@lru_cache(maxsize=8)
def _load(path: str) -> MatchModel:
    with open(path, encoding="utf-8") as handle:
        return MatchModel.from_json(json.load(handle))
