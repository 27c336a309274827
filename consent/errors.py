"""Consent's own exceptions: plain domain errors, with no HTTP in them.

``service/web/errors.py`` maps each to a problem type. ``problem_extensions`` carries the
structured detail a client needs (what is missing, what to do next).
"""

from __future__ import annotations

from enum import StrEnum

from store import Refusal


class ConsentError(Refusal):
    """Base of every consent error."""


class InvalidPurpose(ConsentError, ValueError):
    """The purpose is unknown, or a share names no lender (or a non-share names one)."""


class InvalidGrant(ConsentError, ValueError):
    """A grant or renewal asks for no category, or a period outside 1 to 365 days."""


class UnknownLender(ConsentError):
    """A share names a lender that does not exist."""


class NotEnrolled(ConsentError):
    """The person has not enrolled, so nothing can be granted yet."""


class NoticeOutdated(ConsentError):
    """The grant quotes a notice version that is no longer the current one."""


class ConsentConflict(ConsentError):
    """The change does not fit the consent's state (for example granting an active one)."""


class ConsentNotFound(ConsentError):
    """No such consent for this person (also said for someone else's consent)."""


class ConsentMissing(ConsentError):
    """A read was refused: no active consent covers this purpose and these categories."""

    def __init__(self, *, subject_purpose: str, missing: list[str]) -> None:
        super().__init__(
            f"no active consent for purpose {subject_purpose} covers the data categories: "
            + ", ".join(missing),
            purpose=subject_purpose,
            missing_categories=missing,
        )
        self.missing = missing


class KeyNotFound(ConsentError):
    """No such key (by id or prefix), or no such holder."""


class ScopeMissing(ConsentError):
    """The key is valid but lacks the scope this call needs."""

    def __init__(self, scope: StrEnum) -> None:
        super().__init__(f"this key lacks the scope {scope.value}", required_scope=scope.value)


class ProofUnavailable(ConsentError):
    """The asked-for entry or tree size does not exist (yet)."""
