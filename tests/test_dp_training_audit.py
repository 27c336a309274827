"""An empirical privacy audit of the training pipeline's release (the slower job).

The training run releases every (public bin x outcome) count table at once. Two
neighbouring training sets differ in one person, who moves exactly one cell of each of the
14 feature tables. The audit releases those cells many times with the pipeline's own noise
scale (``dp.training.training_noise``), tests ``sum of the 14 cells >= t`` with ``t`` chosen
on a held-out half, and turns the two rates into a Clopper-Pearson lower bound on epsilon.
It must stay below the claimed epsilon; the same audit of the bug it guards against (noise
calibrated to one cell's sensitivity instead of 14) must exceed the claim.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from dp import LossRequest, make_vector_noise
from dp.mechanisms import _measurement
from dp.training import tables, training_noise
from scoring.contract import FEATURE_NAMES
from synthetic import generate
from tests.test_dp_audit import _epsilon_lower_bound

CLAIMED = 1.0
RUNS = 20_000


@pytest.fixture(scope="module")
def neighbours():
    population = generate(501, seed=3)
    frame = population.features
    columns = {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in FEATURE_NAMES
    }
    outcomes = population.truth["defaulted"].to_numpy()
    without = tables({k: v[:500] for k, v in columns.items()}, outcomes[:500])
    with_one = tables(columns, outcomes)
    moved = [i for i, (a, b) in enumerate(zip(without, with_one, strict=True)) if a != b]
    assert len(moved) == len(FEATURE_NAMES)  # one cell per feature table
    return np.asarray(without)[moved], np.asarray(with_one)[moved]


def _sums(cells: np.ndarray, scale: float) -> np.ndarray:
    release = _measurement("discrete_laplace", cells.size * RUNS, scale)
    noisy = np.asarray(release(np.tile(cells, RUNS).tolist()))
    return noisy.reshape(RUNS, cells.size).sum(axis=1)


def _audit(neighbours, scale: float) -> float:
    without, with_one = neighbours
    out, into = _sums(without, scale), _sums(with_one, scale)
    half = RUNS // 2
    base = int(without.sum())
    candidates = range(base - 20, base + 60, 2)
    chosen = max(candidates, key=lambda t: _epsilon_lower_bound(into[:half], out[:half], t))
    return _epsilon_lower_bound(into[half:], out[half:], chosen)


@pytest.mark.slow
def test_the_training_release_keeps_its_epsilon_and_the_audit_can_fail(neighbours):
    noise = training_noise(CLAIMED)
    assert noise.epsilon == CLAIMED
    assert noise.sensitivity == len(FEATURE_NAMES)
    correct = _audit(neighbours, noise.scale)
    careless = make_vector_noise(
        cells=noise.cells, sensitivity=1, request=LossRequest.parse(epsilon=str(CLAIMED))
    )
    broken = _audit(neighbours, careless.scale)
    assert correct <= CLAIMED, f"empirical epsilon {correct:.3f} exceeds the claim"
    assert broken > CLAIMED, f"the audit missed a mis-calibrated mechanism ({broken:.3f})"
