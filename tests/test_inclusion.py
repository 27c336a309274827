"""The inclusion bench's helpers: cut-off choice, the fairness table and its intervals."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from bench import _inclusion as inc
from dp import PrivacyLoss
from dp.intervals import Estimate, gap, ratio


def _brute_force(scores, scorable, defaulted, target):
    best = None
    for c in sorted(set(scores[scorable].tolist())):
        approved = scorable & (scores >= c)
        if defaulted[approved].mean() <= target and (best is None or c < best):
            best = c
    return best


def _monotone_rule(scores, scorable, defaulted, target):
    """A wrong rule: raise the bar from the top and stop at the first miss."""
    found = None
    for c in sorted(set(scores[scorable].tolist()), reverse=True):
        approved = scorable & (scores >= c)
        if defaulted[approved].mean() > target:
            break
        found = c
    return found


def _agrees(rule) -> bool:
    rng = np.random.default_rng(5)
    cases = [
        # The bad rate rises then falls again as the bar drops: 0, 1/2, 1/3, 1/4, 1/5.
        (np.array([700, 650, 600, 550, 500]), np.ones(5, bool), np.array([0, 1, 0, 0, 0], bool)),
    ]
    for _ in range(200):
        n = int(rng.integers(1, 40))
        cases.append((rng.integers(400, 420, n), rng.random(n) < 0.8, rng.random(n) < rng.random()))
    for scores, scorable, defaulted in cases:
        for target in (0.0, 0.1, 0.25, 0.5):
            if rule(scores, scorable, defaulted, target) != _brute_force(
                scores, scorable, defaulted, target
            ):
                return False
    return True


def test_cut_off_is_the_most_lenient_one_meeting_the_target():
    assert _agrees(inc.cut_off_for)


def test_the_cut_off_check_catches_a_rule_that_assumes_a_monotone_bad_rate():
    assert not _agrees(_monotone_rule)


def test_unscorable_people_are_never_approved():
    scores = np.array([900, 600, 500])
    scorable = np.array([False, True, True])
    chosen = inc.cut_off_for(scores, scorable, np.array([False, False, True]), 0.0)
    assert chosen == 600
    assert inc.portfolio(scores, scorable, chosen).approved.tolist() == [False, True, False]
    assert not inc.portfolio(scores, scorable, None).approved.any()


def test_fairness_cells_follow_the_public_grid():
    counts = inc.fairness_table(
        np.array([True, False, False]),
        np.array([True, False, True]),
        np.array([True, True, False]),
        np.array([True, False, False]),
    )
    assert sum(counts) == 3
    table = inc.Table.exact(counts)
    one = {"thin_file": "true", "repaid": "true", "approved": "true"}
    assert table.total(group="group_b", **one)[0] == 1
    assert table.total(group="group_a")[0] == 2
    assert table.total(group="group_a", approved="true")[0] == 0


def _figures(table, ratio=ratio):
    out = []
    for where in ({}, {"thin_file": "true"}):
        out.append(
            ratio(
                inc.approval_rate(table, "group_b", **where),
                inc.approval_rate(table, "group_a", **where),
            )
        )
        out.append(
            gap(
                inc.true_positive_rate(table, "group_b", **where),
                inc.true_positive_rate(table, "group_a", **where),
            )
        )
    return out


def _same_corners(b, a):
    """A wrong propagation: pairs low with low and high with high."""
    return Estimate(b.value / a.value, b.low / a.low, b.high / a.high)


def _contains_every_table_within_the_cells(ratio) -> bool:
    rng = np.random.default_rng(3)
    for _ in range(30):
        noisy = rng.integers(0, 40, inc.CELLS).astype(float)
        released = inc.Table(tuple(noisy), 4.0, PrivacyLoss.zero(), "test", 1.0)
        intervals = _figures(released, ratio)
        for _ in range(20):
            truth = np.maximum(0, noisy + rng.integers(-4, 5, inc.CELLS))
            for got, want in zip(intervals, _figures(inc.Table.exact(truth.tolist())), strict=True):
                if not math.isnan(want.value) and not got.low <= want.value <= got.high:
                    return False
    return True


def test_ratio_and_gap_intervals_contain_every_table_the_cells_allow():
    assert _contains_every_table_within_the_cells(ratio)


def test_the_containment_check_catches_a_wrong_propagation():
    assert not _contains_every_table_within_the_cells(_same_corners)


def test_dp_release_costs_exactly_epsilon_and_its_intervals_cover():
    rng = np.random.default_rng(9)
    exact = rng.integers(5, 60, inc.CELLS).tolist()
    want = _figures(inc.Table.exact(exact))
    covered = 0
    runs = 100
    for _ in range(runs):
        released = inc.release_fairness(exact, epsilon=0.5)
        assert released.cost == PrivacyLoss.pure(Fraction(1, 2))
        got = _figures(released)
        covered += all(g.low <= w.value <= g.high for g, w in zip(got, want, strict=True))
    # Jointly at least 95% by construction (in practice more: the bounds are conservative).
    assert covered >= 0.9 * runs


@pytest.mark.parametrize(("shrink", "ok"), [(1.0, True), (0.25, False)])
def test_sampling_interval_covers_about_95_percent(shrink, ok):
    # Group sizes and approvals drawn from known rates: the ratio's interval should cover
    # the true ratio about 95% of the time. The same check on an interval a quarter as wide
    # (shrink 0.25) must fail.
    rng = np.random.default_rng(1)
    pa, pb, na, nb = 0.6, 0.5, 800, 400
    hits, draws = 0, 400
    for _ in range(draws):
        counts = [0] * inc.CELLS
        a_yes, b_yes = rng.binomial(na, pa), rng.binomial(nb, pb)
        # Thick-file repayers: group_a declined/approved are cells 2/3, group_b 10/11.
        counts[2], counts[3], counts[10], counts[11] = na - a_yes, a_yes, nb - b_yes, b_yes
        r, _ = inc.sampling(inc.Table.exact(counts), repaid_only=False)
        half = (math.log(r.high) - math.log(r.value)) * shrink
        hits += r.value * math.exp(-half) <= pb / pa <= r.value * math.exp(half)
    assert (0.92 <= hits / draws <= 0.98) is ok
