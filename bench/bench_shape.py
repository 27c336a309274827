"""Cards that make sense: direction and sharing-policy violations, and AUC, with and without.

One run, side by side: at 1,000 / 5,000 / 20,000 training people and epsilon 0.5 / 1 / 2,
the DP card from the raw noisy weights of evidence (``train(..., shaped=False)``) and the
shaped one (``dp.shaping``: support merges, pooled adjacent violators, the neutral moved
for the sharing policy). Per cell, over ``REPEATS`` runs: the mean number of features
(of 14) whose integer points run against their declared direction, the mean number whose
favourable part scores below the neutral 0, and the mean deployed-points AUC on a 50,000
person synthetic holdout. Beside them, the non-private card from exact tables (raw and
shaped). Then the model form: the exact weight-of-evidence card against a logistic
regression on the same public bins (one-hot) and on the card's own weights (one
coefficient per feature), scikit-learn, on 20,000 training people.
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from bench.report import Row
from dp.statistics import codes
from dp.training import Trained, train
from scoring.card import Scorecard, auc, deployed_metrics
from scoring.card.shape import DIRECTION, SHARING, check
from scoring.contract import FEATURE_NAMES
from synthetic import generate

SIZES = (1_000, 5_000, 20_000)
EPSILONS = (0.5, 1.0, 2.0)
HOLDOUT = 50_000
REPEATS = 5


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in FEATURE_NAMES}


def _measure(
    trained: Trained, held: dict[str, np.ndarray], bad: np.ndarray
) -> tuple[int, int, float]:
    card = Scorecard.from_model(version=0, points=trained.scorecard.as_dict())
    found = check(card)
    direction = len({v.feature for v in found if v.kind == DIRECTION})
    sharing = len({v.feature for v in found if v.kind == SHARING})
    return direction, sharing, float(deployed_metrics(card, held, bad)["auc"])


def _cell(runs: list[tuple[int, int, float]]) -> tuple[float, float, float]:
    a = np.asarray(runs, dtype=np.float64)
    return float(a[:, 0].mean()), float(a[:, 1].mean()), float(a[:, 2].mean())


def _shape_rows(columns: dict[str, np.ndarray], outcomes: np.ndarray) -> list[Row]:
    held = {k: v[-HOLDOUT:] for k, v in columns.items()}
    bad = outcomes[-HOLDOUT:]
    rows: list[Row] = []
    for n in SIZES:
        fit = {k: v[:n] for k, v in columns.items()}
        y = outcomes[:n]
        exact_raw = _measure(train(fit, y, epsilon=None, shaped=False), held, bad)
        exact_shaped = _measure(train(fit, y, epsilon=None), held, bad)
        rows.append(
            Row(
                f"{n:,} people, exact tables: violations (direction, sharing) and AUC",
                f"shaped {exact_shaped[0]}, {exact_shaped[1]}, AUC {exact_shaped[2]:.4f}",
                compare=f"raw {exact_raw[0]}, {exact_raw[1]}, AUC {exact_raw[2]:.4f}",
            )
        )
        for eps in EPSILONS:
            raw = _cell(
                [
                    _measure(train(fit, y, epsilon=eps, shaped=False), held, bad)
                    for _ in range(REPEATS)
                ]
            )
            shaped = _cell(
                [_measure(train(fit, y, epsilon=eps), held, bad) for _ in range(REPEATS)]
            )
            rows.append(
                Row(
                    f"{n:,} people, epsilon {eps:g}: features violating (direction, sharing), "
                    f"holdout AUC, mean of {REPEATS}",
                    f"shaped {shaped[0]:.1f}, {shaped[1]:.1f}, AUC {shaped[2]:.4f}",
                    "0, 0",
                    shaped[0] == 0 and shaped[1] == 0,
                    f"raw {raw[0]:.1f}, {raw[1]:.1f}, AUC {raw[2]:.4f}",
                )
            )
            if n == 1_000 and eps == 1.0:
                goal = Row(
                    "1,000 people, epsilon 1: shaped DP AUC below the exact unconstrained card's",
                    f"{exact_raw[2] - shaped[2]:.4f}",
                    "<= 0.01",
                    exact_raw[2] - shaped[2] <= 0.01,
                    f"raw DP card {exact_raw[2] - raw[2]:.4f} below",
                )
    return [*rows, goal]


def _form_rows(columns: dict[str, np.ndarray], outcomes: np.ndarray) -> list[Row]:
    from sklearn.linear_model import LogisticRegression

    n = 20_000
    fit = {k: v[:n] for k, v in columns.items()}
    held = {k: v[-HOLDOUT:] for k, v in columns.items()}
    y, bad = outcomes[:n], outcomes[-HOLDOUT:]
    card = train(fit, y, epsilon=None, shaped=False).scorecard
    woe_auc = auc(card.score(held), bad)

    def one_hot(cols: dict[str, np.ndarray]) -> np.ndarray:
        parts = []
        for name in FEATURE_NAMES:
            c = codes(name, cols)
            parts.extend(
                (c == k).astype(np.float64) for k in range(1, int(codes(name, fit).max()) + 1)
            )
        return np.column_stack(parts)

    def woe_x(cols: dict[str, np.ndarray]) -> np.ndarray:
        return np.column_stack([np.asarray(card.points[n])[codes(n, cols)] for n in FEATURE_NAMES])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr_bins = LogisticRegression(C=1e6, max_iter=5_000).fit(one_hot(fit), y)
        lr_woe = LogisticRegression(C=1e6, max_iter=5_000).fit(woe_x(fit), y)
    bins_auc = auc(lr_bins.decision_function(one_hot(held)), bad)
    woe_lr_auc = auc(lr_woe.decision_function(woe_x(held)), bad)
    negative = int((lr_woe.coef_[0] < 0).sum())
    return [
        Row(
            "model form, exact, 20,000 people: WoE card AUC",
            f"{woe_auc:.4f}",
            compare=f"logistic regression on one-hot bins {bins_auc:.4f}; on the card's WoE "
            f"(a coefficient per feature) {woe_lr_auc:.4f}, {negative} coefficient(s) negative",
        )
    ]


def run() -> list[Row]:
    population = generate(max(SIZES) + HOLDOUT, seed=2027)
    columns = _columns(population.features)
    outcomes = population.truth["defaulted"].to_numpy()
    return [*_shape_rows(columns, outcomes), *_form_rows(columns, outcomes)]
