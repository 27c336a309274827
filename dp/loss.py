"""Privacy loss as a value: zCDP rho, exact, with pure epsilon mapped onto it.

Every cost and budget in Fairfile is a ``PrivacyLoss``: a frozen, validated value holding
zCDP ``rho`` as an exact ``Fraction`` (or infinity). Pure ``epsilon``-DP implies
``epsilon**2 / 2``-zCDP, so pure and zCDP releases compose in one unit. Adding losses is
exact: no float ever accumulates. ``epsilon_at(delta)`` reports the (epsilon, delta)
equivalent through OpenDP's own conversion (``make_zCDP_to_approxDP`` then
``make_fix_delta``).

>>> PrivacyLoss.pure(1) + PrivacyLoss.pure(1) == PrivacyLoss.zcdp(1)
True
>>> PrivacyLoss.zcdp("0.125").rho
Fraction(1, 8)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import total_ordering
from typing import Final

from . import _opendp

Number = int | float | str | Decimal | Fraction

#: The ledger counts rho in integer units of 10**-12 (costs rounded up, never down).
UNITS_PER_RHO: Final = 10**12


def _exact(value: Number, name: str) -> Fraction:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be finite (use PrivacyLoss.unlimited() for no limit)")
    try:
        exact = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{name} {value!r} is not a number") from None
    if exact < 0:
        raise ValueError(f"{name} may not be negative")
    return exact


@total_ordering
@dataclass(frozen=True)
class PrivacyLoss:
    """A privacy loss in zCDP ``rho``; ``rho is None`` means unlimited (infinite).

    Build one with ``zcdp``, ``pure`` or ``unlimited``; floats are taken exactly as the
    binary value they hold (so an OpenDP ``map`` result is never rounded down).
    """

    rho: Fraction | None

    def __post_init__(self) -> None:
        if self.rho is not None and (not isinstance(self.rho, Fraction) or self.rho < 0):
            raise ValueError("rho is a non-negative Fraction, or None for unlimited")

    @classmethod
    def zcdp(cls, rho: Number) -> PrivacyLoss:
        """A zCDP loss of ``rho``."""
        return cls(_exact(rho, "rho"))

    @classmethod
    def pure(cls, epsilon: Number) -> PrivacyLoss:
        """The zCDP loss ``epsilon**2 / 2`` implied by pure ``epsilon``-DP."""
        eps = _exact(epsilon, "epsilon")
        return cls(eps * eps / 2)

    @classmethod
    def unlimited(cls) -> PrivacyLoss:
        """No limit (a budget only; no release is ever charged an infinite loss)."""
        return cls(None)

    @classmethod
    def zero(cls) -> PrivacyLoss:
        """No loss."""
        return cls(Fraction(0))

    @classmethod
    def from_units(cls, units: int) -> PrivacyLoss:
        """The loss a ledger amount of ``units`` (10**-12 rho each) stands for."""
        return cls(Fraction(units, UNITS_PER_RHO))

    @property
    def is_unlimited(self) -> bool:
        """Whether this is the unlimited loss."""
        return self.rho is None

    def units(self) -> int:
        """This loss in ledger units, rounded up (so the ledger never under-records).

        >>> PrivacyLoss.zcdp("0.5").units(), PrivacyLoss.zcdp(Fraction(1, 3)).units()
        (500000000000, 333333333334)
        """
        if self.rho is None:
            raise ValueError("an unlimited loss has no ledger amount")
        return math.ceil(self.rho * UNITS_PER_RHO)

    def __add__(self, other: PrivacyLoss) -> PrivacyLoss:
        if self.rho is None or other.rho is None:
            return PrivacyLoss.unlimited()
        return PrivacyLoss(self.rho + other.rho)

    def minus(self, other: PrivacyLoss) -> PrivacyLoss:
        """What is left of this budget after ``other`` (never below zero)."""
        if other.rho is None:
            return PrivacyLoss.zero()
        if self.rho is None:
            return self
        return PrivacyLoss(max(Fraction(0), self.rho - other.rho))

    def __lt__(self, other: PrivacyLoss) -> bool:
        if self.rho is None:
            return False
        return other.rho is None or self.rho < other.rho

    def __str__(self) -> str:
        return "unlimited" if self.rho is None else f"rho={self.decimal()}"

    def decimal(self, places: int = 12, *, round_up: bool = True) -> str:
        """Return rho as a decimal string rounded at ``places``, or ``inf``.

        A cost is rounded up (never understated); a budget left is rounded down with
        ``round_up=False`` (never overstated).

        >>> PrivacyLoss.pure("0.5").decimal(), PrivacyLoss.zcdp(800).decimal()
        ('0.125', '800')
        >>> left = PrivacyLoss.zcdp("1.15") + PrivacyLoss.zcdp(Fraction(1, 10**14))
        >>> left.decimal(), left.decimal(round_up=False)
        ('1.150000000001', '1.15')
        """
        if self.rho is None:
            return "inf"
        rounding = math.ceil if round_up else math.floor
        scaled = rounding(self.rho * 10**places)
        text = f"{Decimal(scaled).scaleb(-places).normalize():f}"
        return "0" if scaled == 0 else text

    def epsilon_at(self, delta: float) -> float:
        """Return the epsilon of the (epsilon, ``delta``)-DP this loss implies, via OpenDP.

        The conversion runs on a Gaussian mechanism whose own zCDP cost is at least this
        loss (so the epsilon reported is never too small).
        """
        if self.rho is None:
            return math.inf
        if self.rho == 0:
            return 0.0
        if not 0 < delta < 1:
            raise ValueError("delta lies strictly between 0 and 1")
        dp = _opendp.prelude()
        rho = float(self.rho)
        scale = 1.0 / math.sqrt(2.0 * rho)
        space = dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float)
        gauss = dp.m.make_gaussian(*space, scale=scale)
        while Fraction(gauss.map(1.0)) < self.rho:
            scale = math.nextafter(scale, 0.0)
            gauss = dp.m.make_gaussian(*space, scale=scale)
        approx = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gauss), delta)
        try:
            epsilon, _ = approx.map(1.0)
        except dp.OpenDPException:
            return math.inf  # beyond what OpenDP's conversion can represent
        return float(epsilon)

    def describe(self, delta: float) -> dict[str, str | float]:
        """Return this loss as plain data: rho, and epsilon at ``delta``."""
        return {"rho": self.decimal(), "epsilon": self.epsilon_at(delta), "delta": delta}
