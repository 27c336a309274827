"""The scoring package's own errors (no HTTP in them; ``service.errors`` maps them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


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


class ContractViolation(ValueError):
    """A payload or dataset names a prohibited or unknown field, or breaks the contract.

    ``problems`` lists every offending field, not only the first.
    """

    def __init__(self, problems: Iterable[FieldProblem], *, source: str = "payload") -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("a ContractViolation needs at least one problem (this is a bug)")
        self.source = source
        names = ", ".join(p.field for p in self.problems)
        super().__init__(
            f"the {source} breaks the feature contract in {len(self.problems)} field(s): {names}"
        )

    @property
    def problem_extensions(self) -> dict[str, Any]:
        """The offending fields as plain data, for an error response or a log."""
        return {"fields": [p.as_dict() for p in self.problems]}


class NoActiveModel(Exception):
    """No scoring model version is active, so nothing can be scored."""
