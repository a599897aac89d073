"""Schools, their staff (a projection of auth's staff events) and work types."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, SmallInteger, String, Text, UniqueConstraint, true
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column, new_id


class School(Base):
    """A school registered in auth; `version` orders auth's events about it."""

    __tablename__ = "schools"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    registered_at: Mapped[datetime] = created_at_column()


class Staff(Base):
    """A staff account as auth announced it; teachers' names and roles come from here."""

    __tablename__ = "staff"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # No foreign key to schools: auth's events may arrive in any order.
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    last_name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    version: Mapped[int]

    def teaches(self) -> bool:
        return bool({"teacher", "class_teacher"}.intersection(self.roles))


class WorkType(Base):
    """A kind of work a mark is given for, with the weight the school set for it.

    The code is stable; name and weight change (`version` orders the changes). A work type
    is never deleted, since marks refer to it: it is deactivated, and takes no new marks."""

    __tablename__ = "work_types"
    __table_args__ = (
        UniqueConstraint("school_id", "code", name="uq_work_types_school_id_code"),
        CheckConstraint("weight BETWEEN 1 AND 10", name="weight_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, server_default=true(), default=True)
    version: Mapped[int] = mapped_column(server_default="1", default=1)
