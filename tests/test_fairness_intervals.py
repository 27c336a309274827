"""The own-data fairness report states its uncertainty: every rate carries a DP interval
that, over repeated releases, holds for all rates at once at least 95% of the time; a group
too small for the noise is flagged, never shown as a confident figure."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from dp.own_data.fairness import TOO_WIDE, fairness_report
from dp.own_data.training import plan
from scoring.own_data.history_file import check_file
from scoring.own_data.mapping import parse_mapping
from synthetic.credit_file import MAPPING, generate_credit_file


@pytest.fixture(scope="module")
def world():
    mapping = parse_mapping(MAPPING)
    frame = generate_credit_file(2_000, seed=13).with_columns(pl.all().cast(pl.String))
    labelled = check_file(frame, mapping)
    approved = np.random.default_rng(5).random(labelled.rows) < 0.7
    return mapping, labelled, approved


def _exact(labelled, approved, column, group: int) -> dict[str, float]:
    inside = labelled.audit[column] == group
    repaid, bad = inside & ~labelled.defaulted, inside & labelled.defaulted
    return {
        "approval_rate": approved[inside].mean(),
        "tpr": approved[repaid].mean(),
        "fpr": approved[bad].mean(),
        "default_rate_of_approved": labelled.defaulted[inside & approved].mean(),
    }


def test_the_dp_intervals_hold_together_over_repeated_releases(world):
    mapping, labelled, approved = world
    noise = plan(mapping, epsilon=1.0, audit_epsilon=1.0).audit
    truth = {
        (column.name, label): _exact(labelled, approved, column.name, i)
        for column in mapping.audit
        for i, label in enumerate(column.labels())
    }
    runs, all_held = 200, 0
    for _ in range(runs):
        report = fairness_report(
            mapping.audit, labelled.audit, labelled.defaulted, approved, noise, cut_off=500
        )
        held = True
        for name, shown in report["columns"].items():
            for row in shown["groups"]:
                for figure, exact in truth[(name, row["group"])].items():
                    low, high = row["intervals"][figure]["dp_interval"]
                    held &= bool(low - 1e-9 <= exact <= high + 1e-9)
        all_held += held
    # Every interval of a release at once, in at least 95% of releases (the joint bound);
    # 200 runs leave slack for chance: 0.92 is more than three standard errors below 0.95.
    assert all_held / runs >= 0.92


def test_a_group_too_small_for_the_noise_is_flagged(world):
    mapping, labelled, approved = world
    noise = plan(mapping, epsilon=0.5, audit_epsilon=0.5).audit
    report = fairness_report(
        mapping.audit, labelled.audit, labelled.defaulted, approved, noise, cut_off=500
    )
    foreign = {r["group"]: r for r in report["columns"]["foreign_worker"]["groups"]}
    small, large = foreign["yes"], foreign["no"]  # about 8% of 2,000 rows are foreign workers
    assert small["intervals"]["tpr"]["too_small"]
    width = np.subtract(*reversed(small["intervals"]["tpr"]["dp_interval"]))
    assert width > TOO_WIDE
    assert not large["intervals"]["approval_rate"]["too_small"]
    comparison = report["columns"]["foreign_worker"]["comparisons"]
    low, high = comparison["approval_rate_ratio"]["dp_interval"]
    assert low <= comparison["approval_rate_ratio"]["value"] <= high


class _Boastful:
    """The same noise, claiming a tenth of its real spread: its intervals must fail."""

    def __init__(self, noise):
        self.noise, self.epsilon, self.mechanism = noise, noise.epsilon, noise.mechanism

    def release(self, exact):
        return self.noise.release(exact)

    def accuracy(self, alpha=0.05):
        return self.noise.accuracy(alpha) / 10


def test_intervals_narrower_than_the_noise_are_caught(world):
    mapping, labelled, approved = world
    noise = _Boastful(plan(mapping, epsilon=1.0, audit_epsilon=1.0).audit)
    missed = 0
    for _ in range(50):
        report = fairness_report(
            mapping.audit, labelled.audit, labelled.defaulted, approved, noise, cut_off=500
        )
        for column in mapping.audit:
            shown = {r["group"]: r for r in report["columns"][column.name]["groups"]}
            for i, label in enumerate(column.labels()):
                exact = _exact(labelled, approved, column.name, i)["tpr"]
                low, high = shown[label]["intervals"]["tpr"]["dp_interval"]
                missed += not low <= exact <= high
    assert missed > 10
