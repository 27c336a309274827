"""The odds calibration of a trained card: the fit, its cost, and what it does to the score."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dp import calibration
from dp.training import train
from scoring.card.metrics import auc, deployed_metrics
from scoring.card.scorecard import Scorecard as DeployedCard
from scoring.contract import FEATURE_NAMES
from synthetic import generate


def _table(intercept: float, slope: float, people: int = 2_000) -> list[int]:
    """The exact band table of people whose true log-odds are ``intercept + slope * x``."""
    out = []
    for x in calibration.MIDPOINTS:
        rate = 1 / (1 + math.exp(-(intercept + slope * x)))
        n = people if -7 < x < 2 else 0
        out += [round(n * (1 - rate)), round(n * rate)]
    return out


@pytest.mark.parametrize(
    ("intercept", "slope"), [(0.0, 1.0), (-1.8, 0.33), (-0.5, 0.6), (0.3, 1.4)]
)
def test_the_fit_recovers_a_known_line(intercept, slope):
    fitted = calibration.fit(_table(intercept, slope))
    assert fitted.intercept == pytest.approx(intercept, abs=0.02)
    assert fitted.slope == pytest.approx(slope, abs=0.01)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-40, 40), min_size=calibration.cells(), max_size=calibration.cells()))
def test_the_fit_stays_defined_on_noise_alone(noisy):
    # A tiny training set under heavy noise: the fit still gives a usable, bounded line.
    fitted = calibration.fit(noisy)
    assert math.isfinite(fitted.intercept)
    assert calibration.SLOPE_BOUNDS[0] <= fitted.slope <= calibration.SLOPE_BOUNDS[1]


def test_every_person_lands_in_exactly_one_cell():
    raw = np.array([-100.0, -8.0, -7.99, 0.0, 2.99, 3.0, 100.0])
    outcomes = np.array([True, False, True, False, True, False, True])
    table = calibration.table(raw, outcomes)
    assert len(table) == calibration.cells()
    assert sum(table) == len(raw)
    assert table[1] == 1  # below the first edge, a default
    assert table[-2:] == [1, 1]  # at or above the last edge: one repaid, one default


def _frame(n: int, seed: int):
    population = generate(n, seed=seed)
    frame = population.features.join(
        population.truth.select("subject_id", "defaulted"), on="subject_id"
    )
    columns = {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in FEATURE_NAMES
    }
    return columns, frame["defaulted"].to_numpy()


@pytest.fixture(scope="module")
def trained_and_holdout():
    columns, outcomes = _frame(20_000, seed=5)
    return train(columns, outcomes, epsilon=1.0), _frame(30_000, seed=77)


def test_the_deployed_points_stand_for_the_observed_default_rate(trained_and_holdout):
    trained, (columns, outcomes) = trained_and_holdout
    card = DeployedCard.from_model(version=0, points=trained.scorecard.as_dict())
    measured = deployed_metrics(card, columns, outcomes)["calibration"]
    assert measured["predicted_default_rate"] == pytest.approx(
        measured["observed_default_rate"], abs=0.015
    )
    assert measured["largest_band_gap"] < 0.08


def test_without_calibration_the_card_overstates_risk(trained_and_holdout):
    # Undo the fit: the naive-Bayes card counts correlated evidence several times over,
    # so its odds are too extreme, which the calibration corrects (the slope is well below one).
    trained, (columns, outcomes) = trained_and_holdout
    fit = trained.mechanism["calibration_fit"]
    assert fit["slope"] < 0.6
    points = trained.scorecard.as_dict()
    raw = {
        "intercept": (points["intercept"] - fit["intercept"]) / fit["slope"],
        "features": {
            name: {label: w / fit["slope"] for label, w in table.items()}
            for name, table in points["features"].items()
        },
    }
    uncalibrated = DeployedCard.from_model(version=0, points=raw)
    calibrated = DeployedCard.from_model(version=0, points=points)
    before = deployed_metrics(uncalibrated, columns, outcomes)
    after = deployed_metrics(calibrated, columns, outcomes)
    # Too extreme: its riskiest tenth is predicted far riskier than observed.
    riskiest = before["calibration"]["bands"][0]
    assert riskiest["predicted"] > 1.5 * riskiest["observed"]
    assert after["calibration"]["largest_band_gap"] < before["calibration"]["largest_band_gap"]
    # A positive slope keeps the order: the AUC moves only by the rounding of points.
    assert after["auc"] == pytest.approx(before["auc"], abs=0.005)


def test_calibration_never_changes_the_ranking_of_the_log_odds(trained_and_holdout):
    trained, (columns, outcomes) = trained_and_holdout
    fit = calibration.Calibration(**trained.mechanism["calibration_fit"])
    calibrated = trained.scorecard.score(columns)
    raw = (calibrated - fit.intercept) / fit.slope
    assert auc(calibrated, outcomes) == pytest.approx(auc(raw, outcomes), abs=1e-12)
