"""external sign-in (OpenID Connect): accounts linked to a provider's subjects, and the
flows started at the provider (state, nonce, PKCE verifier)

Revision ID: 0007_external_identities
Revises: 0006_sessions_and_signin
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0007_external_identities"
down_revision: str | None = "0006_sessions_and_signin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "external_identities",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_external_identities"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_external_identities_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("issuer", "subject", name="uq_external_identities_issuer_subject"),
        sa.UniqueConstraint(
            "account_id", "issuer", name="uq_external_identities_account_id_issuer"
        ),
    )
    op.create_table(
        "oidc_flows",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oidc_flows"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_oidc_flows_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("purpose IN ('sign_in', 'link')", name="ck_oidc_flows_purpose"),
    )
    op.create_index("ix_oidc_flows_expires_at", "oidc_flows", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_flows_expires_at", table_name="oidc_flows")
    op.drop_table("oidc_flows")
    op.drop_table("external_identities")
