"""Journal's walking skeleton: school, staff, work types, roster, teaching, lessons, marks.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from shared.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _uuid(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), nullable=nullable)


def _created_at(name: str = "created_at") -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "schools",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _created_at("registered_at"),
    )
    op.create_table(
        "staff",
        sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("middle_name", sa.Text()),
        sa.Column("roles", ARRAY(sa.String(32)), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_staff_school_id", "staff", ["school_id"])
    op.create_table(
        "work_types",
        _id(),
        _uuid("school_id"),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.UniqueConstraint("school_id", "code", name="uq_work_types_school_id_code"),
        sa.CheckConstraint("weight BETWEEN 1 AND 10", name="ck_work_types_weight_range"),
    )

    op.create_table(
        "classes",
        _id(),
        _uuid("school_id"),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        _uuid("class_teacher_id", nullable=True),
        _created_at(),
        sa.UniqueConstraint("school_id", "name", name="uq_classes_school_id_name"),
        sa.CheckConstraint("grade BETWEEN 1 AND 11", name="ck_classes_grade_range"),
        sa.ForeignKeyConstraint(
            ["class_teacher_id"],
            ["staff.account_id"],
            name="fk_classes_class_teacher_id_staff",
        ),
    )
    op.create_index("ix_classes_class_teacher_id", "classes", ["class_teacher_id"])
    op.create_table(
        "students",
        _id(),
        _uuid("school_id"),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("middle_name", sa.Text()),
        sa.Column("birth_date", sa.Date(), nullable=False),
        _created_at(),
    )
    op.create_index("ix_students_school_id", "students", ["school_id"])
    op.create_table(
        "enrollments",
        _id(),
        _uuid("school_id"),
        _uuid("student_id"),
        _uuid("class_id"),
        _created_at("enrolled_at"),
        sa.Column("left_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_enrollments_student_id_students"
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name="fk_enrollments_class_id_classes"
        ),
    )
    op.create_index("ix_enrollments_class_id", "enrollments", ["class_id", "student_id"])
    op.create_index("ix_enrollments_student_id", "enrollments", ["student_id", "class_id"])
    op.create_index(
        "uq_enrollments_active_student",
        "enrollments",
        ["student_id"],
        unique=True,
        postgresql_where=sa.text("left_at IS NULL"),
    )
    op.create_table(
        "guardians",
        _id(),
        _uuid("school_id"),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("middle_name", sa.Text()),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(254)),
        _created_at(),
    )
    op.create_index("ix_guardians_school_id", "guardians", ["school_id"])
    op.create_table(
        "guardianships",
        sa.Column("guardian_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("student_id", UUID(as_uuid=True), primary_key=True),
        _uuid("school_id"),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardians.id"], name="fk_guardianships_guardian_id_guardians"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_guardianships_student_id_students"
        ),
    )
    op.create_index("ix_guardianships_student_id", "guardianships", ["student_id"])

    op.create_table(
        "subjects",
        _id(),
        _uuid("school_id"),
        sa.Column("name", sa.Text(), nullable=False),
        _created_at(),
        sa.UniqueConstraint("school_id", "name", name="uq_subjects_school_id_name"),
    )
    op.create_table(
        "assignments",
        _id(),
        _uuid("school_id"),
        _uuid("teacher_id"),
        _uuid("class_id"),
        _uuid("subject_id"),
        _created_at(),
        sa.UniqueConstraint(
            "class_id", "subject_id", "teacher_id", name="uq_assignments_class_subject_teacher"
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["staff.account_id"], name="fk_assignments_teacher_id_staff"
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name="fk_assignments_class_id_classes"
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_assignments_subject_id_subjects"
        ),
    )
    op.create_index("ix_assignments_teacher_id", "assignments", ["teacher_id"])

    op.create_table(
        "lessons",
        _id(),
        _uuid("school_id"),
        _uuid("assignment_id"),
        _uuid("class_id"),
        _uuid("subject_id"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("topic", sa.Text()),
        sa.Column("homework", sa.Text()),
        _uuid("created_by"),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name="fk_lessons_assignment_id_assignments"
        ),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_lessons_class_id_classes"),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name="fk_lessons_subject_id_subjects"
        ),
    )
    op.create_index("ix_lessons_class_id_date", "lessons", ["class_id", "date"])
    op.create_index("ix_lessons_assignment_id", "lessons", ["assignment_id"])

    op.create_table(
        "marks",
        _id(),
        _uuid("school_id"),
        _uuid("lesson_id"),
        _uuid("student_id"),
        _uuid("work_type_id"),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        _uuid("posted_by"),
        _created_at("posted_at"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.CheckConstraint("value BETWEEN 1 AND 5", name="ck_marks_value_range"),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"], name="fk_marks_lesson_id_lessons"),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name="fk_marks_student_id_students"
        ),
        sa.ForeignKeyConstraint(
            ["work_type_id"], ["work_types.id"], name="fk_marks_work_type_id_work_types"
        ),
    )
    op.create_index("ix_marks_lesson_id", "marks", ["lesson_id"])
    op.create_index("ix_marks_student_id_lesson_id", "marks", ["student_id", "lesson_id"])

    op.create_table(
        "mark_history",
        _id(),
        _uuid("school_id"),
        _uuid("mark_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        _uuid("changed_by"),
        _created_at("changed_at"),
        sa.Column("old_value", sa.SmallInteger()),
        sa.Column("new_value", sa.SmallInteger()),
        _uuid("old_work_type_id", nullable=True),
        _uuid("new_work_type_id", nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["mark_id"], ["marks.id"], name="fk_mark_history_mark_id_marks"),
    )
    op.create_index("ix_mark_history_mark_id", "mark_history", ["mark_id"])
    # DESIGN §8: every change of a mark is kept. The trigger holds for every role, the
    # application's included; only a migration (DROP TABLE) can remove history.
    op.execute(
        """
        CREATE FUNCTION mark_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'mark_history is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER mark_history_no_update_or_delete BEFORE UPDATE OR DELETE ON mark_history"
        " FOR EACH ROW EXECUTE FUNCTION mark_history_append_only()"
    )
    op.execute(
        "CREATE TRIGGER mark_history_no_truncate BEFORE TRUNCATE ON mark_history"
        " FOR EACH STATEMENT EXECUTE FUNCTION mark_history_append_only()"
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        _uuid("school_id"),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("response", JSONB()),
        _created_at(),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )

    create_outbox_and_inbox()


def downgrade() -> None:
    drop_outbox_and_inbox()
    op.drop_table("idempotency_keys")
    op.drop_table("mark_history")
    op.execute("DROP FUNCTION mark_history_append_only()")
    for table in (
        "marks",
        "lessons",
        "assignments",
        "subjects",
        "guardianships",
        "guardians",
        "enrollments",
        "students",
        "classes",
        "work_types",
        "staff",
        "schools",
    ):
        op.drop_table(table)
