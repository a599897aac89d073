"""sealed_years and sealed_files: the years sealed into the archive storage, the files
each seal stored and their SHA-256

Revision ID: 0004_sealed_years
Revises: 0003_token_revocations
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0004_sealed_years"
down_revision: str | None = "0003_token_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sealed_years",
        sa.Column("year_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(16), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("expected_manifest", JSONB(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("requested_at", MOMENT, nullable=False, server_default=sa.func.now()),
        sa.Column("sealed_at", MOMENT, nullable=True),
        sa.Column("manifest_sha256", sa.String(64), nullable=True),
        sa.Column("public_key_sha256", sa.String(64), nullable=True),
        sa.Column("certificate_sha256", sa.String(64), nullable=True),
        sa.Column("class_journals", sa.Integer(), nullable=True),
        sa.Column("detailed_purged_at", MOMENT, nullable=True),
        sa.Column("summary_purged_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("year_id", name="pk_sealed_years"),
        sa.CheckConstraint(
            "status IN ('pending', 'refused', 'sealed')", name="ck_sealed_years_status"
        ),
    )
    op.create_index("ix_sealed_years_school", "sealed_years", ["school_id", "ends_on"])
    op.create_table(
        "sealed_files",
        sa.Column("file_id", UUID(as_uuid=True), nullable=False),
        sa.Column("year_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("class_id", UUID(as_uuid=True), nullable=True),
        sa.Column("class_name", sa.String(50), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", MOMENT, nullable=False, server_default=sa.func.now()),
        sa.Column("purged_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("file_id", name="pk_sealed_files"),
        sa.ForeignKeyConstraint(
            ["year_id"],
            ["sealed_years.year_id"],
            name="fk_sealed_files_year_id_sealed_years",
        ),
        sa.UniqueConstraint("year_id", "path", name="uq_sealed_files_year_id_path"),
    )
    op.create_index("ix_sealed_files_school_year", "sealed_files", ["school_id", "year_id"])


def downgrade() -> None:
    op.drop_index("ix_sealed_files_school_year", table_name="sealed_files")
    op.drop_table("sealed_files")
    op.drop_index("ix_sealed_years_school", table_name="sealed_years")
    op.drop_table("sealed_years")
