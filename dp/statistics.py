"""DP statistics over a snapshot: counts, histograms, bounded sums, means and rates by public keys.

Every answer is a full grid of cells over **public** keys only: the thin-file flag
(``thin_file``: the bureau facts are missing), the coarse ``region`` (the declared list
``scoring.workflow.outcomes.REGIONS``), the ``score_band`` of the model in force (fixed public
bands, ``dp.score_bands``) and the contract's public bins of any feature. Every cell of
the grid is released, empty or not, so an answer never reveals which groups exist and no
DP threshold is needed. A subject falls in exactly one cell.

* ``count``: subjects per cell (sensitivity 1);
* ``histogram``: subjects per cell and public bin of ``feature`` (sensitivity 1);
* ``sum``: the sum per cell of ``feature`` clamped to public bounds (the contract's range,
  or a narrower ``clip`` given in the query) in fixed-point units (sensitivity: the
  largest bound);
* ``mean``: a sum and a count of the subjects holding the feature, half the loss each;
  their ratio is post-processing;
* ``default_rate``: a count of defaults and a count of subjects with an observed 12-month
  outcome, half the loss each (sensitivity 1 each); their ratio is post-processing;
* ``approval_rate``: a count of scorable subjects whose score reaches a public
  ``cut_off`` (default the decision policy's 550) and a count of scorable subjects, half
  the loss each (sensitivity 1 each); their ratio is post-processing. Not by
  ``score_band`` (the cut-off alone decides a band's rate).

A score-band histogram is a ``count`` grouped by ``score_band``. A query that scores
(``score_band`` or ``approval_rate``) carries the scorecard in force; its version is part
of the query's description, so of its fingerprint and its answer: another model is
another question.

Each cell carries a 95% interval from the mechanism (OpenDP's accuracy for the scale).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from consent import DataCategory
from scoring import NoActiveModel
from scoring.card import REQUIRED_CATEGORY, Scorecard
from scoring.contract import FEATURES, Feature
from scoring.workflow import DEFAULT_CUT_OFF, REGIONS

from .errors import InvalidQuery
from .loss import PrivacyLoss
from .mechanisms import LossRequest, VectorNoise, composed_cost, make_vector_noise
from .score_bands import SCORE, SCORE_BAND, band_codes, band_labels

Statistic = Literal["count", "histogram", "sum", "mean", "default_rate", "approval_rate"]
Columns = Mapping[str, npt.NDArray[np.float64]]
THIN_FILE = "thin_file"
#: The region group key, and the outcome column of ``default_rate`` (neither a feature).
REGION = "region"
DEFAULTED = "defaulted"
#: 95% intervals.
ALPHA = 0.05


def quantum(feature: Feature) -> float:
    """The fixed-point unit a feature is summed in (ratios in hundredths, else whole units).

    >>> quantum(FEATURES["debt_service_ratio"]), quantum(FEATURES["avg_eom_balance"])
    (0.01, 1.0)
    """
    return 0.01 if feature.unit == "ratio" else 1.0


def bin_labels(feature: Feature) -> list[str]:
    """Return the labels of a feature's public bins (``missing`` last when nullable).

    >>> bin_labels(FEATURES["history_months"])
    ['[1, 6)', '[6, 12)', '[12, 24)', '[24, 24]']
    """
    edges = [feature.lower, *feature.bins, feature.upper]
    labels = [f"[{a:g}, {b:g})" for a, b in pairwise(edges[:-1])]
    labels.append(f"[{edges[-2]:g}, {edges[-1]:g}]")
    return [*labels, "missing"] if feature.nullable else labels


def _axis(name: str) -> list[str]:
    if name == THIN_FILE:
        return ["false", "true"]
    if name == REGION:
        return list(REGIONS)
    if name == SCORE_BAND:
        return band_labels()
    if name not in FEATURES:
        raise InvalidQuery(
            f"unknown group key {name!r}: use thin_file, region, score_band or a feature name"
        )
    return bin_labels(FEATURES[name])


def needs_model(statistic: str, group_by: Sequence[str]) -> bool:
    """Whether a query scores its subjects (so needs the scorecard in force).

    >>> needs_model("count", ["score_band"]), needs_model("count", ["thin_file"])
    (True, False)
    """
    return statistic == "approval_rate" or SCORE_BAND in group_by


@dataclass(frozen=True)
class StatQuery:
    """A statistics query: what, over which public keys, for how much loss.

    ``card`` is the scorecard in force, needed (and only then described) when the query
    scores: grouped by ``score_band``, or an ``approval_rate`` at ``cut_off``.

    Raises:
        InvalidQuery: the query is not one Fairfile answers.
        scoring.errors.NoActiveModel: it needs a scorecard and none is given.
    """

    statistic: Statistic
    request: LossRequest
    feature: str | None = None
    group_by: tuple[str, ...] = ()
    clip: tuple[float, float] | None = None
    card: Scorecard | None = field(default=None, repr=False)
    cut_off: int | None = None

    def __post_init__(self) -> None:
        if self.statistic not in get_args(Statistic):
            raise InvalidQuery(f"unknown statistic {self.statistic!r}")
        needs_feature = self.statistic not in {"count", "default_rate", "approval_rate"}
        if needs_feature != (self.feature is not None):
            raise InvalidQuery(
                f"{self.statistic} {'needs' if needs_feature else 'takes no'} feature"
            )
        if self.feature is not None and self.feature not in FEATURES:
            raise InvalidQuery(f"unknown feature {self.feature!r}")
        if len(set(self.group_by)) != len(self.group_by) or len(self.group_by) > 2:
            raise InvalidQuery("group by at most two distinct keys")
        if self.feature is not None and self.feature in self.group_by:
            raise InvalidQuery("a feature cannot group itself")
        for key in self.group_by:
            _axis(key)
        if self.clip is not None:
            if self.statistic not in {"sum", "mean"}:
                raise InvalidQuery("clip applies to sum and mean only")
            low, high = self.clip
            spec = FEATURES[str(self.feature)]
            if not spec.lower <= low < high <= spec.upper:
                raise InvalidQuery(
                    f"clip must lie inside the feature's range [{spec.lower:g}, {spec.upper:g}]"
                )
        if self.cut_off is not None and self.statistic != "approval_rate":
            raise InvalidQuery("cut_off applies to approval_rate only")
        if self.statistic == "approval_rate" and SCORE_BAND in self.group_by:
            raise InvalidQuery(
                "an approval rate by score_band is fixed by the cut-off: ask for a count by "
                "score_band instead"
            )
        if self.needs_score() and self.card is None:
            raise NoActiveModel("score bands and approval rates need the scoring model in force")

    @property
    def threshold(self) -> int:
        """The public cut-off of an approval rate (the decision policy's by default)."""
        return DEFAULT_CUT_OFF if self.cut_off is None else self.cut_off

    def describe(self) -> dict[str, Any]:
        """The query as canonical plain data (stored, fingerprinted, shown).

        A query that scores names the model version (and an approval rate its cut-off):
        the same words over another model are another question.
        """
        described: dict[str, Any] = {
            "statistic": self.statistic,
            "feature": self.feature,
            "group_by": list(self.group_by),
            "clip": list(self.clip) if self.clip else None,
            self.request.measure: str(self.request.amount),
        }
        if self.card is not None and self.needs_score():
            described["model_version"] = self.card.version
        if self.statistic == "approval_rate":
            described["cut_off"] = self.threshold
        return described

    def categories(self) -> frozenset[DataCategory]:
        """The data categories a subject must have shared for this query.

        A query that scores needs ``bank_cashflow`` (the months of history every score
        needs); the other categories a subject shared are read too and used, and those
        they did not share score the neutral 0 (``dp.score_bands``).
        """
        names = [*self.group_by, *([self.feature] if self.feature else [])]
        cats = {
            DataCategory.BUREAU if n == THIN_FILE else FEATURES[n].category
            for n in names
            if n not in {REGION, SCORE_BAND}
        }
        if self.needs_score():
            cats.add(REQUIRED_CATEGORY)
        return frozenset(cats or {DataCategory.BANK_CASHFLOW})

    def needs_score(self) -> bool:
        """Whether each subject is scored with the card in force."""
        return needs_model(self.statistic, self.group_by)

    def needs_region(self) -> bool:
        """Whether the subjects' regions are read (grouped by region)."""
        return REGION in self.group_by

    def needs_outcome(self) -> bool:
        """Whether the subjects' observed outcomes are read (a default rate)."""
        return self.statistic == "default_rate"

    def axes(self) -> list[tuple[str, list[str]]]:
        """The public grid: each key with its labels (a histogram's feature last)."""
        keys = list(self.group_by)
        if self.statistic == "histogram":
            keys.append(str(self.feature))
        return [(k, _axis(k)) for k in keys]

    def bounds(self) -> tuple[float, float]:
        """The public clamping bounds of a sum or mean."""
        spec = FEATURES[str(self.feature)]
        return self.clip or (spec.lower, spec.upper)


@dataclass(frozen=True)
class StatPlan:
    """A query with its noise decided: what it will cost, before any data is touched."""

    query: StatQuery
    cells: int
    parts: dict[str, VectorNoise]
    cost: PrivacyLoss

    def mechanism(self) -> dict[str, Any]:
        """The mechanisms as plain data (for the record and the answer)."""
        return {
            name: {"name": p.mechanism, "scale": p.scale, "sensitivity": p.sensitivity}
            for name, p in self.parts.items()
        }


def plan(query: StatQuery) -> StatPlan:
    """Decide the noise of ``query`` and its exact cost."""
    cells = math.prod(len(labels) for _, labels in query.axes())
    if query.statistic in {"count", "histogram"}:
        parts = {"count": make_vector_noise(cells=cells, sensitivity=1, request=query.request)}
    elif query.statistic in {"default_rate", "approval_rate"}:
        share = query.request.split(2)
        parts = {
            _numerator(query): make_vector_noise(cells=cells, sensitivity=1, request=share),
            "count": make_vector_noise(cells=cells, sensitivity=1, request=share),
        }
    else:
        spec = FEATURES[str(query.feature)]
        low, high = query.bounds()
        step = quantum(spec)
        sensitivity = max(1, abs(round(low / step)), abs(round(high / step)))
        share = query.request if query.statistic == "sum" else query.request.split(2)
        parts = {"sum": make_vector_noise(cells=cells, sensitivity=sensitivity, request=share)}
        if query.statistic == "mean":
            parts["count"] = make_vector_noise(cells=cells, sensitivity=1, request=share)
    return StatPlan(query, cells, parts, composed_cost(list(parts.values())))


def _numerator(query: StatQuery) -> str:
    return "approvals" if query.statistic == "approval_rate" else "defaults"


def columns_of(facts: Sequence[Mapping[str, Any]]) -> dict[str, npt.NDArray[np.float64]]:
    """Turn subjects' facts into one float column per feature (NaN: missing)."""
    return {
        name: np.array(
            [math.nan if f.get(name) is None else float(f[name]) for f in facts], dtype=np.float64
        )
        for name in FEATURES
    }


def codes(key: str, columns: Columns) -> npt.NDArray[np.int64]:
    """Return each subject's public cell on one key (a flag, a region, a band or a bin)."""
    if key == THIN_FILE:
        return np.isnan(columns["bureau_open_tradelines"]).astype(np.int64)
    if key == REGION:
        return columns[REGION].astype(np.int64)
    if key == SCORE_BAND:
        return band_codes(columns[SCORE])
    spec = FEATURES[key]
    values = columns[key]
    codes = np.searchsorted(np.asarray(spec.bins), values, side="right").astype(np.int64)
    return np.where(np.isnan(values), len(spec.bins) + 1, codes)


def tabulate(query: StatQuery, columns: Columns) -> dict[str, list[int]]:
    """Return the exact vectors of ``query`` over the subjects in ``columns``."""
    n = len(next(iter(columns.values()))) if columns else 0
    cell = np.zeros(n, dtype=np.int64)
    for key, labels in query.axes():
        cell = cell * len(labels) + codes(key, columns)
    cells = math.prod(len(labels) for _, labels in query.axes())
    if query.statistic in {"count", "histogram"}:
        return {"count": np.bincount(cell, minlength=cells).tolist()}
    if query.statistic == "default_rate":
        defaulted = columns[DEFAULTED]
        known = ~np.isnan(defaulted)
        return {
            "defaults": np.bincount(cell[known], weights=defaulted[known], minlength=cells)
            .astype(np.int64)
            .tolist(),
            "count": np.bincount(cell[known], minlength=cells).tolist(),
        }
    if query.statistic == "approval_rate":
        score = columns[SCORE]
        scorable = ~np.isnan(score)
        approved = scorable & (np.nan_to_num(score, nan=-math.inf) >= query.threshold)
        return {
            "approvals": np.bincount(cell[approved], minlength=cells).tolist(),
            "count": np.bincount(cell[scorable], minlength=cells).tolist(),
        }
    spec = FEATURES[str(query.feature)]
    values = columns[spec.name]
    held = ~np.isnan(values)
    low, high = query.bounds()
    fixed = np.rint(np.clip(values[held], low, high) / quantum(spec)).astype(np.int64)
    exact = {"sum": np.bincount(cell[held], weights=fixed, minlength=cells).astype(np.int64)}
    exact["count"] = np.bincount(cell[held], minlength=cells)
    return {k: v.tolist() for k, v in exact.items()}
