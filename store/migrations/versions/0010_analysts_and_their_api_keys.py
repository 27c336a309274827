"""Analysts and their API keys

Regulators, auditors and researchers: accounts and hashed, scoped API keys, as lenders
have (``consent.analysts``). Statistics releases are made with one of these or a lender's.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:42:46.031316
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "analysts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('regulator', 'auditor', 'researcher')", name=op.f("ck_analysts_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysts")),
    )
    op.create_table(
        "analyst_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("analyst_id", sa.String(length=40), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scopes <> ''", name=op.f("ck_analyst_keys_some_scope")),
        sa.ForeignKeyConstraint(
            ["analyst_id"],
            ["analysts.id"],
            name=op.f("fk_analyst_keys_analyst_id_analysts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyst_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_analyst_keys_prefix")),
    )
    with op.batch_alter_table("analyst_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analyst_keys_analyst_id"), ["analyst_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("analyst_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analyst_keys_analyst_id"))

    op.drop_table("analyst_keys")
    op.drop_table("analysts")
