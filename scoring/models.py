"""The table of each subject's contract facts.

One row per subject, one column per feature of ``scoring.contract`` (a test keeps the two
the same). Plain columns for now; the facts are to be encrypted per subject later.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store import Base, CreatedAt


class SubjectFacts(Base):
    """A subject's facts as the contract defines them; NULL where a fact is missing."""

    __tablename__ = "subject_facts"

    subject_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    recorded_at: Mapped[CreatedAt]
    rent_on_time_12m: Mapped[int | None]
    utility_late_months_12m: Mapped[int | None]
    telecom_late_months_12m: Mapped[int | None]
    income_regular_months_12m: Mapped[int]
    median_net_inflow: Mapped[float] = mapped_column(Float)
    avg_eom_balance: Mapped[float] = mapped_column(Float)
    negative_balance_months_12m: Mapped[int]
    savings_balance: Mapped[float] = mapped_column(Float)
    debt_service_ratio: Mapped[float] = mapped_column(Float)
    history_months: Mapped[int]
    bureau_open_tradelines: Mapped[int | None]
    bureau_utilisation: Mapped[float | None] = mapped_column(Float)
    bureau_delinquencies_24m: Mapped[int | None]
    bureau_inquiries_6m: Mapped[int | None]
