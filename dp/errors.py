"""The ``dp`` package's own errors (no HTTP in them; ``service.web.errors`` maps them).

``PrivacyError`` is the base of every refusal; ``LedgerBug`` is not a refusal but an
internal invariant failure (``store.errors.InternalBug``).
"""

from __future__ import annotations

from store import InternalBug, Refusal


class PrivacyError(Refusal):
    """Base of every ``dp`` refusal."""


class BudgetExhausted(PrivacyError):
    """A release would take someone in its snapshot past the privacy budget.

    Nothing was charged and nothing was released. ``requested`` and ``remaining`` are
    zCDP rho (exact decimal strings) with their (epsilon, delta) equivalents.
    """


class InvalidQuery(PrivacyError, ValueError):
    """A statistics query names an unknown feature, statistic or group key, or no loss."""


class LedgerBug(InternalBug):
    """An internal invariant of the ledger failed: this is a bug, not a refusal."""


class ModelNotFound(PrivacyError, LookupError):
    """No such model version for this caller (another lender's answers the same)."""


class CardRefused(PrivacyError, ValueError):
    """A card breaks its contract's directions or the sharing policy: it may not score.

    ``violations`` lists each broken promise, naming the feature and its bins.
    """

    def __init__(self, message: str, violations: list[str]) -> None:
        super().__init__(message)
        self.violations = violations


class AllocationError(ValueError):
    """The configured allocations are not a valid division of the budget.

    An operator's configuration mistake, refused at start-up; never a caller's refusal, so
    it has no problem type.
    """
