"""Differential privacy: DP-trained AUC by epsilon and size, training and statistic speed.

AUC: a WoE scorecard from DP count tables (``dp.training``), mean of 3 runs per cell, on
a 100,000-subject holdout, beside the same model from exact tables (epsilon = inf) and the
generator's Bayes AUC. Speed: wall-clock, imports and data generation excluded; the
statistic is a count by thin-file flag x history bins (8 cells) over 1,000,000 subjects
from in-memory columns (plan, tabulate, noise, intervals), beside OpenDP's default Polars
path on the same query (Context, scale search, release, collect). diffprivlib is not
compared here (it needs scikit-learn < 1.6 in its own environment).
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from bench.report import Row
from dp import LossRequest
from dp._opendp import prelude
from dp.answers import release
from dp.statistics import StatQuery, codes, plan, tabulate
from dp.training import train
from synthetic import auc, expected_auc, generate

EPSILONS = (0.25, 0.5, 1.0, 2.0, 4.0)
SIZES = (5_000, 20_000, 100_000)
HOLDOUT = 100_000
REPEATS = 3


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    frame = frame.drop("subject_id")
    return {c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in frame.columns}


def _auc_rows() -> list[Row]:
    population = generate(max(SIZES) + HOLDOUT, seed=2026)
    columns = _columns(population.features)
    outcomes = population.truth["defaulted"].to_numpy()
    held = {k: v[-HOLDOUT:] for k, v in columns.items()}
    held_y = outcomes[-HOLDOUT:]
    truth = population.truth[-HOLDOUT:]
    bayes = expected_auc(
        truth["log_odds_from_facts"].to_numpy(), truth["default_probability"].to_numpy()
    )
    rows = []
    for n in SIZES:
        fit = {k: v[:n] for k, v in columns.items()}
        exact = auc(train(fit, outcomes[:n], epsilon=None).scorecard.score(held), held_y)
        cells = [f"inf {exact:.4f}"]
        for eps in EPSILONS:
            runs = [
                auc(train(fit, outcomes[:n], epsilon=eps).scorecard.score(held), held_y)
                for _ in range(REPEATS)
            ]
            cells.append(f"{eps:g} {np.mean(runs):.4f}")
            if n == 5_000 and eps == 1.0:
                at_target = float(np.mean(runs))
        rows.append(
            Row(
                f"holdout AUC, {n:,} training subjects (epsilon AUC)",
                "; ".join(cells),
                compare=f"Bayes AUC {bayes:.4f}",
            )
        )
        if n == 5_000:
            rows.append(
                Row(
                    "AUC at 5,000 subjects, epsilon 1, over the exact-table model",
                    f"{at_target / exact:.3f}",
                    target=">= 0.97",
                    met=at_target / exact >= 0.97,
                )
            )
    return rows


def _speed_rows() -> list[Row]:
    population = generate(1_000_000, seed=7)
    columns = _columns(population.features)
    outcomes = population.truth["defaulted"].to_numpy()
    prelude()  # the import is not part of either figure
    started = time.perf_counter()
    train(columns, outcomes, epsilon=1.0)
    training = time.perf_counter() - started

    query = StatQuery(
        statistic="count",
        request=LossRequest.parse(epsilon=1),
        group_by=("thin_file", "history_months"),
    )
    started = time.perf_counter()
    answer = release(plan(query), tabulate(query, columns))
    fast = time.perf_counter() - started

    dp = prelude()
    cell = codes("thin_file", columns) * 4 + codes("history_months", columns)
    frame = pl.LazyFrame({"cell": cell})
    started = time.perf_counter()
    context = dp.Context.compositor(
        data=frame,
        privacy_unit=dp.unit_of(contributions=1),
        privacy_loss=dp.loss_of(epsilon=1.0),
        split_evenly_over=1,
        margins=[dp.polars.Margin(by=["cell"], invariant="keys")],
    )
    keys = pl.LazyFrame({"cell": pl.Series(range(8), dtype=pl.Int64)})
    default = context.query().group_by("cell").agg(dp.len(signed=True)).with_keys(keys)
    default.release().collect()
    slow = time.perf_counter() - started
    assert len(answer.cells) == 8
    return [
        Row(
            "training on 1,000,000 subjects (epsilon 1)",
            f"{training:.2f} s",
            "<= 5 s",
            training <= 5,
        ),
        Row(
            "one DP count (8 cells) over 1,000,000 subjects, end to end",
            f"{fast:.3f} s",
            "<= 0.5 s",
            fast <= 0.5,
            f"OpenDP default Polars path {slow:.2f} s",
        ),
    ]


def run() -> list[Row]:
    return [*_auc_rows(), *_speed_rows()]
