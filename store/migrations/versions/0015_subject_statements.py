"""Subject statements

Each subject's minimised bank statement (the closed format: per booked transaction its
day, amount, direction and counterparty kind), sealed under the subject's data key; one
row per subject, replaced when they connect a bank again. All that Fairfile keeps of a
person's bank data (``scoring.ingest.banks``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "subject_statements",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("shape", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_subject_statements_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_subject_statements")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("subject_statements")
