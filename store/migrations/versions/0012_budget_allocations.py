"""Budget allocations

Each person's spend per allocation (``privacy_allocation_accounts``) and the allocation a
release spent from (``privacy_releases.allocation``; null for releases made before, which
count against the total only, and for a lender's own file).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:20:36.401430
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "privacy_allocation_accounts",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("allocation", sa.String(length=48), nullable=False),
        sa.Column("spent_units", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "spent_units >= 0", name=op.f("ck_privacy_allocation_accounts_spent_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_privacy_allocation_accounts_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "subject_id", "allocation", name=op.f("pk_privacy_allocation_accounts")
        ),
    )
    with op.batch_alter_table("privacy_releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allocation", sa.String(length=48), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("privacy_releases", schema=None) as batch_op:
        batch_op.drop_column("allocation")

    op.drop_table("privacy_allocation_accounts")
