"""mail: threads, messages (Russian full-text search), attachments, mailbox entries

Revision ID: 0004_internal_mail
Revises: 0003_mail_directory
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID

revision: str = "0004_internal_mail"
down_revision: str | None = "0003_mail_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_threads",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("started_by", UUID(as_uuid=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_threads"),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("thread_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("sender_id", UUID(as_uuid=True), nullable=False),
        sa.Column("sender_kind", sa.String(10), nullable=False),
        sa.Column("author_account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("addressed", JSONB(), nullable=False),
        sa.Column("reply_to_id", UUID(as_uuid=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "search",
            TSVECTOR(),
            sa.Computed("to_tsvector('russian', subject || ' ' || body)", persisted=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mail_messages"),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["mail_threads.id"],
            name="fk_mail_messages_thread_id_mail_threads",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_mail_messages_thread_id", "mail_messages", ["thread_id", "sent_at"])
    op.create_index("ix_mail_messages_search", "mail_messages", ["search"], postgresql_using="gin")
    op.create_table(
        "mail_attachments",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("message_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_attachments"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mail_messages.id"],
            name="fk_mail_attachments_message_id_mail_messages",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_mail_attachments_message_id", "mail_attachments", ["message_id"])
    op.create_table(
        "mailbox_entries",
        sa.Column("mailbox_id", UUID(as_uuid=True), nullable=False),
        sa.Column("message_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("thread_id", UUID(as_uuid=True), nullable=False),
        sa.Column("folder", sa.String(10), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("mailbox_id", "message_id", name="pk_mailbox_entries"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mail_messages.id"],
            name="fk_mailbox_entries_message_id_mail_messages",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("folder IN ('inbox', 'sent')", name="ck_mailbox_entries_folder"),
    )
    op.create_index(
        "ix_mailbox_entries_listing",
        "mailbox_entries",
        ["mailbox_id", "school_id", "folder", "delivered_at"],
    )
    op.create_index(
        "ix_mailbox_entries_unread",
        "mailbox_entries",
        ["mailbox_id", "school_id"],
        postgresql_where=sa.text("read_at IS NULL AND folder = 'inbox'"),
    )
    op.create_index("ix_mailbox_entries_message_id", "mailbox_entries", ["message_id"])


def downgrade() -> None:
    op.drop_table("mailbox_entries")
    op.drop_table("mail_attachments")
    op.drop_table("mail_messages")
    op.drop_table("mail_threads")
