"""The directory's tables: one row per staff member, class, student, guardianship and
teaching assignment, each with the version of the journal or auth aggregate it mirrors."""

import uuid

from sqlalchemy import Boolean, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from messaging.models import Base


class DirectoryStaff(Base):
    """A staff account (auth): its name, shown to whoever it writes to, and its roles."""

    __tablename__ = "directory_staff"
    __table_args__ = (Index("ix_directory_staff_school_id", "school_id"),)

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    version: Mapped[int] = mapped_column(Integer)


class DirectoryClass(Base):
    """A class (journal): its name and grade (a parallel is every class of one grade) and
    its class teacher."""

    __tablename__ = "directory_classes"
    __table_args__ = (Index("ix_directory_classes_school_id", "school_id", "grade"),)

    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(Text)
    grade: Mapped[int] = mapped_column(Integer)
    class_teacher_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)


class DirectoryStudent(Base):
    """A student and the class they are enrolled in now (None once they left)."""

    __tablename__ = "directory_students"
    __table_args__ = (Index("ix_directory_students_class_id", "class_id"),)

    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)


class DirectoryGuardianship(Base):
    """A guardian's link to a student; an unlink is kept as a tombstone (`linked` false)
    with its version, so a late older link does not bring it back."""

    __tablename__ = "directory_guardianships"
    __table_args__ = (
        Index(
            "ix_directory_guardianships_student_id",
            "student_id",
            postgresql_where=text("linked"),
        ),
    )

    guardian_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    linked: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class DirectoryAssignment(Base):
    """A teaching assignment: this teacher teaches this subject in this class."""

    __tablename__ = "directory_assignments"
    __table_args__ = (
        Index("ix_directory_assignments_class_id", "class_id"),
        Index("ix_directory_assignments_teacher_id", "teacher_id"),
    )

    assignment_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    teacher_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject_name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
