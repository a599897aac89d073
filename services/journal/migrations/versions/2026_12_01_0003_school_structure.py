"""School structure: academic years, periods and holidays; grading settings; work types
that change (version) and are deactivated instead of deleted (active).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid(name: str) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), nullable=False)


def _dates() -> tuple[sa.Column[object], sa.Column[object]]:
    return (
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
    )


def upgrade() -> None:
    op.add_column(
        "work_types",
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "work_types", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )

    op.create_table(
        "academic_years",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        sa.Column("name", sa.String(16), nullable=False),
        *_dates(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("school_id", "starts_on", name="uq_academic_years_school_id_starts_on"),
        sa.CheckConstraint("ends_on > starts_on", name="ck_academic_years_ends_after_start"),
    )
    op.create_table(
        "periods",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("year_id"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        *_dates(),
        sa.UniqueConstraint("year_id", "kind", "number", name="uq_periods_year_id_kind_number"),
        sa.CheckConstraint("kind IN ('quarter', 'half')", name="ck_periods_kind_known"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_periods_ends_after_start"),
        sa.ForeignKeyConstraint(
            ["year_id"],
            ["academic_years.id"],
            name="fk_periods_year_id_academic_years",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_periods_school_id_starts_on", "periods", ["school_id", "starts_on"])
    op.create_table(
        "holidays",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("year_id"),
        sa.Column("name", sa.Text(), nullable=False),
        *_dates(),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_holidays_ends_after_start"),
        sa.ForeignKeyConstraint(
            ["year_id"],
            ["academic_years.id"],
            name="fk_holidays_year_id_academic_years",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_holidays_year_id", "holidays", ["year_id"])
    op.create_index("ix_holidays_school_id_starts_on", "holidays", ["school_id", "starts_on"])

    op.create_table(
        "grading_settings",
        sa.Column("school_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("rounding_rule", sa.String(16), nullable=False),
        sa.Column("min_marks_per_period", sa.SmallInteger(), nullable=False),
        sa.Column("late_entry_days", sa.SmallInteger(), nullable=False),
        sa.Column("lock_after_days", sa.SmallInteger(), nullable=False),
        sa.Column("half_year_grades", ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("updated_by"),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "rounding_rule IN ('from_0_50', 'from_0_60', 'from_0_65')",
            name="ck_grading_settings_rounding_rule_known",
        ),
        sa.CheckConstraint(
            "min_marks_per_period BETWEEN 1 AND 30", name="ck_grading_settings_min_marks_range"
        ),
        sa.CheckConstraint(
            "late_entry_days BETWEEN 1 AND 365", name="ck_grading_settings_late_entry_days_range"
        ),
        sa.CheckConstraint(
            "lock_after_days BETWEEN 1 AND 365", name="ck_grading_settings_lock_after_days_range"
        ),
    )


def downgrade() -> None:
    op.drop_table("grading_settings")
    op.drop_table("holidays")
    op.drop_table("periods")
    op.drop_table("academic_years")
    op.drop_column("work_types", "version")
    op.drop_column("work_types", "active")
