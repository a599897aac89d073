"""The roster with dates and history: enrollment dates, class groups and memberships,
guardianship kinds and tombstones, guardians' addresses, the roster's append-only change
history, and teachers' remarks.

Revision ID: 0005_roster_history
Revises: 0004_curriculum_plans
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0005_roster_history"
down_revision: str | None = "0004_curriculum_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), nullable=nullable)


def _created_at(name: str = "created_at") -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.add_column(
        "students", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )
    # Existing enrollments began when they were recorded.
    op.add_column("enrollments", sa.Column("starts_on", sa.Date(), nullable=True))
    op.execute("UPDATE enrollments SET starts_on = enrolled_at::date")
    op.alter_column(
        "enrollments", "starts_on", nullable=False, server_default=sa.text("CURRENT_DATE")
    )
    op.add_column("enrollments", sa.Column("ends_on", sa.Date()))
    op.execute(
        "UPDATE enrollments SET ends_on = GREATEST(left_at::date, starts_on) WHERE left_at IS NOT NULL"
    )
    op.add_column("enrollments", sa.Column("end_reason", sa.String(16)))
    op.execute(
        "ALTER TABLE enrollments ADD CONSTRAINT ck_enrollments_dates_in_order CHECK ("
        "ends_on IS NULL OR ends_on >= starts_on)"
    )
    op.execute(
        "ALTER TABLE enrollments ADD CONSTRAINT ck_enrollments_end_reason_known CHECK ("
        "end_reason IS NULL OR end_reason IN ('transferred', 'left'))"
    )

    op.add_column("guardians", sa.Column("address", sa.Text()))
    op.add_column(
        "guardianships",
        sa.Column("kind", sa.String(16), nullable=False, server_default=sa.text("'guardian'")),
    )
    op.add_column(
        "guardianships", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("guardianships", sa.Column("unlinked_at", sa.DateTime(timezone=True)))
    op.execute(
        "ALTER TABLE guardianships ADD CONSTRAINT ck_guardianships_kind_known CHECK ("
        "kind IN ('mother', 'father', 'guardian'))"
    )

    op.create_table(
        "class_groups",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("class_id"),
        sa.Column("name", sa.String(50), nullable=False),
        _created_at(),
        sa.UniqueConstraint("class_id", "name", name="uq_class_groups_class_id_name"),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name="fk_class_groups_class_id_classes"
        ),
    )
    op.create_table(
        "group_memberships",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("group_id"),
        _uuid("student_id"),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        _created_at(),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name="ck_group_memberships_dates_in_order"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["class_groups.id"], name="fk_group_memberships_group_id_class_groups"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_group_memberships_student_id_students"
        ),
    )
    op.create_index("ix_group_memberships_group_id", "group_memberships", ["group_id"])
    op.create_index("ix_group_memberships_student_id", "group_memberships", ["student_id"])
    op.create_index(
        "uq_group_memberships_open",
        "group_memberships",
        ["group_id", "student_id"],
        unique=True,
        postgresql_where=sa.text("ends_on IS NULL"),
    )

    op.create_table(
        "roster_changes",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        sa.Column("subject", sa.String(32), nullable=False),
        _uuid("subject_id"),
        _uuid("student_id", nullable=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        _uuid("changed_by"),
        _created_at("changed_at"),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
    )
    op.create_index("ix_roster_changes_subject_id", "roster_changes", ["subject_id"])
    op.create_index("ix_roster_changes_student_id", "roster_changes", ["student_id", "changed_at"])
    # Like mark_history: the history holds for every role, the application's included.
    op.execute(
        """
        CREATE FUNCTION roster_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'roster_changes is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER roster_changes_no_update_or_delete BEFORE UPDATE OR DELETE"
        " ON roster_changes FOR EACH ROW EXECUTE FUNCTION roster_changes_append_only()"
    )
    op.execute(
        "CREATE TRIGGER roster_changes_no_truncate BEFORE TRUNCATE ON roster_changes"
        " FOR EACH STATEMENT EXECUTE FUNCTION roster_changes_append_only()"
    )

    op.create_table(
        "remarks",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _uuid("student_id"),
        _uuid("class_id"),
        _uuid("author_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        _created_at(),
        sa.CheckConstraint("kind IN ('remark', 'praise')", name="ck_remarks_kind_known"),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_remarks_student_id_students"
        ),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_remarks_class_id_classes"),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff.account_id"], name="fk_remarks_author_id_staff"
        ),
    )
    op.create_index("ix_remarks_student_id_date", "remarks", ["student_id", "date"])
    op.create_index("ix_remarks_class_id_date", "remarks", ["class_id", "date"])


def downgrade() -> None:
    op.drop_table("remarks")
    op.drop_table("roster_changes")
    op.execute("DROP FUNCTION roster_changes_append_only()")
    op.drop_table("group_memberships")
    op.drop_table("class_groups")
    op.execute("ALTER TABLE guardianships DROP CONSTRAINT ck_guardianships_kind_known")
    for column in ("unlinked_at", "version", "kind"):
        op.drop_column("guardianships", column)
    op.drop_column("guardians", "address")
    op.execute("ALTER TABLE enrollments DROP CONSTRAINT ck_enrollments_end_reason_known")
    op.execute("ALTER TABLE enrollments DROP CONSTRAINT ck_enrollments_dates_in_order")
    for column in ("end_reason", "ends_on", "starts_on"):
        op.drop_column("enrollments", column)
    op.drop_column("students", "version")
