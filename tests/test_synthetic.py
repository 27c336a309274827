"""The generator: determinism, ranges, truth, the two levels agreeing, files on disk."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring import BUREAU_FEATURES, FEATURE_NAMES, ContractViolation, Offence, check_facts_frame
from synthetic import PROFILES, auc, expected_auc, generate, read_features, write_population
from synthetic.population import CHUNK

N = 4_000


@pytest.fixture(scope="module")
def population():
    return generate(N, seed=42)


@pytest.fixture(scope="module")
def large():
    return generate(30_000, seed=7)


def test_the_same_seed_gives_the_same_population(population):
    again = generate(N, seed=42)
    for name in ("features", "subjects", "truth", "protected"):
        assert_frame_equal(getattr(population, name), getattr(again, name))
    assert again.summary == population.summary


def test_another_seed_gives_another_population(population):
    other = generate(N, seed=43)
    assert not population.features.equals(other.features)


def test_chunks_are_drawn_independently_of_the_population_size():
    small = generate(CHUNK + 10, seed=3)
    smaller = generate(CHUNK, seed=3)
    assert_frame_equal(small.features.head(CHUNK), smaller.features)


def test_the_model_inputs_are_exactly_the_contract(population):
    assert population.features.columns == ["subject_id", *FEATURE_NAMES]


def test_every_fact_is_in_its_contract_range(population):
    check_facts_frame(population.features)  # raises on any range, type or null breach


def test_the_protected_attribute_is_kept_apart(population):
    assert population.protected.columns == ["subject_id", "protected_group"]
    for frame in (population.features, population.subjects, population.truth):
        assert "protected_group" not in frame.columns


def test_bureau_facts_are_missing_exactly_for_thin_file_subjects(population):
    joined = population.features.join(population.subjects, on="subject_id")
    for name in BUREAU_FEATURES:
        assert (joined[name].is_null() == joined["thin_file"]).all(), name


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profiles_reach_their_thin_file_share(name):
    share = generate(20_000, seed=1, profile_name=name).summary["thin_file_share"]
    assert share == pytest.approx(PROFILES[name].thin_share, abs=0.015)


def test_the_default_profile_defaults_at_about_six_percent(large):
    assert large.summary["default_rate"] == pytest.approx(0.06, abs=0.008)


def test_the_protected_attribute_correlates_with_facts_as_in_real_life(large):
    joined = large.features.join(large.protected, on="subject_id").join(
        large.subjects, on="subject_id"
    )
    by_group = joined.group_by("protected_group").agg(
        pl.col("avg_eom_balance").median(), pl.col("thin_file").mean()
    )
    rows = {r["protected_group"]: r for r in by_group.iter_rows(named=True)}
    assert rows["group_b"]["avg_eom_balance"] < rows["group_a"]["avg_eom_balance"]
    assert rows["group_b"]["thin_file"] > rows["group_a"]["thin_file"]


def _monte_carlo_auc(score, probability, draws=40, seed=0):
    rng = np.random.default_rng(seed)
    return float(np.mean([auc(score, rng.random(score.size) < probability) for _ in range(draws)]))


def test_the_reported_bayes_auc_matches_a_monte_carlo_estimate(large):
    score = large.truth["log_odds_from_facts"].to_numpy()
    probability = large.truth["default_probability"].to_numpy()
    estimate = _monte_carlo_auc(score, probability)
    assert large.summary["bayes_auc"] == pytest.approx(estimate, abs=0.004)
    one_draw = auc(score, large.truth["defaulted"].to_numpy())
    assert large.summary["bayes_auc"] == pytest.approx(one_draw, abs=0.02)
    assert large.summary["oracle_auc"] == pytest.approx(
        _monte_carlo_auc(probability, probability), abs=0.004
    )


def test_the_monte_carlo_comparison_would_catch_a_wrong_figure(large):
    score = large.truth["log_odds_from_facts"].to_numpy()
    probability = large.truth["default_probability"].to_numpy()
    estimate = _monte_carlo_auc(score, probability)
    assert abs(large.summary["oracle_auc"] - estimate) > 0.02  # the wrong score's figure
    shuffled = np.random.default_rng(1).permutation(probability)
    assert abs(expected_auc(score, shuffled) - estimate) > 0.1  # probabilities misaligned


def test_expected_auc_equals_the_auc_when_outcomes_are_certain():
    rng = np.random.default_rng(2)
    score = rng.integers(0, 5, 300).astype(np.float64)  # many ties
    outcome = rng.random(300) < 0.3
    assert expected_auc(score, outcome.astype(np.float64)) == pytest.approx(auc(score, outcome))


def test_facts_carry_the_truth(large):
    assert 0.72 < large.summary["bayes_auc"] < large.summary["oracle_auc"] < 0.9
    deciles = (
        large.truth.with_columns(decile=pl.col("log_odds_from_facts").qcut(5, labels=list("abcde")))
        .group_by("decile")
        .agg(pl.col("defaulted").mean())
        .sort("decile")
    )
    rates = deciles["defaulted"].to_list()
    assert rates == sorted(rates)
    assert rates[-1] > 5 * rates[0]


def test_statement_level_facts_agree_with_the_feature_level_draw():
    statements = generate(3_000, seed=9, level="statements")
    features = generate(3_000, seed=9)
    assert statements.transactions is not None
    assert statements.transactions.height > 3_000 * 12
    # Subject by subject: counts exactly, money to the cent.
    assert_frame_equal(statements.features, features.features, check_exact=False, abs_tol=1e-6)
    assert_frame_equal(statements.truth, features.truth)
    # And so in distribution, and in how well the facts predict the outcomes.
    for name in FEATURE_NAMES:
        a, b = statements.features[name], features.features[name]
        assert a.null_count() == b.null_count()
        assert a.mean() == pytest.approx(b.mean())
        assert a.quantile(0.9) == pytest.approx(b.quantile(0.9))
    assert statements.summary["bayes_auc"] == pytest.approx(features.summary["bayes_auc"])


def test_statements_contain_only_the_format_columns():
    population = generate(50, seed=1, level="statements")
    assert population.transactions is not None
    assert population.transactions.columns == [
        "subject_id",
        "booking_date",
        "amount_cents",
        "direction",
        "counterparty_kind",
    ]
    assert (population.transactions["amount_cents"] > 0).all()


def test_population_files_round_trip_and_refuse_prohibited_columns(population, tmp_path):
    written = write_population(population, tmp_path / "pop")
    assert (tmp_path / "pop" / "audit" / "protected.parquet") in written
    assert_frame_equal(read_features(tmp_path / "pop"), population.features)
    leaky = population.features.with_columns(postcode=pl.lit("10001"), ethnicity=pl.lit("x"))
    leaky.write_parquet(tmp_path / "pop" / "features.parquet")
    with pytest.raises(ContractViolation) as caught:
        read_features(tmp_path / "pop")
    assert {(p.field, p.offence, p.category) for p in caught.value.problems} == {
        ("postcode", Offence.PROHIBITED, "location"),
        ("ethnicity", Offence.PROHIBITED, "protected"),
    }


def test_a_dataset_with_out_of_range_or_unknown_columns_is_refused(population):
    broken = population.features.with_columns(
        pl.col("history_months") + 30, shoe_size=pl.lit(9)
    ).drop("savings_balance")
    with pytest.raises(ContractViolation) as caught:
        check_facts_frame(broken)
    assert {(p.field, p.offence) for p in caught.value.problems} == {
        ("shoe_size", Offence.UNKNOWN),
        ("savings_balance", Offence.MISSING),
    }
    with pytest.raises(ContractViolation) as caught:
        check_facts_frame(population.features.with_columns(pl.col("history_months") + 30))
    assert [(p.field, p.offence) for p in caught.value.problems] == [
        ("history_months", Offence.OUT_OF_RANGE)
    ]


def test_rewriting_a_folder_at_the_feature_level_drops_old_statements(tmp_path):
    write_population(generate(10, seed=1, level="statements"), tmp_path)
    assert (tmp_path / "statements" / "transactions.parquet").exists()
    write_population(generate(10, seed=1), tmp_path)
    assert not (tmp_path / "statements" / "transactions.parquet").exists()
