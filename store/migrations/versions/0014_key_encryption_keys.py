"""Key-encryption keys

``data_keys.master_kid`` becomes ``kek_id``: the id of the key-encryption key (a file
outside the database, ``store.keks``) that wraps the row. Existing rows keep the id of the
master key that wraps them, which the vault still opens as the legacy "KEK 0" until the
first ``fairfile keys rotate`` re-wraps them under a KEK; nothing is re-encrypted here.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:49:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_master_kid"))
        batch_op.alter_column("master_kid", new_column_name="kek_id")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_keys_kek_id"), ["kek_id"], unique=False)


def downgrade() -> None:
    """Revert this revision (rows under a KEK then name a key the old code cannot open)."""
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_keys_kek_id"))
        batch_op.alter_column("kek_id", new_column_name="master_kid")
    with op.batch_alter_table("data_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_keys_master_kid"), ["master_kid"], unique=False)
