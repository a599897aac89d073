"""Closing periods: the period's closing version, the append-only history of closings and
reopenings, and the guard every dated write of the journal calls.

Revision ID: 0009_period_closing
Revises: 0008_final_marks (re-chained after merging main; written on 0007)
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0009_period_closing"
down_revision: str | None = "0008_final_marks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in step with journal.calendar.closing (LOCK_CLASS, SQLSTATE): the guard's shared
# lock of a school, which closing a period takes exclusively, and the error it raises.
CLOSED_ON = """
CREATE FUNCTION journal_closed_on(
    p_school uuid, p_class uuid, p_day date, p_half_grades smallint[]
) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    found text;
BEGIN
    -- Shared by every write, exclusive for a closing: a write that passed this check
    -- commits before a period can close, and one that waited sees the closing below
    -- (a VOLATILE function takes a fresh snapshot for each query in READ COMMITTED).
    PERFORM pg_advisory_xact_lock_shared(7245100, hashtext(p_school::text));
    -- The common case first: nothing of the school closed on that day (two probes of
    -- partial indexes that hold closed periods and years only), answered in one query.
    IF NOT EXISTS (
        SELECT FROM periods
        WHERE periods.school_id = p_school AND periods.closed_at IS NOT NULL
          AND periods.starts_on <= p_day AND periods.ends_on >= p_day
    ) AND NOT EXISTS (
        SELECT FROM academic_years
        WHERE academic_years.school_id = p_school AND academic_years.closed_at IS NOT NULL
          AND academic_years.starts_on <= p_day AND academic_years.ends_on >= p_day
    ) THEN
        RETURN NULL;
    END IF;
    SELECT 'period|' || periods.id || '|' || periods.kind || '|' || periods.number
    INTO found
    FROM periods
    JOIN classes ON classes.id = p_class
    LEFT OUTER JOIN grading_settings ON grading_settings.school_id = p_school
    WHERE periods.school_id = p_school
      AND periods.closed_at IS NOT NULL
      AND periods.starts_on <= p_day AND periods.ends_on >= p_day
      AND periods.kind = CASE
          WHEN classes.grade = ANY (coalesce(grading_settings.half_year_grades, p_half_grades))
          THEN 'half' ELSE 'quarter' END
    LIMIT 1;
    IF found IS NOT NULL THEN
        RETURN found;
    END IF;
    SELECT 'year|' || academic_years.id || '|' || academic_years.name
    INTO found
    FROM academic_years
    WHERE academic_years.school_id = p_school
      AND academic_years.closed_at IS NOT NULL
      AND academic_years.starts_on <= p_day AND academic_years.ends_on >= p_day
    LIMIT 1;
    RETURN found;
END $$
"""

REQUIRE_OPEN = """
CREATE FUNCTION journal_require_open(
    p_school uuid, p_class uuid, p_day date, p_half_grades smallint[]
) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    found text := journal_closed_on(p_school, p_class, p_day, p_half_grades);
BEGIN
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'period-closed' USING ERRCODE = 'JC409', DETAIL = found;
    END IF;
    RETURN true;
END $$
"""


def upgrade() -> None:
    # Orders the period's journal.period.closed/reopened events (subject period/<id>).
    op.add_column("periods", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    # The guard probes closed periods and years only: these stay tiny.
    op.create_index(
        "ix_periods_closed",
        "periods",
        ["school_id", "starts_on"],
        postgresql_where=sa.text("closed_at IS NOT NULL"),
    )
    op.create_index(
        "ix_academic_years_closed",
        "academic_years",
        ["school_id", "starts_on"],
        postgresql_where=sa.text("closed_at IS NOT NULL"),
    )
    # No foreign key to periods: the history outlives a period a calendar edit removes
    # (only an open one can be removed), and append-only rows cannot cascade.
    op.create_table(
        "period_closings",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("period_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("changed_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("reason", sa.Text()),
        sa.CheckConstraint(
            "action IN ('closed', 'reopened')", name="ck_period_closings_action_known"
        ),
        sa.UniqueConstraint("period_id", "version", name="uq_period_closings_period_id_version"),
    )
    op.execute(
        """
        CREATE FUNCTION period_closings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'period_closings is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER period_closings_no_update_or_delete BEFORE UPDATE OR DELETE"
        " ON period_closings FOR EACH ROW EXECUTE FUNCTION period_closings_append_only()"
    )
    op.execute(
        "CREATE TRIGGER period_closings_no_truncate BEFORE TRUNCATE ON period_closings"
        " FOR EACH STATEMENT EXECUTE FUNCTION period_closings_append_only()"
    )
    op.execute(CLOSED_ON)
    op.execute(REQUIRE_OPEN)


def downgrade() -> None:
    op.execute("DROP FUNCTION journal_require_open(uuid, uuid, date, smallint[])")
    op.execute("DROP FUNCTION journal_closed_on(uuid, uuid, date, smallint[])")
    op.drop_table("period_closings")
    op.execute("DROP FUNCTION period_closings_append_only()")
    op.drop_index("ix_academic_years_closed", "academic_years")
    op.drop_index("ix_periods_closed", "periods")
    op.drop_column("periods", "version")
