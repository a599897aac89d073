"""Classes, their groups, students, enrollments, guardians, guardianship links and the
roster's change history."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id

GUARDIAN_KINDS = ("mother", "father", "guardian")


class SchoolClass(Base):
    """A class (e.g. 5А) with its class teacher."""

    __tablename__ = "classes"
    __table_args__ = (
        # Becomes (school_id, year, name) when academic years arrive.
        UniqueConstraint("school_id", "name", name="uq_classes_school_id_name"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(20))
    grade: Mapped[int] = mapped_column(SmallInteger)
    class_teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("staff.account_id"), index=True
    )
    created_at: Mapped[datetime] = created_at_column()


class ClassGroup(Base):
    """A group within a class (a language subgroup, say); lessons may be for a group."""

    __tablename__ = "class_groups"
    __table_args__ = (UniqueConstraint("class_id", "name", name="uq_class_groups_class_id_name"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = created_at_column()


class Student(Base):
    """A student; `version` counts the changes of the student's aggregate (details,
    enrollments), carried by the roster's events."""

    __tablename__ = "students"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = created_at_column()


class Enrollment(Base):
    """A student's membership of a class from `starts_on` to `ends_on` (inclusive; open
    while NULL). A transfer ends one enrollment the day before the next starts.

    `left_at` is the moment the enrollment was closed (NULL while it is the student's
    current one); older queries test it, the dates are the truth for "enrolled on a day".
    """

    __tablename__ = "enrollments"
    __table_args__ = (
        Index(
            "uq_enrollments_active_student",
            "student_id",
            unique=True,
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_enrollments_class_id", "class_id", "student_id"),
        Index("ix_enrollments_student_id", "student_id", "class_id"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('transferred', 'left')", name="end_reason_known"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("students.id"))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    enrolled_at: Mapped[datetime] = created_at_column()
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    starts_on: Mapped[date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    ends_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))


class GroupMembership(Base):
    """A student's membership of a class group from `starts_on` to `ends_on` (inclusive);
    `version` orders its events (1 joined, 2 left)."""

    __tablename__ = "group_memberships"
    __table_args__ = (
        Index(
            "uq_group_memberships_open",
            "group_id",
            "student_id",
            unique=True,
            postgresql_where=text("ends_on IS NULL"),
        ),
        Index("ix_group_memberships_student_id", "student_id"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    group_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("class_groups.id"), index=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("students.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = created_at_column()


class Guardian(Base):
    """A parent or other legal guardian of one or more students."""

    __tablename__ = "guardians"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class Guardianship(Base):
    """Who is whose. An unlinked guardianship stays as a tombstone (`unlinked_at`) so its
    `version` keeps growing if the link is made again."""

    __tablename__ = "guardianships"
    __table_args__ = (
        CheckConstraint("kind IN ('mother', 'father', 'guardian')", name="kind_known"),
    )

    guardian_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("guardians.id"), primary_key=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("students.id"), primary_key=True, index=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(16), server_default=text("'guardian'"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    unlinked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()


class RosterChange(Base):
    """One change of the roster (who, when, old → new), append-only like mark_history.

    `subject` names what changed (student, guardian, enrollment, guardianship,
    group_membership) and `subject_id` which one; `student_id` lets a student's whole
    history be read at once.
    """

    __tablename__ = "roster_changes"
    __table_args__ = (Index("ix_roster_changes_student_id", "student_id", "changed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    student_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = created_at_column()
    # The order of changes within one transaction (they share `changed_at`).
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
