"""Token kinds: api bearer tokens and ui session handles

An access token is of kind ``api`` (sent as a bearer token) or ``ui`` (the web UI's session
handle, accepted only from its cookie). Tokens made before are ``api``: a web UI session
open during the upgrade signs in again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 16:13:17.128254
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="api", nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_access_tokens_kind"), "kind IN ('api', 'ui')"
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_access_tokens_kind"), type_="check")
        batch_op.drop_column("kind")
