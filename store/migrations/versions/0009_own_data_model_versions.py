"""Own-data model versions

A model version says where its features come from (``source``: the feature contract, or a
lender's own file and mapping) and which lender owns it; an own-data version is never
active.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 02:08:58.290392
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="contract", nullable=False)
        )
        batch_op.add_column(sa.Column("lender_id", sa.String(length=40), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_model_versions_lender_id"), ["lender_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_model_versions_lender_id_lenders"),
            "lenders",
            ["lender_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_model_versions_source"), "source IN ('contract', 'own-data')"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_model_versions_own_data_never_active"),
            "source = 'contract' OR NOT active",
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_model_versions_own_data_never_active"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_model_versions_source"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_model_versions_lender_id_lenders"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_model_versions_lender_id"))
        batch_op.drop_column("lender_id")
        batch_op.drop_column("source")
