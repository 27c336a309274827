"""Subject facts and the audit-only protected attributes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:41:55.748433
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_protected_attributes",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("protected_group", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_audit_protected_attributes_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_audit_protected_attributes")),
    )
    op.create_table(
        "subject_facts",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("rent_on_time_12m", sa.Integer(), nullable=True),
        sa.Column("utility_late_months_12m", sa.Integer(), nullable=True),
        sa.Column("telecom_late_months_12m", sa.Integer(), nullable=True),
        sa.Column("income_regular_months_12m", sa.Integer(), nullable=False),
        sa.Column("median_net_inflow", sa.Float(), nullable=False),
        sa.Column("avg_eom_balance", sa.Float(), nullable=False),
        sa.Column("negative_balance_months_12m", sa.Integer(), nullable=False),
        sa.Column("savings_balance", sa.Float(), nullable=False),
        sa.Column("debt_service_ratio", sa.Float(), nullable=False),
        sa.Column("history_months", sa.Integer(), nullable=False),
        sa.Column("bureau_open_tradelines", sa.Integer(), nullable=True),
        sa.Column("bureau_utilisation", sa.Float(), nullable=True),
        sa.Column("bureau_delinquencies_24m", sa.Integer(), nullable=True),
        sa.Column("bureau_inquiries_6m", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_subject_facts_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_subject_facts")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("subject_facts")
    op.drop_table("audit_protected_attributes")
