"""Cards that make sense: monotone in the contract's directions, sharing good data never hurts.

The first round's sandbox card ran against its own contract in 11 of 14 features, and its
explanations told people that a perfect rent record cost them points. These tests are the
ones that would have caught it: every card training can produce (several sizes and
epsilons, built-in and own data in ``test_own_data``) passes ``scoring.card.shape.check``; a
card that breaks it is refused at activation, naming the feature and bins; improving a
fact never lowers a score; over 10,000 synthetic people no reason names a best-bin fact
and no one gains by keeping a good record back.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent import DataCategory
from dp.errors import CardRefused
from dp.training import Trained, train
from dp.versions import activate, refuse_nonsense
from scoring.card.batch import score_frame
from scoring.card.reasons import principal_reasons
from scoring.card.recourse import find_recourse
from scoring.card.scorecard import Scorecard, Status, labels_of, score
from scoring.card.shape import check, favourable_bins
from scoring.contract import CONTRACT, FEATURE_NAMES, FEATURES, Direction
from synthetic import generate
from tests.decision_fixtures import store_version, woe_points

ALL = frozenset(DataCategory)
OPTIONAL = sorted(set(DataCategory) - {DataCategory.BANK_CASHFLOW})


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].cast(pl.Float64).fill_null(float("nan")).to_numpy() for c in FEATURE_NAMES}


@pytest.fixture(scope="module")
def population():
    people = generate(20_000, seed=515)
    return _columns(people.features), people.truth["defaulted"].to_numpy()


def _deployed(trained: Trained) -> Scorecard:
    return Scorecard.from_model(version=1, points=trained.scorecard.as_dict())


@pytest.fixture(scope="module")
def sandbox_card(population):
    """A card trained as ``make run``'s first one is: epsilon 1 on a few thousand people."""
    columns, outcomes = population
    fit = {k: v[:3_000] for k, v in columns.items()}
    return _deployed(train(fit, outcomes[:3_000], epsilon=1.0))


@pytest.mark.parametrize("size", [300, 1_000, 5_000, 20_000])
@pytest.mark.parametrize("epsilon", [0.5, 1.0, 2.0, None])
def test_every_trained_card_keeps_its_directions_and_the_sharing_policy(population, size, epsilon):
    columns, outcomes = population
    fit = {k: v[:size] for k, v in columns.items()}
    for _ in range(2 if epsilon is not None else 1):
        card = _deployed(train(fit, outcomes[:size], epsilon=epsilon))
        assert check(card) == []


def test_a_card_says_which_features_it_cannot_tell_apart(population):
    # 20,000 exact people tell every feature's bins apart; 60 people cannot (two groups of
    # at least 70 noisy people at epsilon 1), and the card says so instead of pretending to
    # learn. Noise can still lift a feature's noisy total past two groups, so "most".
    columns, outcomes = population
    assert train(columns, outcomes, epsilon=None).scorecard.flat() == []
    few = {k: v[:60] for k, v in columns.items()}
    said: list[str] = []
    trained = train(few, outcomes[:60], epsilon=1.0, progress=said.append)
    flat = trained.scorecard.flat()
    assert len(flat) > len(FEATURE_NAMES) // 2
    assert any(line.startswith(f"{len(flat)} of {len(FEATURE_NAMES)}") for line in said)


def test_the_raw_noisy_weights_would_have_failed(population):
    # The attacker here is the noise: unshaped weights at the sandbox's size and epsilon
    # run backwards somewhere, which is what these checks exist to catch.
    columns, outcomes = population
    fit = {k: v[:1_000] for k, v in columns.items()}
    found = [
        check(_deployed(train(fit, outcomes[:1_000], epsilon=1.0, shaped=False))) for _ in range(3)
    ]
    assert any(found)


def _backwards_rent() -> dict:
    points = woe_points()
    rent = points["features"]["rent_on_time_12m"]
    rent["[12, 12]"] = 0.6  # a perfect rent record scored as the riskiest
    return points


def test_activation_refuses_a_card_that_runs_backwards_naming_feature_and_bins(session):
    points = _backwards_rent()
    with pytest.raises(CardRefused) as refused:
        refuse_nonsense(9, points)
    message = str(refused.value)
    assert "rent_on_time_12m" in message
    assert "[12, 12]" in message
    assert "[10, 12)" in message
    assert "favourable part" in message  # and it is below the neutral of not sharing
    stored = store_version(session, points)
    assert not stored.active  # stored for inspection, never activated
    assert any("rent_on_time_12m" in v for v in stored.card["activation_refused"])
    with pytest.raises(CardRefused):
        activate(session, version=stored.version)
    assert not stored.active


def test_recourse_never_moves_a_feature_whose_card_fails_its_checks():
    card = Scorecard.from_model(version=2, points=_backwards_rent())
    facts = {
        f.name: (f.upper if f.direction is Direction.RAISES_RISK else f.lower) for f in CONTRACT
    }
    facts["history_months"] = 24
    facts["rent_on_time_12m"] = 10  # [10, 12): the backwards card would send it down to 0
    scored = score(card, facts, allowed=ALL)
    recourse = find_recourse(card, scored, cut_off=scored.score + 5)
    assert all(c.feature != "rent_on_time_12m" for c in recourse.changes)


def _improve(feature, value: float, step: float) -> float:
    up = feature.direction is Direction.LOWERS_RISK
    moved = value + step if up else value - step
    return float(min(max(moved, feature.lower), feature.upper))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_improving_any_fact_never_lowers_the_score(sandbox_card, data):
    facts = {}
    for f in CONTRACT:
        if f.kind == "int":
            facts[f.name] = float(data.draw(st.integers(int(f.lower), int(f.upper))))
        else:
            facts[f.name] = data.draw(st.floats(f.lower, f.upper, allow_nan=False))
    facts["history_months"] = float(data.draw(st.integers(6, 24)))
    feature = FEATURES[data.draw(st.sampled_from(FEATURE_NAMES))]
    span = feature.upper - feature.lower
    step = (
        data.draw(st.floats(0, span))
        if feature.kind == "float"
        else data.draw(st.integers(0, int(span)))
    )
    before = score(sandbox_card, facts, allowed=ALL).score
    after = score(
        sandbox_card,
        {**facts, feature.name: _improve(feature, facts[feature.name], step)},
        allowed=ALL,
    ).score
    assert after >= before, feature.name


def test_over_10000_people_no_best_bin_reason_and_no_gain_from_withholding_a_good_record(
    sandbox_card,
):
    people = generate(10_000, seed=516)
    columns = _columns(people.features)
    scored = score_frame(sandbox_card, columns)
    rows = np.flatnonzero(scored.scorable)
    assert len(rows) > 9_000
    best_bin = {}
    for j, table in enumerate(sandbox_card.features):
        values = columns[table.feature.name]
        points = np.asarray([*table.valued, 0])[
            np.where(
                np.isnan(values),
                len(table.valued),
                np.searchsorted(table.feature.bins, values, side="right"),
            )
        ]
        best_bin[j] = ~np.isnan(values) & (points == table.best)
    for k in range(scored.reasons.shape[1]):
        codes = scored.reasons[rows, k]
        for j in range(len(sandbox_card.features)):
            assert not np.any(best_bin[j][rows][codes == j]), sandbox_card.features[j].feature.name
    # Withholding a category whose facts are all in their favourable part never helps.
    for category in OPTIONAL:
        names = [f.name for f in CONTRACT if f.category is category]
        withheld = {**columns, **{n: np.full(len(columns[n]), np.nan) for n in names}}
        without = score_frame(sandbox_card, withheld)
        good = np.ones(len(columns[names[0]]), dtype=bool)
        for n in names:
            feature, values = FEATURES[n], columns[n]
            bins = np.searchsorted(feature.bins, values, side="right")
            good &= ~np.isnan(values) & np.isin(bins, sorted(favourable_bins(feature)))
        chosen = rows[good[rows]]
        assert np.all(without.scores[chosen] <= scored.scores[chosen]), category
    # And the reasons of a sample read as words: no brackets, floats or "1 points".
    for i in rows[:500]:
        facts = {
            n: (None if np.isnan(columns[n][i]) else float(columns[n][i])) for n in FEATURE_NAMES
        }
        one = score(sandbox_card, facts, allowed=ALL)
        for reason in principal_reasons(sandbox_card, one):
            line = one.line(reason.feature)
            assert line.status is Status.USED
            assert line.points < 0 <= line.best
            assert not re.search(r"\[|\]|\d\.\d{3}|e\+\d|\b1 points\b", reason.text), reason.text


def test_the_favourable_parts_are_the_declared_ones():
    # The contract's edges, read as words (ADR 0017).
    expected = {
        "rent_on_time_12m": ["[6, 10)", "[10, 12)", "[12, 12]"],
        "utility_late_months_12m": ["[0, 1)", "[1, 2)"],
        "savings_balance": ["[1, 400)", "[400, 2000)", "[2000, 10000)", "[10000, 1e+06]"],
        "debt_service_ratio": ["[0, 0.1)", "[0.1, 0.2)", "[0.2, 0.36)"],
        "bureau_delinquencies_24m": ["[0, 1)"],
    }
    for name, labels in expected.items():
        feature = FEATURES[name]
        assert [labels_of(feature)[i] for i in sorted(favourable_bins(feature))] == labels


def test_a_feature_declared_not_monotone_keeps_its_shape_and_monotone_ones_are_pooled():
    from dp.shaping import shape
    from scoring.contract import Feature

    def feature(**extra):
        return Feature(
            name="months_since_move",
            description="Months since the last change of address.",
            kind="int",
            unit="months",
            lower=0,
            upper=36,
            category=DataCategory.BANK_CASHFLOW,
            actionable=False,
            direction=Direction.LOWERS_RISK,
            bins=(6.0, 12.0),
            **extra,
        )

    # Default rates 10%, 2%, 10%: a U the noise did not make.
    cells = [900, 100, 980, 20, 900, 100]
    free = shape(
        feature(monotone=False, not_monotone_because="a recent move and a very old one both"),
        cells,
        smoothing=0.5,
        minimum=50,
    )
    pooled = shape(feature(), cells, smoothing=0.5, minimum=50)
    assert free.woe[1] < free.woe[0]
    assert free.woe[1] < free.woe[2]
    assert pooled.woe[0] >= pooled.woe[1] >= pooled.woe[2]
    assert pooled.pooled_for_order == [["[6, 12)", "[12, 36]"]]
    with pytest.raises(ValueError, match="says why"):
        feature(monotone=False)
