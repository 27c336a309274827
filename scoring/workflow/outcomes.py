"""Each subject's observed repayment outcome and coarse region, sealed, and never model inputs.

Two small tables, one sealed value each, kept apart from the facts
(``scoring.contract.models.SubjectFacts``) on purpose:

* ``subject_outcomes`` holds the **training label**: whether the subject defaulted within
  12 months of their facts being recorded. A model learns to predict it; it is never an
  input to a score.
* ``subject_regions`` holds the subject's **coarse region** (one of ``REGIONS``, the four
  US Census regions). It is a public group key for DP statistics (the list of regions is
  declared, so grouping by it reveals nothing); it is never an input to a score either,
  since the feature contract is financial-only.

In the sandbox the synthetic truth is the only source of either value: ``fairfile synth
seed`` writes each seeded person's drawn outcome and region here. Each value is sealed
under the subject's data key with ``store.vault`` like every other value about them, so
erasing a person's key turns their rows into noise.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from store import Base, CreatedAt, Vault

OUTCOMES_TABLE = "subject_outcomes"
REGIONS_TABLE = "subject_regions"

#: The declared coarse regions (the four US Census regions): public group keys.
REGIONS: tuple[str, ...] = ("northeast", "midwest", "south", "west")

_DEFAULTED = b"1"
_REPAID = b"0"


class SubjectOutcome(Base):
    """A subject's observed 12-month repayment outcome (the training label), sealed."""

    __tablename__ = OUTCOMES_TABLE

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_at: Mapped[CreatedAt]
    sealed_defaulted: Mapped[bytes] = mapped_column(LargeBinary)


class SubjectRegion(Base):
    """A subject's coarse region (a statistics group key), sealed."""

    __tablename__ = REGIONS_TABLE

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_at: Mapped[CreatedAt]
    sealed_region: Mapped[bytes] = mapped_column(LargeBinary)


def seal_outcome(session: Session, *, vault: Vault, subject_id: str, defaulted: bool) -> bytes:
    """Return the sealed outcome of a subject (``True``: defaulted within 12 months)."""
    return vault.seal(
        session,
        subject_id=subject_id,
        table=OUTCOMES_TABLE,
        column="sealed_defaulted",
        plaintext=_DEFAULTED if defaulted else _REPAID,
    )


def seal_region(session: Session, *, vault: Vault, subject_id: str, region: str) -> bytes:
    """Return the sealed region of a subject.

    Raises:
        ValueError: ``region`` is not one of ``REGIONS``.
    """
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; expected one of {REGIONS}")
    return vault.seal(
        session,
        subject_id=subject_id,
        table=REGIONS_TABLE,
        column="sealed_region",
        plaintext=region.encode(),
    )


def get_outcome(session: Session, *, vault: Vault, subject_id: str) -> bool | None:
    """Return whether the subject defaulted within 12 months, or None if not observed.

    Raises:
        store.vault.SealError: the stored value was tampered with or moved, or the key is
            gone; never wrong data.
    """
    row = session.get(SubjectOutcome, subject_id)
    if row is None:
        return None
    plain = vault.open(
        session,
        subject_id=subject_id,
        table=OUTCOMES_TABLE,
        column="sealed_defaulted",
        sealed=row.sealed_defaulted,
    )
    return plain == _DEFAULTED


def get_region(session: Session, *, vault: Vault, subject_id: str) -> str | None:
    """Return the subject's region, or None if none is held.

    Raises:
        store.vault.SealError: as for ``get_outcome``.
    """
    row = session.get(SubjectRegion, subject_id)
    if row is None:
        return None
    return vault.open(
        session,
        subject_id=subject_id,
        table=REGIONS_TABLE,
        column="sealed_region",
        sealed=row.sealed_region,
    ).decode()
