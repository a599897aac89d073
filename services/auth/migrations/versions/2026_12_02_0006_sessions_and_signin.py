"""sessions (one per sign-in: the sid of its access tokens and its audience), known
devices, the login attempts' schedule, and signing keys published ahead of signing

Revision ID: 0006_sessions_and_signin
Revises: 0005_token_revocations
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision: str = "0006_sessions_and_signin"
down_revision: str | None = "0005_token_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("audience", ARRAY(sa.String(32)), nullable=False),
        sa.Column("client", sa.String(200)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_sessions_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_sessions_account_id_live",
        "sessions",
        ["account_id"],
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    # The families of refresh tokens issued before sessions existed become sessions.
    op.execute(
        """
        INSERT INTO sessions (id, account_id, school_id, audience, created_at, last_used_at,
                              expires_at, revoked_at)
        SELECT family_id, min(account_id::text)::uuid, min(school_id::text)::uuid,
               '{auth,journal,messaging,reporting,archive}', min(created_at), max(created_at), max(expires_at),
               CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
        FROM refresh_tokens GROUP BY family_id
        """
    )
    op.create_table(
        "known_devices",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_check_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_known_devices"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_known_devices_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_known_devices_account_id", "known_devices", ["account_id"])
    op.add_column("login_failures", sa.Column("next_check_at", sa.DateTime(timezone=True)))
    op.add_column(
        "signing_keys",
        sa.Column(
            "activates_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    op.execute("UPDATE signing_keys SET activates_at = created_at")


def downgrade() -> None:
    op.drop_column("signing_keys", "activates_at")
    op.drop_column("login_failures", "next_check_at")
    op.drop_table("known_devices")
    op.drop_table("sessions")
