"""activation codes, accounts pending activation, a parent's roster ids in several schools,
students' classes, the append-only audit trail, consents

Revision ID: 0005_activation_codes
Revises: 0004_service_clients
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0005_activation_codes"
down_revision: str | None = "0004_service_clients"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[sa.DateTime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def upgrade() -> None:
    # An issued account has no password until its holder sets one with the code.
    op.alter_column("accounts", "password_hash", nullable=True)
    op.add_column(
        "accounts", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )

    op.add_column("roster_people", sa.Column("class_id", UUID(as_uuid=True)))
    op.add_column(
        "roster_people",
        sa.Column("class_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_roster_people_class_id", "roster_people", ["class_id"])

    op.create_table(
        "account_people",
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_account_people_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_account_people"),
    )
    op.create_index("ix_account_people_account_id", "account_people", ["account_id"])

    op.create_table(
        "activation_codes",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("issued_by", UUID(as_uuid=True)),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_activation_codes_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_activation_codes"),
    )
    op.create_index(
        "uq_activation_codes_live",
        "activation_codes",
        ["account_id"],
        unique=True,
        postgresql_where=sa.text("used_at IS NULL AND revoked_at IS NULL"),
    )

    op.create_table(
        "audit_trail",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", UUID(as_uuid=True)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("account_id", UUID(as_uuid=True)),
        sa.Column("detail", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.PrimaryKeyConstraint("id", name="pk_audit_trail"),
    )
    op.create_index("ix_audit_trail_school_id_at", "audit_trail", ["school_id", "at"])
    op.create_index("ix_audit_trail_account_id", "audit_trail", ["account_id"])
    # Append-only for the application's role, as journal's history tables: a trigger
    # refuses every change and removal (only a migration, as the owner, may drop it).
    op.execute(
        """
        CREATE FUNCTION audit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_trail is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_trail_no_update_or_delete BEFORE UPDATE OR DELETE"
        " ON audit_trail FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only()"
    )

    op.create_table(
        "consents",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("student_id", UUID(as_uuid=True), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('portal_marks', 'district_systems', 'email_notifications')",
            name="ck_consents_purpose",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_consents_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "student_id", "purpose", name="pk_consents"),
    )


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_table("audit_trail")
    op.execute("DROP FUNCTION audit_trail_append_only()")
    op.drop_table("activation_codes")
    op.drop_table("account_people")
    op.drop_index("ix_roster_people_class_id", "roster_people")
    op.drop_column("roster_people", "class_version")
    op.drop_column("roster_people", "class_id")
    op.drop_column("accounts", "version")
    op.execute("DELETE FROM accounts WHERE password_hash IS NULL")
    op.alter_column("accounts", "password_hash", nullable=False)
