"""HTTP shapes of final marks."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from journal.marks.schemas import Reason, Version
from journal.schemas import RequestModel
from shared.contracts.journal import PeriodKind, RoundingRule, SpecialEntry

# Strict: `true`, 4.0 or "5" are not marks a teacher meant to give.
FinalValueIn = Annotated[int, Field(strict=True, ge=1, le=5)] | SpecialEntry
FinalValueOut = int | SpecialEntry
# 0 names a final mark never set (the default of a first PUT).
BasedOn = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)]


class FinalMarkIn(RequestModel):
    value: FinalValueIn = Field(description="1-5, `н/а`, `осв` or `зч`.")
    # Required when a final mark is already set (a change); optional for a first one.
    reason: Reason | None = None
    version: BasedOn | None = Field(
        default=None,
        description="The final mark's version the change is based on (or If-Match); 0 or "
        "absent when none was ever set.",
    )


class FinalMarkEntry(FinalMarkIn):
    student_id: uuid.UUID


class FinalMarksIn(RequestModel):
    items: list[FinalMarkEntry] = Field(min_length=1, max_length=100)


class FinalMarkRemoval(RequestModel):
    reason: Reason
    version: Version | None = Field(
        default=None, description="The final mark's version the removal is based on (or If-Match)."
    )


class FinalMarkOut(BaseModel):
    final_mark_id: uuid.UUID
    student_id: uuid.UUID
    subject_id: uuid.UUID
    class_id: uuid.UUID
    year_id: uuid.UUID
    period_id: uuid.UUID | None = Field(description="None: the year's final mark.")
    value: FinalValueOut | None = Field(description="None once removed.")
    version: int
    set_by: uuid.UUID
    set_at: datetime
    removed_at: datetime | None


class FinalMarksOut(BaseModel):
    items: list[FinalMarkOut] = Field(
        description="Every entry's final mark, in the request's order."
    )
    changed: int = Field(description="Entries that changed (an unchanged value is left as it is).")


class SetFinal(BaseModel):
    """The final mark set for a student (value None: none, or removed; version 0: never set)."""

    value: FinalValueOut | None
    version: int
    set_by: uuid.UUID | None
    set_at: datetime | None


class StudentPeriodFinal(BaseModel):
    student_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    average: float | None = Field(
        description="Weighted average of the period's current marks of the subject."
    )
    marks_counted: int = Field(description="Numeric marks in the period.")
    suggested: int | None = Field(
        description="By the school's rounding rule; None below `min_marks_per_period` marks."
    )
    final: SetFinal
    differs_from_suggestion: bool


class PeriodFinals(BaseModel):
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    year_id: uuid.UUID
    period_id: uuid.UUID
    kind: PeriodKind
    number: int
    closed: bool
    rounding_rule: RoundingRule
    min_marks_per_period: int
    items: list[StudentPeriodFinal]


class PeriodFinalBrief(BaseModel):
    period_id: uuid.UUID
    number: int
    value: FinalValueOut | None


class StudentYearFinal(BaseModel):
    student_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    periods: list[PeriodFinalBrief]
    suggested: FinalValueOut | None = Field(
        description="From the period finals once every period has one (docs/architecture.md)."
    )
    final: SetFinal
    differs_from_suggestion: bool


class YearFinals(BaseModel):
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    year_id: uuid.UUID
    kind: PeriodKind = Field(description="The periods the class level has: quarters or halves.")
    closed: bool
    rounding_rule: RoundingRule
    items: list[StudentYearFinal]


class FinalMarkHistoryEntry(BaseModel):
    version: int
    changed_by: uuid.UUID
    changed_at: datetime
    old_value: FinalValueOut | None
    new_value: FinalValueOut | None = Field(description="None: removed.")
    reason: str


class FinalMarkHistory(BaseModel):
    final_mark_id: uuid.UUID
    student_id: uuid.UUID
    removed: bool
    changes: list[FinalMarkHistoryEntry] = Field(description="Oldest first.")
