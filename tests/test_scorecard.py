"""The scorecard, reasons and recourse: exact sums, honest reasons, proven recourse."""

from __future__ import annotations

import math
import re
from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from consent import DataCategory
from scoring.card.batch import score_frame
from scoring.card.explain import build_explanation
from scoring.card.reasons import MAX_REASONS, principal_reasons
from scoring.card.recourse import allowed as allowed_move
from scoring.card.recourse import find_recourse
from scoring.card.scorecard import (
    BASE_ODDS,
    BASE_SCORE,
    PDO,
    Scorecard,
    Status,
    insufficient_data,
    labels_of,
    score,
)
from scoring.card.shape import check, failing_features, favourable_bins
from scoring.contract import CONTRACT, FEATURES, Direction
from store import utcnow
from tests.decision_fixtures import CARD, card, woe_points

ALL = frozenset(DataCategory)


def _value(feature, draw):
    if feature.nullable and draw(st.booleans()) and draw(st.booleans()):
        return None
    if feature.kind == "int":
        return draw(st.integers(int(feature.lower), int(feature.upper)))
    return draw(st.floats(feature.lower, min(feature.upper, 50_000), allow_nan=False, width=32))


@st.composite
def people(draw):
    facts = {f.name: _value(f, draw) for f in CONTRACT}
    facts["history_months"] = draw(st.integers(6, 24))
    withheld = draw(st.sets(st.sampled_from(sorted(set(DataCategory) - {"bank_cashflow"}))))
    disputed = draw(
        st.sets(st.sampled_from(sorted(FEATURES))).filter(lambda s: "history_months" not in s)
    )
    return facts, ALL - {DataCategory(c) for c in withheld}, frozenset(disputed)


@st.composite
def woe_cards(draw):
    """Random weights of evidence: the properties must hold for any trained model."""
    points = woe_points()
    for table in points["features"].values():
        for label in table:
            table[label] = draw(st.floats(-2, 2, allow_nan=False))
    return Scorecard.from_model(version=3, points=points)


@st.composite
def valid_cards(draw):
    """Random cards that pass their checks: monotone, no favourable bin below neutral."""
    points = woe_points()
    for feature in CONTRACT:
        table = points["features"][feature.name]
        valued = len(feature.bins) + 1
        woe = sorted(
            (draw(st.floats(-2, 2, allow_nan=False)) for _ in range(valued)),
            reverse=feature.direction is Direction.LOWERS_RISK,
        )
        neutral = max(0.0, *(woe[i] for i in favourable_bins(feature)))
        for label, w in zip(labels_of(feature), woe, strict=False):
            table[label] = w - neutral
    model = Scorecard.from_model(version=4, points=points)
    assert check(model) == []
    return model


def test_the_scaling_is_the_standard_one():
    # An intercept of ln(1/BASE_ODDS) (odds BASE_ODDS:1 of repaying) with no evidence scores
    # BASE_SCORE; every PDO points double the odds.
    points = woe_points()
    points["intercept"] = -math.log(BASE_ODDS)
    assert Scorecard.from_model(version=1, points=points).base == BASE_SCORE
    points["intercept"] = -math.log(2 * BASE_ODDS)
    assert Scorecard.from_model(version=1, points=points).base == BASE_SCORE + PDO


@settings(max_examples=150, deadline=None)
@given(people(), woe_cards())
def test_contributions_add_up_to_the_score(person, model):
    facts, allowed, disputed = person
    scored = score(model, facts, allowed=allowed, disputed=disputed)
    assert scored.base + sum(line.points for line in scored.lines) == scored.score
    low, high = model.score_range
    assert low <= scored.score <= high
    for line in scored.lines:
        if line.status is not Status.USED:
            assert line.points == 0  # neutral, never a hidden penalty
        if line.category not in allowed:
            assert line.status is Status.WITHHELD
            assert line.value is None
        elif line.name in disputed:
            assert line.status is Status.DISPUTED
    document = build_explanation(
        decision_id="d",
        subject_id="s",
        issued_at=utcnow(),
        card=model,
        model_card=CARD,
        scored=scored,
        insufficient=[],
        outcome="decline",
        cut_off=550,
        refer_band=0,
        allowed=allowed,
        consent_id="c",
        lender=None,
    )
    parts = document["points"]
    assert parts["base"] + sum(f["points"] for f in parts["features"]) == document["score"]
    for line in parts["features"]:
        assert (line["consent_id"] == "c") == (line["status"] == "used")


@settings(max_examples=150, deadline=None)
@given(people(), woe_cards())
def test_reasons_are_the_largest_point_losses(person, model):
    facts, allowed, disputed = person
    scored = score(model, facts, allowed=allowed, disputed=disputed)
    reasons = principal_reasons(model, scored)
    below = sorted(
        (line for line in scored.lines if line.points < 0 and line.lost > 0),
        key=lambda line: (line.points, -line.lost),
    )
    assert [r.feature for r in reasons] == [line.name for line in below][:MAX_REASONS]
    for reason in reasons:
        line = scored.line(reason.feature)
        assert line.status is Status.USED
        assert reason.points < 0  # only what lowered the score below neutral
        assert reason.lost == model.table(reason.feature).best - line.points
        assert f"lowered your score by {-reason.points} point" in reason.text
        assert reason.feature not in reason.text
        assert not re.search(r"\[|\]|\d\.\d{3}|e\+\d", reason.text), reason.text
        assert not re.search(r"\b1 points\b", reason.text), reason.text


def _gain_allowed(model, line) -> int:
    """The most points a used line can gain moving only the favourable way."""
    table = model.table(line.name)
    ahead = [pts for i, pts in enumerate(table.valued) if allowed_move(table.feature, line.bin, i)]
    return max([0, *(pts - line.points for pts in ahead)])


@settings(max_examples=100, deadline=None)
@given(people(), st.one_of(woe_cards(), valid_cards()), st.integers(400, 700))
def test_every_recourse_reaches_the_cut_off_with_actionable_changes_only(person, model, cut):
    facts, allowed, disputed = person
    scored = score(model, facts, allowed=allowed, disputed=disputed)
    recourse = find_recourse(model, scored, cut_off=cut)
    failing = failing_features(model)
    changeable = [
        line
        for line in scored.lines
        if FEATURES[line.name].actionable
        and line.name not in failing
        and line.status is Status.USED
        and _gain_allowed(model, line) > 0
    ]
    if not recourse.exists:
        # Honest "none exists": even every changeable feature at its best falls short.
        assert scored.score + sum(_gain_allowed(model, line) for line in changeable) < cut
        return
    changed = dict(facts)
    for change in recourse.changes:
        feature = FEATURES[change.feature]
        assert feature.actionable
        assert change.feature not in failing
        assert scored.line(change.feature).status is Status.USED
        # Only ever the favourable way: up for lowers_risk, down for raises_risk.
        if feature.direction is Direction.LOWERS_RISK:
            assert change.target > change.current
        else:
            assert change.target < change.current
        assert "[" not in change.text
        assert "_" not in change.text
        assert FEATURES[change.feature].contains(change.target)
        changed[change.feature] = change.target
    rescored = score(model, changed, allowed=allowed, disputed=disputed)
    assert rescored.score == recourse.rescored >= cut
    # Smallest: no set with fewer features could reach the cut-off.
    size = len(recourse.changes)
    for fewer in combinations(changeable, max(size - 1, 0)):
        if size == 0:
            break
        assert scored.score + sum(_gain_allowed(model, line) for line in fewer) < cut


def test_a_decline_with_no_recourse_says_so():
    model = card()
    facts = {f.name: f.upper if f.direction == "raises_risk" else f.lower for f in CONTRACT}
    facts["history_months"] = 6
    scored = score(model, facts, allowed=ALL)
    recourse = find_recourse(model, scored, cut_off=model.score_range[1])
    assert not recourse.exists
    assert recourse.changes == ()


def test_insufficient_data_says_what_would_make_a_person_scorable():
    assert "6 months" in insufficient_data({"history_months": 5}, allowed=ALL)[0]
    assert "you shared 5" in insufficient_data({"history_months": 5}, allowed=ALL)[0]
    assert (
        "bank_cashflow"
        in insufficient_data({"history_months": 12}, allowed=ALL - {DataCategory.BANK_CASHFLOW})[0]
    )
    assert (
        "dispute"
        in insufficient_data({"history_months": 12}, allowed=ALL, disputed={"history_months"})[0]
    )
    assert insufficient_data(None, allowed=ALL)
    assert insufficient_data({"history_months": 6}, allowed=ALL) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(people(), min_size=1, max_size=20), woe_cards())
def test_batch_scoring_matches_scoring_one_by_one(group, model):
    columns = {
        f.name: np.array(
            [
                np.nan
                if facts[f.name] is None or f.category not in allowed or f.name in disputed
                else facts[f.name]
                for facts, allowed, disputed in group
            ],
            dtype=np.float64,
        )
        for f in CONTRACT
    }
    batch = score_frame(model, columns)
    names = [f.name for f in CONTRACT]
    for i, (facts, allowed, disputed) in enumerate(group):
        scored = score(model, facts, allowed=allowed, disputed=disputed)
        assert batch.scorable[i]
        assert batch.scores[i] == scored.score
        expected = [names.index(r.feature) for r in principal_reasons(model, scored)]
        assert [c for c in batch.reasons[i] if c >= 0] == expected


def test_batch_leaves_short_histories_unscored():
    columns = {f.name: np.array([np.nan, np.nan]) for f in CONTRACT}
    columns["history_months"] = np.array([5.0, 6.0])
    batch = score_frame(card(), columns)
    assert batch.scorable.tolist() == [False, True]
