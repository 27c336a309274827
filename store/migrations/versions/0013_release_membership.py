"""Releases logged once, their members in a tree that hides how many they are

A DP release or training run is one ``log_entries`` row of kind ``release`` carrying the
root of its membership tree; each member's leaf and proof is a ``release_members`` row,
served only to that person (ADR 0020). Entries written before stay as they are (one per
member read).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_log_entries_kind"), type_="check")
        batch_op.create_check_constraint(
            "kind", "kind IN ('consent', 'access', 'erasure', 'release')"
        )
    op.create_table(
        "release_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("log_entry_id", sa.Integer(), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_entry_id"],
            ["log_entries.id"],
            name=op.f("fk_release_members_log_entry_id_log_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_members")),
    )
    with op.batch_alter_table("release_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_release_members_log_entry_id"), ["log_entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_release_members_subject_ref"), ["subject_ref"], unique=False
        )


def downgrade() -> None:
    """Revert this revision (release entries and their members go with it)."""
    with op.batch_alter_table("release_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_members_subject_ref"))
        batch_op.drop_index(batch_op.f("ix_release_members_log_entry_id"))
    op.drop_table("release_members")
    op.execute("DELETE FROM log_entries WHERE kind = 'release'")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_log_entries_kind"), type_="check")
        batch_op.create_check_constraint("kind", "kind IN ('consent', 'access', 'erasure')")
