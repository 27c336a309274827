"""Budget allocations: each person's lifetime budget, divided among who may spend it.

A person's budget (``FAIRFILE_PRIVACY_BUDGET_RHO``) is split into named allocations
(``FAIRFILE_PRIVACY_ALLOCATIONS``, ADR 0019): ``training`` (the platform's model),
``lenders`` (every lender's statistics, together), ``analysts`` (analysts without an
allocation of their own, together) and ``analyst:<id>`` (one analyst alone). A release
spends from its caller's allocation, and from the person's total: it is refused if it
would take any member past either. The allocations sum to at most the total, so one
allocation run dry leaves every other one as it was, and the total still bounds the loss.

>>> shares = Allocations.parse(PrivacyLoss.zcdp(2), "training=1, lenders=0.5, analyst:fca=0.25")
>>> [(a.name, a.limit.decimal()) for a in shares.listed()]
[('training', '1'), ('lenders', '0.5'), ('analyst:fca', '0.25'), ('analysts', '0')]
>>> shares.for_actor("analyst:fca").name, shares.for_actor("analyst:lab").name
('analyst:fca', 'analysts')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from .errors import AllocationError, InvalidQuery
from .loss import PrivacyLoss

TRAINING: Final = "training"
LENDERS: Final = "lenders"
ANALYSTS: Final = "analysts"
#: Who spends what, when nothing is configured: shares of the total.
DEFAULT_SHARES: Final = {
    TRAINING: Fraction(1, 2),
    LENDERS: Fraction(1, 4),
    ANALYSTS: Fraction(1, 4),
}
_NAME = re.compile(r"^(training|lenders|analysts|analyst:[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)$")
WHO: Final = {
    TRAINING: "the platform's model training (fairfile model train)",
    LENDERS: "every lender's statistics, together (POST /v1/lender/statistics)",
    ANALYSTS: "every analyst without an allocation of its own, together",
}


@dataclass(frozen=True)
class Allocation:
    """One allocation: its name and the most any one person may lose through it."""

    name: str
    limit: PrivacyLoss

    @property
    def who(self) -> str:
        """Who spends from it, in words."""
        if self.name.startswith("analyst:"):
            return f"the analyst {self.name.removeprefix('analyst:')} alone"
        return WHO[self.name]


@dataclass(frozen=True)
class Allocations:
    """The division of every person's budget, checked to sum to at most the total."""

    total: PrivacyLoss
    shares: tuple[Allocation, ...]

    @classmethod
    def parse(cls, total: PrivacyLoss, text: str | None) -> Allocations:
        """Read ``name=rho, ...`` (default: half training, a quarter each to the rest).

        Raises:
            AllocationError: a name is unknown or repeated, an amount is not a number, or
                they sum to more than ``total``.
        """
        if not (text or "").strip():
            if total.rho is None:  # unlimited: so is every allocation
                return cls(total, tuple(Allocation(n, total) for n in DEFAULT_SHARES))
            rho = total.rho
            return cls(
                total,
                tuple(Allocation(n, PrivacyLoss(rho * s)) for n, s in DEFAULT_SHARES.items()),
            )
        found: dict[str, PrivacyLoss] = {}
        for part in str(text).split(","):
            name, sep, amount = (p.strip() for p in part.partition("="))
            if not sep or not _NAME.match(name):
                raise AllocationError(
                    f"{part.strip()!r}: write name=rho, the name one of training, lenders, "
                    "analysts or analyst:<id>"
                )
            if name in found:
                raise AllocationError(f"{name} is allocated twice")
            try:
                found[name] = PrivacyLoss.zcdp(amount)
            except ValueError as error:
                raise AllocationError(f"{name}: {error}") from None
        found.setdefault(TRAINING, PrivacyLoss.zero())
        found.setdefault(LENDERS, PrivacyLoss.zero())
        found.setdefault(ANALYSTS, PrivacyLoss.zero())
        summed = sum(found.values(), PrivacyLoss.zero())
        if total < summed:
            raise AllocationError(
                f"the allocations sum to rho {summed.decimal()}, more than the budget "
                f"(rho {total.decimal()}): no allocation could then be kept whole"
            )
        return cls(total, tuple(Allocation(n, loss) for n, loss in found.items()))

    def listed(self) -> list[Allocation]:
        """Every allocation: the platform's first, then each analyst's, the pool last."""
        order = {TRAINING: 0, LENDERS: 1, ANALYSTS: 3}
        return sorted(self.shares, key=lambda a: (order.get(a.name, 2), a.name))

    def named(self, name: str) -> Allocation:
        """Return the allocation ``name``.

        Raises:
            InvalidQuery: there is none of that name.
        """
        for share in self.shares:
            if share.name == name:
                return share
        raise InvalidQuery(f"there is no allocation {name!r}")

    def for_actor(self, actor: str) -> Allocation:
        """Return the allocation a release by ``actor`` spends from.

        ``lender:<id>`` spends the lenders'; ``analyst:<id>`` its own if it has one, else the
        analysts' pool; anything else (the operator's training runs) the training one.
        """
        if actor.startswith("lender:"):
            return self.named(LENDERS)
        if actor.startswith("analyst:"):
            own = [s for s in self.shares if s.name == actor]
            return own[0] if own else self.named(ANALYSTS)
        return self.named(TRAINING)

    def unallocated(self) -> PrivacyLoss:
        """What no allocation may spend (the total minus their sum)."""
        return self.total.minus(sum((s.limit for s in self.shares), PrivacyLoss.zero()))
