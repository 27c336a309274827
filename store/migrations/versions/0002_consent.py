"""Consent: lenders, enrolments, consents, events, receipts, sign-in, transparency log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:38:16.360302
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "lenders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lenders")),
    )
    op.create_table(
        "log_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('consent', 'access')", name=op.f("ck_log_entries_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_entries")),
        sa.UniqueConstraint("leaf_index", name=op.f("uq_log_entries_leaf_index")),
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_log_entries_subject_ref"), ["subject_ref"], unique=False
        )

    sequencer = op.create_table(
        "log_sequencer",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_sequencer")),
    )
    # The one row whose lock serialises sequencing of the transparency log.
    op.bulk_insert(sequencer, [{"id": 1, "next_index": 0}])
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_tree_heads")),
    )
    op.create_table(
        "access_tokens",
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_access_tokens_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("secret_hash", name=op.f("pk_access_tokens")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_tokens_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=48), nullable=False),
        sa.Column("categories", sa.String(length=120), nullable=False),
        sa.Column("notice_version", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("period_started_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("categories <> ''", name=op.f("ck_consents_some_category")),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_by IS NULL)",
            name=op.f("ck_consents_withdrawn_pair"),
        ),
        sa.CheckConstraint("expires_at > period_started_at", name=op.f("ck_consents_period_order")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_consents_revision_positive")),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_consents_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("subject_id", "purpose", name="uq_consents_subject_purpose"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consents_purpose_expires", ["purpose", "expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consents_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("enrolled_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("notice_version", sa.String(length=32), nullable=False),
        sa.CheckConstraint("channel IN ('api', 'ui')", name=op.f("ck_enrolments_channel")),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_enrolments_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_enrolments")),
    )
    op.create_table(
        "sign_in_links",
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_sign_in_links_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("secret_hash", name=op.f("pk_sign_in_links")),
    )
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_links_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "consent_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=48), nullable=False),
        sa.Column("categories", sa.String(length=120), nullable=False),
        sa.Column("notice_version", sa.String(length=32), nullable=False),
        sa.Column("expires_at", store.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("receipt_id", sa.String(length=36), nullable=False),
        sa.CheckConstraint(
            "(kind = 'withdraw') = (expires_at IS NULL)", name=op.f("ck_consent_events_expiry_pair")
        ),
        sa.CheckConstraint("channel IN ('api', 'ui')", name=op.f("ck_consent_events_channel")),
        sa.CheckConstraint(
            "kind IN ('grant', 'renew', 'withdraw')", name=op.f("ck_consent_events_kind")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_consent_events_consent_id_consents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("consent_id", "revision", name="uq_consent_events_consent_revision"),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_consent_events_receipt_id")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_events_consent_id"), ["consent_id"], unique=False
        )

    op.create_table(
        "receipts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("consent_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", store.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("log_entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_receipts_consent_id_consents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["log_entry_id"], ["log_entries.id"], name=op.f("fk_receipts_log_entry_id_log_entries")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_receipts_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("log_entry_id", name=op.f("uq_receipts_log_entry_id")),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_consent_id"), ["consent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_subject_id"))
        batch_op.drop_index(batch_op.f("ix_receipts_consent_id"))

    op.drop_table("receipts")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_consent_id"))

    op.drop_table("consent_events")
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_links_subject_id"))

    op.drop_table("sign_in_links")
    op.drop_table("enrolments")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_subject_id"))
        batch_op.drop_index("ix_consents_purpose_expires")

    op.drop_table("consents")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_subject_id"))

    op.drop_table("access_tokens")
    op.drop_table("tree_heads")
    op.drop_table("log_sequencer")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entries_subject_ref"))

    op.drop_table("log_entries")
    op.drop_table("lenders")
