"""Purposes a person grants consent for, each with versioned notice text.

A purpose is one of ``scoring``, ``training``, ``statistics`` or ``share:<lender>``. The
notice text a person is shown is versioned: a grant records the version it was given
under, and a grant quoting an outdated version is refused, so every consent can be traced
to the exact words the person read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .errors import InvalidPurpose

_LENDER = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class PurposeKind(StrEnum):
    """What the data is used for. Stored as its value; only ever added to."""

    SCORING = "scoring"
    SHARE = "share"
    TRAINING = "training"
    STATISTICS = "statistics"


@dataclass(frozen=True, order=True)
class Purpose:
    """A purpose, with the lender it names when it is a share.

    >>> Purpose.parse("share:acme-bank")
    Purpose(kind=<PurposeKind.SHARE: 'share'>, lender='acme-bank')
    >>> str(Purpose.parse("scoring"))
    'scoring'
    """

    kind: PurposeKind
    lender: str = ""

    def __post_init__(self) -> None:
        if (self.kind is PurposeKind.SHARE) != bool(self.lender):
            raise InvalidPurpose(
                "a share names exactly one lender (share:<lender>); no other purpose names one"
            )
        if self.lender and not _LENDER.match(self.lender):
            raise InvalidPurpose(f"{self.lender!r} is not a lender identifier")

    @classmethod
    def parse(cls, text: str) -> Purpose:
        """Read ``scoring``, ``training``, ``statistics`` or ``share:<lender>``."""
        kind, _, lender = text.partition(":")
        try:
            parsed = PurposeKind(kind)
        except ValueError:
            known = ", ".join(k.value for k in PurposeKind if k is not PurposeKind.SHARE)
            raise InvalidPurpose(
                f"unknown purpose {text!r}; use one of {known} or share:<lender>"
            ) from None
        return cls(parsed, lender)

    def __str__(self) -> str:
        return f"share:{self.lender}" if self.lender else self.kind.value


@dataclass(frozen=True)
class Notice:
    """The words shown to a person before they grant a purpose."""

    kind: PurposeKind
    version: str
    title: str
    text: str


NOTICES: Final[dict[PurposeKind, Notice]] = {
    PurposeKind.SCORING: Notice(
        PurposeKind.SCORING,
        "2026-11-01",
        "Compute my score and its explanation",
        "Fairfile uses only the data categories you tick to compute a credit score and "
        "explain it: every point, the main reasons, and what change would alter it. It never "
        "uses social, behavioural or protected data. You can withdraw at any time; the next "
        "request for a score is then refused.",
    ),
    PurposeKind.SHARE: Notice(
        PurposeKind.SHARE,
        "2026-11-01",
        "Disclose my score and decision to a named lender",
        "The lender you name may request a decision about you and read the score, decision "
        "and the explanation of it, computed from the data categories you tick. Nothing is "
        "disclosed to any other lender. Withdrawing stops the lender's access at once.",
    ),
    PurposeKind.TRAINING: Notice(
        PurposeKind.TRAINING,
        "2026-11-01",
        "Include my data when the model is retrained",
        "When Fairfile retrains its scoring model, your data in the categories you tick is "
        "included, under differential privacy: the model cannot reveal whether you were in "
        "the training data. Withdrawing removes you from every later training run.",
    ),
    PurposeKind.STATISTICS: Notice(
        PurposeKind.STATISTICS,
        "2026-11-01",
        "Include me in published statistics",
        "Fairfile publishes aggregate statistics (counts, rates, averages) to lenders and "
        "regulators, with differential-privacy noise so that no statistic reveals whether you "
        "are in it. Withdrawing removes you from every later statistic.",
    ),
}

#: The notice a person accepts when they enrol.
ENROLMENT_NOTICE: Final = Notice(
    PurposeKind.SCORING,
    "2026-11-01",
    "Enrol in Fairfile",
    "Enrolling creates your Fairfile record and nothing more: no data is read, scored, "
    "shared, trained on or counted until you grant a purpose, one at a time, for the data "
    "categories you choose. Fairfile never uses social data (contacts, friends), behavioural "
    "data (purchases, merchants, gaming, browsing, app use) or protected attributes (sex, "
    "age, ethnicity, religion, marital status, nationality, disability).",
)


def notice_for(purpose: Purpose) -> Notice:
    """Return the current notice for ``purpose``."""
    return NOTICES[purpose.kind]
