"""The school's grading settings: one row per school, absent until first changed."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, SmallInteger, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base


class GradingSettings(Base):
    __tablename__ = "grading_settings"
    __table_args__ = (
        CheckConstraint(
            "rounding_rule IN ('from_0_50', 'from_0_60', 'from_0_65')", name="rounding_rule_known"
        ),
        CheckConstraint("min_marks_per_period BETWEEN 1 AND 30", name="min_marks_range"),
        CheckConstraint("late_entry_days BETWEEN 1 AND 365", name="late_entry_days_range"),
        CheckConstraint("lock_after_days BETWEEN 1 AND 365", name="lock_after_days_range"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    rounding_rule: Mapped[str] = mapped_column(String(16))
    min_marks_per_period: Mapped[int] = mapped_column(SmallInteger)
    late_entry_days: Mapped[int] = mapped_column(SmallInteger)
    lock_after_days: Mapped[int] = mapped_column(SmallInteger)
    # Class levels whose periods are halves; every other level has quarters.
    half_year_grades: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    # Class levels taught without marks (безотметочное обучение): no mark 1-5 is given there.
    unmarked_grades: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), server_default=text("'{1}'::smallint[]")
    )
    version: Mapped[int]
    updated_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
