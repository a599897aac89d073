"""A teacher's remark about a student's behaviour or work."""

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class Remark(Base):
    """`kind` is `remark` (замечание) or `praise` (благодарность); `class_id` is the
    student's class when it was written, so the class teacher sees the class's remarks."""

    __tablename__ = "remarks"
    __table_args__ = (
        CheckConstraint("kind IN ('remark', 'praise')", name="kind_known"),
        Index("ix_remarks_student_id_date", "student_id", "date"),
        Index("ix_remarks_class_id_date", "class_id", "date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    student_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("students.id"))
    class_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("classes.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("staff.account_id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at_column()
