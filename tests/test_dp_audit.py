"""An empirical privacy audit of the count release: the claimed epsilon must hold.

Two neighbouring datasets differ in one subject (``n`` and ``n + 1`` people counted). The
release runs many times on each; a threshold test ``count >= t`` is chosen on one half
of the runs and judged on the other (held out: choosing on the same samples overstates),
and Clopper-Pearson bounds turn the two rates into a lower bound on epsilon. A
correct mechanism must stay below its claim; the same audit of a deliberately broken one
(noise halved, so really epsilon = 2) must exceed the claim, which proves the audit can fail.

Noise cannot be seeded, so flakiness is controlled by the confidence level: with 99.9%
two-sided Clopper-Pearson intervals, the bound of a correct mechanism exceeds its true
epsilon with probability below 0.1% (both rates are judged on the held-out half).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import beta

from dp import LossRequest, make_vector_noise
from dp.mechanisms import _measurement

CLAIMED = 1.0
RUNS = 20_000  # per dataset, split in two halves
N = 1_000


def _cp(successes: int, trials: int, alpha: float = 0.001) -> tuple[float, float]:
    low = beta.ppf(alpha / 2, successes, trials - successes + 1) if successes else 0.0
    high = beta.ppf(1 - alpha / 2, successes + 1, trials - successes) if successes < trials else 1.0
    return float(low), float(high)


def _epsilon_lower_bound(with_one: np.ndarray, without: np.ndarray, threshold: int) -> float:
    hits_in = int((with_one >= threshold).sum())
    hits_out = int((without >= threshold).sum())
    low_in, _ = _cp(hits_in, with_one.size)
    _, high_out = _cp(hits_out, without.size)
    if low_in <= 0 or high_out <= 0:
        return 0.0
    return math.log(low_in / high_out)


def _audit(scale: float) -> float:
    release = _measurement("discrete_laplace", RUNS, scale)
    without = np.asarray(release([N] * RUNS))
    with_one = np.asarray(release([N + 1] * RUNS))
    half = RUNS // 2
    candidates = range(N - 5, N + 15)
    chosen = max(candidates, key=lambda t: _epsilon_lower_bound(with_one[:half], without[:half], t))
    return _epsilon_lower_bound(with_one[half:], without[half:], chosen)


def test_the_count_release_keeps_its_claimed_epsilon_and_the_audit_can_fail():
    noise = make_vector_noise(cells=1, sensitivity=1, request=LossRequest.parse(epsilon=CLAIMED))
    assert noise.epsilon == CLAIMED
    correct = _audit(noise.scale)
    broken = _audit(noise.scale / 2)
    assert correct <= CLAIMED, f"empirical epsilon {correct:.3f} exceeds the claim"
    assert broken > CLAIMED, f"the audit missed a broken mechanism ({broken:.3f})"
