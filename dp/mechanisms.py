"""Noise on integer vectors, through OpenDP: the one mechanism every release uses.

A release here is a vector of integer cells (counts, or sums of clamped fixed-point
values) to which each subject contributes in at most one cell, by at most
``sensitivity``. Adding or removing one subject therefore moves the vector by at most
``sensitivity`` in both the L1 and the L2 norm, which is exactly what OpenDP's
``make_count_by_categories`` and ``make_clamp >> make_sum`` report as their stability
(``tests/test_dp_mechanisms.py`` checks it against them). The noise is OpenDP's exact
discrete Laplace (pure epsilon) or discrete Gaussian (zCDP) on the vector.

The noise scale is computed once in closed form (``sensitivity / epsilon``,
``sensitivity / sqrt(2 rho)``), nudged up by a few ulps if OpenDP's rounded-up map says
it is a hair too small, and the cost charged is the measurement's own
``map(sensitivity)``: never the request, never a number of ours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from . import _opendp
from .errors import InvalidQuery
from .loss import PrivacyLoss

Measure = Literal["epsilon", "rho"]
MechanismName = Literal["discrete_laplace", "discrete_gaussian"]
_MAX_NUDGES = 64


#: The largest loss one release may ask for (the ledger's budget usually refuses far less).
MAX_REQUEST: dict[str, Fraction] = {"epsilon": Fraction(20), "rho": Fraction(200)}


@dataclass(frozen=True)
class LossRequest:
    """How much loss a release may take: pure ``epsilon`` or zCDP ``rho``, exact.

    >>> LossRequest.parse(epsilon="0.5").as_loss().rho
    Fraction(1, 8)
    """

    measure: Measure
    amount: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Fraction) or self.amount <= 0:
            raise InvalidQuery(f"{self.measure} must be a positive, finite number")

    @classmethod
    def parse(cls, *, epsilon: Any = None, rho: Any = None) -> LossRequest:
        """Read exactly one of ``epsilon`` or ``rho`` (numbers or decimal strings)."""
        if (epsilon is None) == (rho is None):
            raise InvalidQuery("give exactly one of epsilon (pure DP) or rho (zCDP)")
        measure: Measure = "epsilon" if epsilon is not None else "rho"
        raw = epsilon if epsilon is not None else rho
        if isinstance(raw, float) and not math.isfinite(raw):
            raise InvalidQuery(f"{measure} must be finite")
        try:
            amount = Fraction(str(raw)) if isinstance(raw, float) else Fraction(raw)
        except (TypeError, ValueError, ZeroDivisionError):
            raise InvalidQuery(f"{measure} {raw!r} is not a number") from None
        if not 0 < amount <= MAX_REQUEST[measure]:
            raise InvalidQuery(
                f"{measure} must be above 0 and at most {MAX_REQUEST[measure]}: a larger "
                "loss is not privacy any more"
            )
        return cls(measure, amount)

    def split(self, parts: int) -> LossRequest:
        """An equal share of this request, for one of ``parts`` composed releases."""
        if parts < 1:
            raise ValueError("split into at least one part")
        return LossRequest(self.measure, self.amount / parts)

    def as_loss(self) -> PrivacyLoss:
        """The zCDP loss this request allows."""
        if self.measure == "epsilon":
            return PrivacyLoss.pure(self.amount)
        return PrivacyLoss.zcdp(self.amount)


@dataclass(frozen=True)
class VectorNoise:
    """OpenDP noise for a vector of ``cells`` integers, with its exact cost.

    ``cost`` is zCDP rho from ``map(sensitivity)`` (pure epsilon squared over two for the
    Laplace mechanism, whose own ``epsilon`` is kept too).
    """

    mechanism: MechanismName
    cells: int
    sensitivity: int
    scale: float
    cost: PrivacyLoss
    epsilon: float | None

    def measurement(self) -> Any:
        """Build the OpenDP measurement (it stays inside ``dp``)."""
        return _measurement(self.mechanism, self.cells, self.scale)

    def release(self, exact: Sequence[int]) -> list[int]:
        """Return the noisy vector. OpenDP draws every bit of the noise."""
        if len(exact) != self.cells:
            raise ValueError(f"expected {self.cells} cells, got {len(exact)}")
        noisy = self.measurement()([int(v) for v in exact])
        return [int(v) for v in noisy]

    def as_dict(self) -> dict[str, Any]:
        """The noise as plain data, for the ledger's release record and a model card."""
        return {
            "name": self.mechanism,
            "scale": self.scale,
            "sensitivity": self.sensitivity,
            "cells": self.cells,
            "epsilon": self.epsilon,
        }

    def accuracy(self, alpha: float = 0.05) -> float:
        """Return ``a`` such that each cell's noise lies in ``[-a, a]`` with prob. ``1 - alpha``."""
        dp = _opendp.prelude()
        if self.mechanism == "discrete_laplace":
            return float(dp.discrete_laplacian_scale_to_accuracy(self.scale, alpha))
        return float(dp.discrete_gaussian_scale_to_accuracy(self.scale, alpha))


def _measurement(mechanism: MechanismName, cells: int, scale: float) -> Any:
    dp = _opendp.prelude()
    domain = dp.vector_domain(dp.atom_domain(T="i64"), size=cells)
    if mechanism == "discrete_laplace":
        return dp.m.make_laplace(domain, dp.l1_distance(T="i64"), scale=scale)
    return dp.m.make_gaussian(domain, dp.l2_distance(T="i64"), scale=scale)


def make_vector_noise(*, cells: int, sensitivity: int, request: LossRequest) -> VectorNoise:
    """Return the noise that spends at most ``request`` on a vector of ``cells`` integers.

    Args:
        cells: How many integers are released.
        sensitivity: The most one subject can move the vector (L1 and L2), at least 1.
        request: Pure epsilon (discrete Laplace) or zCDP rho (discrete Gaussian).
    """
    if cells < 1 or sensitivity < 1:
        raise ValueError("a release has at least one cell and a sensitivity of at least 1")
    if request.measure == "epsilon":
        mechanism: MechanismName = "discrete_laplace"
        scale = sensitivity / float(request.amount)
    else:
        mechanism = "discrete_gaussian"
        scale = sensitivity / math.sqrt(2.0 * float(request.amount))
    for _ in range(_MAX_NUDGES):
        measurement = _measurement(mechanism, cells, scale)
        spent = Fraction(measurement.map(sensitivity))
        if spent <= request.amount:
            break
        scale = math.nextafter(scale, math.inf)
    else:  # pragma: no cover - OpenDP's map rounds up by ulps, never by more
        raise ArithmeticError("no noise scale within a few ulps meets the request")
    if mechanism == "discrete_laplace":
        return VectorNoise(
            mechanism, cells, sensitivity, scale, PrivacyLoss.pure(spent), float(spent)
        )
    return VectorNoise(mechanism, cells, sensitivity, scale, PrivacyLoss.zcdp(spent), None)


def composed_cost(parts: Sequence[VectorNoise]) -> PrivacyLoss:
    """Return the cost of releasing every part on the same data (basic composition).

    zCDP composes by adding rho, and each part's rho is its OpenDP ``map``: the sum is
    exact. (OpenDP's ``make_composition`` adds the same maps; it needs one input domain,
    which parts of different lengths do not share.)
    """
    total = PrivacyLoss.zero()
    for part in parts:
        total = total + part.cost
    return total
