"""Accuracy and calibration are measured on the points as deployed."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from dp.training import train
from scoring.card.batch import score_frame
from scoring.card.metrics import auc, default_probability, deployed_metrics
from scoring.card.scorecard import Scorecard
from scoring.contract import FEATURE_NAMES
from synthetic import generate


@pytest.fixture(scope="module")
def measured():
    population = generate(60_000, seed=31)
    frame = population.features.join(
        population.truth.select("subject_id", "defaulted"), on="subject_id"
    )
    columns = {
        c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in FEATURE_NAMES
    }
    outcomes = frame["defaulted"].to_numpy().astype(bool)
    fit = {k: v[:30_000] for k, v in columns.items()}
    held = {k: v[30_000:] for k, v in columns.items()}
    trained = train(fit, outcomes[:30_000], epsilon=None)
    card = Scorecard.from_model(version=1, points=trained.scorecard.as_dict())
    return card, held, outcomes[30_000:]


def test_metrics_rank_and_band_the_scores(measured):
    card, held, outcomes = measured
    metrics = deployed_metrics(card, held, outcomes)
    assert metrics["auc"] > 0.7
    bands = metrics["calibration"]["bands"]
    assert len(bands) == 10
    assert bands[0]["observed"] > bands[-1]["observed"]  # the lowest scores default most
    assert bands[0]["predicted"] > bands[-1]["predicted"]
    assert metrics["scored"] + metrics["not_scorable"] == outcomes.size


def test_calibration_is_near_zero_when_outcomes_follow_the_scores(measured):
    card, held, _outcomes = measured
    batch = score_frame(card, held)
    rng = np.random.default_rng(5)
    drawn = rng.random(batch.scores.size) < default_probability(batch.scores)
    calibration = deployed_metrics(card, held, drawn)["calibration"]
    assert calibration["largest_band_gap"] < 0.02
    assert abs(calibration["predicted_default_rate"] - calibration["observed_default_rate"]) < 0.005


def test_a_shifted_card_changes_calibration_never_ranking(measured):
    card, held, outcomes = measured
    plain = deployed_metrics(card, held, outcomes)
    shifted = deployed_metrics(dataclasses.replace(card, base=card.base + 60), held, outcomes)
    assert shifted["auc"] == plain["auc"]
    assert (
        shifted["calibration"]["observed_default_rate"]
        == (plain["calibration"]["observed_default_rate"])
    )
    ratio = (
        plain["calibration"]["predicted_default_rate"]
        / shifted["calibration"]["predicted_default_rate"]
    )
    assert ratio > 2  # 60 points claim 8 times better odds (less in rate where p is high)


def test_auc_counts_ties_as_halves():
    assert auc(np.array([1.0, 1.0]), np.array([False, True])) == 0.5
