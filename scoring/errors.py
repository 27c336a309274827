"""The scoring package's own errors (no HTTP in them; ``service.web.errors`` maps them).

``ScoringError`` is the base of every refusal: ``problem_extensions`` carries the
structured detail a client needs (the offending fields of a contract violation, the row
report of a dirty file), never a person's values. ``RecourseBug`` is not a refusal: it
says an internal invariant failed (``store.errors.InternalBug``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Final

from store import InternalBug, Refusal

#: The most problems a dirty file's report lists (it still counts them all).
MAX_REPORTED: Final = 100


class Offence(StrEnum):
    """Why a field was refused."""

    PROHIBITED = "prohibited"
    UNKNOWN = "unknown"
    OUT_OF_RANGE = "out_of_range"
    WRONG_TYPE = "wrong_type"
    MISSING = "missing"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


@dataclass(frozen=True)
class FieldProblem:
    """One offending field: its name as given, the offence, and why.

    ``category`` is the prohibited list's category (``social``, ``behavioural``,
    ``location``, ``protected``) for a prohibited field. Values are never copied into a
    problem: they may be a person's data.
    """

    field: str
    offence: Offence
    reason: str
    category: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the problem as plain data, without empty members."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class RowProblem:
    """One problem of a file: its row (``None`` for the whole column), column and why."""

    row: int | None
    column: str
    problem: str


class ScoringError(Refusal):
    """Base of every ``scoring`` refusal."""


class ContractViolation(ScoringError, ValueError):
    """A payload or dataset names a prohibited or unknown field, or breaks the contract.

    ``problems`` lists every offending field, not only the first; ``problem_extensions``
    carries them as plain data (``fields``).
    """

    def __init__(self, problems: Iterable[FieldProblem], *, source: str = "payload") -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("a ContractViolation needs at least one problem (this is a bug)")
        self.source = source
        names = ", ".join(p.field for p in self.problems)
        super().__init__(
            f"the {source} breaks the feature contract in {len(self.problems)} field(s): {names}",
            fields=[p.as_dict() for p in self.problems],
        )


class DirtyFile(ScoringError, ValueError):
    """The file breaks its mapping; nothing was imported. ``problems`` says where.

    ``total`` counts every problem; ``problems`` lists the first ``MAX_REPORTED``;
    ``problem_extensions`` carries the row-level report as plain data (values are never
    included).
    """

    def __init__(self, problems: Iterable[RowProblem], total: int = 0) -> None:
        self.problems: tuple[RowProblem, ...] = tuple(problems)[:MAX_REPORTED]
        if not self.problems:
            raise ValueError("a DirtyFile needs at least one problem (this is a bug)")
        self.total = max(total, len(self.problems))
        rows = {p.row for p in self.problems if p.row is not None}
        where = f" (first in row {min(rows)})" if rows else ""
        super().__init__(
            f"the file was refused: {self.total} problem(s){where}; nothing was imported",
            problems_total=self.total,
            problems=[asdict(p) for p in self.problems],
        )


class NoActiveModel(ScoringError):
    """No scoring model version is active, so nothing can be scored."""


class DecisionError(ScoringError):
    """A decision cannot be made or changed (no active model, an update attempt)."""


class DecisionNotFound(ScoringError):
    """No such decision for this person."""


class StatementNotFound(ScoringError):
    """No minimised bank statement is held for this person."""


class ReviewError(ScoringError):
    """A review cannot be opened or resolved in its current state."""


class DisputeError(ScoringError):
    """A dispute cannot be opened or resolved in its current state."""


class IdempotencyConflict(ScoringError):
    """The idempotency key was used before for a different request (or is in flight)."""


class RecourseBug(InternalBug):
    """A recourse failed its own re-scoring proof: a bug, never the person's fault."""
