"""HTTP shapes of the grading settings."""

from typing import Annotated

from pydantic import BaseModel, Field

from journal.schemas import RequestModel
from shared.contracts.journal import RoundingRule

Grade = Annotated[int, Field(ge=1, le=11)]


class GradingSettingsIn(RequestModel):
    rounding_rule: RoundingRule = Field(
        description="From which fractional part of the weighted average the suggested "
        "period mark goes up: `from_0_50` (2.5/3.5/4.5), `from_0_60` (2.6/3.6/4.6), "
        "`from_0_65` (favourable from .65)."
    )
    min_marks_per_period: Annotated[int, Field(ge=1, le=30)] = Field(
        description="Fewer numeric marks in a period and no period mark is suggested."
    )
    late_entry_days: Annotated[int, Field(ge=1, le=365)] = Field(
        description="A mark entered more than this many days after its lesson is late."
    )
    lock_after_days: Annotated[int, Field(ge=1, le=365)] = Field(
        description="This many days after a lesson its marks are changed only by the deputy."
    )
    half_year_grades: list[Grade] = Field(
        max_length=11, description="Class levels with halves; every other level has quarters."
    )
    unmarked_grades: list[Grade] | None = Field(
        default=None,
        max_length=11,
        description="Class levels taught without marks (безотметочное обучение): no mark "
        "or final mark 1-5 is given there, only `зч`, `осв` and `н/а` as final marks. "
        "Absent: kept as they are (the first grade until the school changes it).",
    )


class GradingSettingsOut(BaseModel):
    rounding_rule: RoundingRule
    min_marks_per_period: int
    late_entry_days: int
    lock_after_days: int
    half_year_grades: list[int]
    unmarked_grades: list[int] = Field(description="Class levels taught without marks.")
    version: int = Field(description="0 while the school keeps the defaults.")
