"""Privacy loss values and the OpenDP noise: exact costs, exact arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from dp import InvalidQuery, LossRequest, PrivacyLoss, make_vector_noise
from dp._opendp import prelude


def test_pure_epsilon_maps_to_half_its_square():
    assert PrivacyLoss.pure("0.5").rho == Fraction(1, 8)
    assert PrivacyLoss.pure(2) == PrivacyLoss.zcdp(2)


def test_sums_are_exact_where_floats_drift():
    total = PrivacyLoss.zero()
    for _ in range(10):
        total = total + PrivacyLoss.zcdp("0.1")
    assert total == PrivacyLoss.zcdp(1)
    assert sum([0.1] * 10) != 1.0  # what the ledger would suffer with floats


def test_unlimited_orders_above_everything_and_absorbs_sums():
    big = PrivacyLoss.zcdp(10**9)
    assert big < PrivacyLoss.unlimited()
    assert not PrivacyLoss.unlimited() < big
    assert (big + PrivacyLoss.unlimited()).is_unlimited
    assert PrivacyLoss.unlimited().minus(big).is_unlimited
    assert big.minus(PrivacyLoss.unlimited()) == PrivacyLoss.zero()


@pytest.mark.parametrize("bad", [-1, "-0.1", float("nan"), float("inf"), "x"])
def test_invalid_losses_are_refused(bad):
    with pytest.raises(ValueError, match="rho"):
        PrivacyLoss.zcdp(bad)


def test_units_round_up_never_down():
    third = PrivacyLoss.zcdp(Fraction(1, 3))
    assert PrivacyLoss.from_units(third.units()) >= third
    assert PrivacyLoss.from_units(third.units() - 1) < third


def test_epsilon_at_delta_comes_from_opendp_and_is_monotone():
    dp = prelude()
    gauss = dp.m.make_gaussian(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=1.0
    )
    expected = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gauss), 1e-6).map(1.0)[0]
    assert PrivacyLoss.zcdp("0.5").epsilon_at(1e-6) == pytest.approx(expected, rel=1e-12)
    assert PrivacyLoss.zcdp("0.5").epsilon_at(1e-6) >= expected
    assert PrivacyLoss.zcdp(1).epsilon_at(1e-6) > PrivacyLoss.zcdp("0.5").epsilon_at(1e-6)
    assert PrivacyLoss.zero().epsilon_at(1e-6) == 0.0
    assert math.isinf(PrivacyLoss.unlimited().epsilon_at(1e-6))


@pytest.mark.parametrize("epsilon", ["0.25", "0.5", "1", "0.7", "1/3"])
def test_laplace_costs_exactly_what_its_measurement_maps(epsilon):
    request = LossRequest.parse(epsilon=epsilon)
    noise = make_vector_noise(cells=6, sensitivity=1, request=request)
    spent = Fraction(noise.measurement().map(1))
    assert noise.cost == PrivacyLoss.pure(spent)
    assert spent <= request.amount
    assert float(spent) == pytest.approx(float(request.amount), rel=1e-15)


@pytest.mark.parametrize("rho", ["0.125", "0.5", "0.1"])
def test_gaussian_costs_exactly_what_its_measurement_maps(rho):
    request = LossRequest.parse(rho=rho)
    noise = make_vector_noise(cells=3, sensitivity=4, request=request)
    spent = Fraction(noise.measurement().map(4))
    assert noise.cost == PrivacyLoss.zcdp(spent)
    assert spent <= request.amount
    assert noise.mechanism == "discrete_gaussian"


def test_the_sensitivity_claims_are_opendps_own_stability_maps():
    # Counting subjects into cells moves the vector by 1 per subject added or removed;
    # a clamped sum by the largest bound. OpenDP's own transformations say the same.
    dp = prelude()
    counts = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=int)),
        dp.symmetric_distance(),
        categories=[0, 1, 2, 3],
        null_category=False,
    )
    assert counts.map(1) == 1
    clamped_sum = (
        dp.t.make_clamp(
            dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance(), bounds=(-500, 2000)
        )
        >> dp.t.then_sum()
    )
    assert clamped_sum.map(1) == 2000
    # The whole chain from data to noisy counts costs what the noise alone is charged.
    noise = make_vector_noise(cells=4, sensitivity=1, request=LossRequest.parse(epsilon=1))
    chain = counts >> dp.m.then_laplace(noise.scale)
    assert chain.map(1) == noise.measurement().map(1) == 1.0


def test_noise_is_drawn_by_opendp_and_centred():
    noise = make_vector_noise(cells=4, sensitivity=1, request=LossRequest.parse(epsilon=2))
    draws = [noise.release([100, 0, 5, 7]) for _ in range(200)]
    mean0 = sum(d[0] for d in draws) / len(draws)
    assert abs(mean0 - 100) < 0.5  # sd of the mean about 0.05
    assert all(isinstance(v, int) for v in draws[0])
    assert len({tuple(d) for d in draws}) > 1


def test_accuracy_is_opendps_and_covers_95_percent():
    noise = make_vector_noise(cells=1, sensitivity=1, request=LossRequest.parse(epsilon=1))
    a = noise.accuracy(0.05)
    inside = sum(abs(noise.release([0])[0]) <= a for _ in range(2000))
    assert inside >= 0.93 * 2000


@pytest.mark.parametrize(
    "kwargs", [{}, {"epsilon": 1, "rho": 1}, {"epsilon": 0}, {"rho": -1}, {"epsilon": "inf"}]
)
def test_a_request_needs_exactly_one_positive_finite_amount(kwargs):
    with pytest.raises(InvalidQuery):
        LossRequest.parse(**kwargs)
