"""initial: schools, accounts and roles, roster projection, logins, signing keys, refresh tokens

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def upgrade() -> None:
    op.create_table(
        "schools",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_schools"),
    )

    op.create_table(
        "accounts",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("login", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("person_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("last_name", sa.String(100), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("middle_name", sa.String(100), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_accounts_school_id_schools"
        ),
        sa.CheckConstraint("kind IN ('staff', 'student', 'parent')", name="ck_accounts_kind"),
        sa.CheckConstraint(
            "(kind = 'staff' AND person_id IS NULL AND last_name IS NOT NULL "
            "AND first_name IS NOT NULL) OR (kind <> 'staff' AND person_id IS NOT NULL "
            "AND last_name IS NULL AND first_name IS NULL AND middle_name IS NULL)",
            name="ck_accounts_identity",
        ),
    )
    op.create_index("ix_accounts_school_id", "accounts", ["school_id"])
    op.create_index("uq_accounts_login_ci", "accounts", [sa.text("lower(login)")], unique=True)
    op.create_index(
        "uq_accounts_person_id",
        "accounts",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("person_id IS NOT NULL"),
    )

    op.create_table(
        "account_roles",
        sa.Column("account_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "role", name="pk_account_roles"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            ondelete="CASCADE",
            name="fk_account_roles_account_id_accounts",
        ),
    )

    op.create_table(
        "roster_people",
        sa.Column("person_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("person_id", name="pk_roster_people"),
        sa.CheckConstraint("kind IN ('student', 'guardian')", name="ck_roster_people_kind"),
    )
    op.create_index("ix_roster_people_school_id", "roster_people", ["school_id"])

    op.create_table(
        "guardianships",
        sa.Column("guardian_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("student_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("guardian_id", "student_id", name="pk_guardianships"),
    )

    op.create_table(
        "login_failures",
        sa.Column("login_digest", sa.String(64), nullable=False),
        sa.Column("account_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login_digest", name="pk_login_failures"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            ondelete="CASCADE",
            name="fk_login_failures_account_id_accounts",
        ),
    )
    op.create_index("ix_login_failures_account_id", "login_failures", ["account_id"])

    op.create_table(
        "login_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("account_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_login_audit"),
    )
    op.create_index("ix_login_audit_account_id", "login_audit", ["account_id"])
    op.create_index("ix_login_audit_school_id_at", "login_audit", ["school_id", "at"])

    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_jwk", postgresql.JSONB(), nullable=False),
        _created_at(),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_keys"),
    )

    op.create_table(
        "refresh_tokens",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("family_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            ondelete="CASCADE",
            name="fk_refresh_tokens_account_id_accounts",
        ),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_index("ix_refresh_tokens_account_id", "refresh_tokens", ["account_id"])

    create_outbox_and_inbox()


def downgrade() -> None:
    drop_outbox_and_inbox()
    for table in (
        "refresh_tokens",
        "signing_keys",
        "login_audit",
        "login_failures",
        "guardianships",
        "roster_people",
        "account_roles",
        "accounts",
        "schools",
    ):
        op.drop_table(table)
