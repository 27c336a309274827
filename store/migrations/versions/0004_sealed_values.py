"""Seal every value about a subject with per-subject data keys.

Facts and the audit attribute become sealed payloads, and the log records erasures.

Plaintext facts cannot be sealed here (a migration holds no keys), and every subject so far
is synthetic: the upgrade drops the plaintext rows and their synthetic subjects, and
`fairfile synth seed --if-empty` (run by `make run`) seeds a sealed population again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:55:31.439479
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.execute("DELETE FROM subject_facts")
    op.execute("DELETE FROM audit_protected_attributes")
    op.execute(
        "DELETE FROM subjects WHERE origin = 'synthetic' "
        "AND id NOT IN (SELECT subject_id FROM enrolments)"
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_log_entries_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('consent', 'access', 'erasure')")
    op.create_table(
        "data_keys",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("master_kid", sa.String(length=16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("rewrapped_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_data_keys_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_data_keys")),
    )
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_keys_master_kid"), ["master_kid"], unique=False)

    with op.batch_alter_table("audit_protected_attributes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_group", sa.LargeBinary(), nullable=False))
        batch_op.drop_column("protected_group")

    with op.batch_alter_table("subject_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=False))
        batch_op.drop_column("telecom_late_months_12m")
        batch_op.drop_column("utility_late_months_12m")
        batch_op.drop_column("bureau_open_tradelines")
        batch_op.drop_column("rent_on_time_12m")
        batch_op.drop_column("debt_service_ratio")
        batch_op.drop_column("bureau_delinquencies_24m")
        batch_op.drop_column("bureau_utilisation")
        batch_op.drop_column("negative_balance_months_12m")
        batch_op.drop_column("median_net_inflow")
        batch_op.drop_column("avg_eom_balance")
        batch_op.drop_column("savings_balance")
        batch_op.drop_column("income_regular_months_12m")
        batch_op.drop_column("bureau_inquiries_6m")
        batch_op.drop_column("history_months")
    op.create_table(
        "fact_disputes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("feature", sa.String(length=48), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("opened_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("resolution", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('upheld', 'rejected')",
            name=op.f("ck_fact_disputes_outcome"),
        ),
        sa.CheckConstraint(
            "(resolved_at IS NULL) = (resolved_by IS NULL) AND "
            "(resolved_at IS NULL) = (outcome IS NULL) AND "
            "(resolved_at IS NULL) = (resolution IS NULL)",
            name=op.f("ck_fact_disputes_resolution_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_fact_disputes_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_disputes")),
    )
    with op.batch_alter_table("fact_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fact_disputes_subject_id"), ["subject_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision (sealed values cannot be unsealed here: they are dropped)."""
    with op.batch_alter_table("fact_disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fact_disputes_subject_id"))
    op.drop_table("fact_disputes")
    op.execute("DELETE FROM subject_facts")
    op.execute("DELETE FROM audit_protected_attributes")
    op.execute("DELETE FROM log_entries WHERE kind = 'erasure'")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_log_entries_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('consent', 'access')")

    with op.batch_alter_table("subject_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("history_months", sa.INTEGER(), nullable=False))
        batch_op.add_column(sa.Column("bureau_inquiries_6m", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("income_regular_months_12m", sa.INTEGER(), nullable=False))
        batch_op.add_column(sa.Column("savings_balance", sa.FLOAT(), nullable=False))
        batch_op.add_column(sa.Column("avg_eom_balance", sa.FLOAT(), nullable=False))
        batch_op.add_column(sa.Column("median_net_inflow", sa.FLOAT(), nullable=False))
        batch_op.add_column(sa.Column("negative_balance_months_12m", sa.INTEGER(), nullable=False))
        batch_op.add_column(sa.Column("bureau_utilisation", sa.FLOAT(), nullable=True))
        batch_op.add_column(sa.Column("bureau_delinquencies_24m", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("debt_service_ratio", sa.FLOAT(), nullable=False))
        batch_op.add_column(sa.Column("rent_on_time_12m", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("bureau_open_tradelines", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("utility_late_months_12m", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("telecom_late_months_12m", sa.INTEGER(), nullable=True))
        batch_op.drop_column("payload")

    with op.batch_alter_table("audit_protected_attributes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protected_group", sa.VARCHAR(length=16), nullable=False))
        batch_op.drop_column("sealed_group")

    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_master_kid"))

    op.drop_table("data_keys")
