"""directory: messaging's projection of staff, classes, students, guardianships and
teaching assignments (for mail's addressing groups and permission rules)

Revision ID: 0003_mail_directory
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision: str = "0003_mail_directory"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_staff",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("middle_name", sa.Text(), nullable=True),
        sa.Column("roles", ARRAY(sa.String(30)), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_directory_staff"),
    )
    op.create_index("ix_directory_staff_school_id", "directory_staff", ["school_id"])
    op.create_table(
        "directory_classes",
        sa.Column("class_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("class_teacher_id", UUID(as_uuid=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("class_id", name="pk_directory_classes"),
    )
    op.create_index("ix_directory_classes_school_id", "directory_classes", ["school_id", "grade"])
    op.create_table(
        "directory_students",
        sa.Column("student_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("class_id", UUID(as_uuid=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("student_id", name="pk_directory_students"),
    )
    op.create_index("ix_directory_students_class_id", "directory_students", ["class_id"])
    op.create_table(
        "directory_guardianships",
        sa.Column("guardian_id", UUID(as_uuid=True), nullable=False),
        sa.Column("student_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("guardian_id", "student_id", name="pk_directory_guardianships"),
    )
    op.create_index(
        "ix_directory_guardianships_student_id",
        "directory_guardianships",
        ["student_id"],
        postgresql_where=sa.text("linked"),
    )
    op.create_table(
        "directory_assignments",
        sa.Column("assignment_id", UUID(as_uuid=True), nullable=False),
        sa.Column("school_id", UUID(as_uuid=True), nullable=False),
        sa.Column("teacher_id", UUID(as_uuid=True), nullable=False),
        sa.Column("class_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subject_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name="pk_directory_assignments"),
    )
    op.create_index("ix_directory_assignments_class_id", "directory_assignments", ["class_id"])
    op.create_index("ix_directory_assignments_teacher_id", "directory_assignments", ["teacher_id"])


def downgrade() -> None:
    for table in (
        "directory_assignments",
        "directory_guardianships",
        "directory_students",
        "directory_classes",
        "directory_staff",
    ):
        op.drop_table(table)
