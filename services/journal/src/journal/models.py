"""Every table of journal's database, gathered on one metadata (for migrations and tests).

The tables live with their domains (school, calendar, grading, roster, teaching,
curriculum, lessons, marks, attendance); importing this module registers them all.
"""

from journal.attendance.models import Attendance, AttendanceChange
from journal.base import Base
from journal.calendar.models import AcademicYear, Holiday, Period
from journal.curriculum.models import (
    CurriculumHours,
    CurriculumLevel,
    ThematicPlan,
    ThematicPlanItem,
)
from journal.grading.models import GradingSettings
from journal.idempotency import IdempotencyKey
from journal.lessons.models import Lesson
from journal.marks.models import Mark, MarkChange
from journal.roster.models import Enrollment, Guardian, Guardianship, SchoolClass, Student
from journal.school.models import School, Staff, WorkType
from journal.teaching.models import Assignment, Subject

__all__ = [
    "AcademicYear",
    "Assignment",
    "Attendance",
    "AttendanceChange",
    "Base",
    "CurriculumHours",
    "CurriculumLevel",
    "Enrollment",
    "GradingSettings",
    "Guardian",
    "Guardianship",
    "Holiday",
    "IdempotencyKey",
    "Lesson",
    "Mark",
    "MarkChange",
    "Period",
    "School",
    "SchoolClass",
    "Staff",
    "Student",
    "Subject",
    "ThematicPlan",
    "ThematicPlanItem",
    "WorkType",
]
