"""The ``dp`` package's own errors (no HTTP in them; ``service.errors`` maps them)."""

from __future__ import annotations

from typing import Any


class PrivacyError(Exception):
    """Base of every ``dp`` error."""

    problem_extensions: dict[str, Any]

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.problem_extensions = extensions


class BudgetExhausted(PrivacyError):
    """A release would take someone in its snapshot past the privacy budget.

    Nothing was charged and nothing was released. ``requested`` and ``remaining`` are
    zCDP rho (exact decimal strings) with their (epsilon, delta) equivalents.
    """


class InvalidQuery(PrivacyError, ValueError):
    """A statistics query names an unknown feature, statistic or group key, or no loss."""


class LedgerBug(RuntimeError):
    """An internal invariant of the ledger failed: this is a bug, not a refusal."""


class ModelNotFound(LookupError):
    """No such model version for this caller (another lender's answers the same)."""


class CardRefused(ValueError):
    """A card breaks its contract's directions or the sharing policy: it may not score.

    ``violations`` lists each broken promise, naming the feature and its bins.
    """

    def __init__(self, message: str, violations: list[str]) -> None:
        super().__init__(message)
        self.violations = violations
