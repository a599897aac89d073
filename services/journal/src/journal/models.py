"""Every table of journal's database, gathered on one metadata (for migrations and tests).

The tables live with their domains (school, calendar, grading, roster, remarks, teaching,
curriculum, lessons, timetable, marks, attendance, finals); importing this module registers them
all.
"""

from journal.attendance.models import Attendance, AttendanceChange
from journal.base import Base
from journal.calendar.models import AcademicYear, Holiday, Period, PeriodClosing
from journal.curriculum.models import (
    CurriculumHours,
    CurriculumLevel,
    ThematicPlan,
    ThematicPlanItem,
)
from journal.finals.models import FinalMark, FinalMarkChange
from journal.grading.models import GradingSettings
from journal.homework.models import HomeworkAttachment
from journal.idempotency import IdempotencyKey
from journal.lessons.models import Lesson, LessonChange
from journal.marks.models import Mark, MarkChange
from journal.remarks.models import Remark
from journal.roster.models import (
    ClassGroup,
    Enrollment,
    GroupMembership,
    Guardian,
    Guardianship,
    RosterChange,
    SchoolClass,
    Student,
)
from journal.school.models import School, Staff, WorkType
from journal.teaching.models import Assignment, Subject
from journal.timetable.models import BellLesson, BellSchedule, TimetableEntry

__all__ = [
    "AcademicYear",
    "Assignment",
    "Attendance",
    "AttendanceChange",
    "Base",
    "BellLesson",
    "BellSchedule",
    "ClassGroup",
    "CurriculumHours",
    "CurriculumLevel",
    "Enrollment",
    "FinalMark",
    "FinalMarkChange",
    "GradingSettings",
    "GroupMembership",
    "Guardian",
    "Guardianship",
    "Holiday",
    "HomeworkAttachment",
    "IdempotencyKey",
    "Lesson",
    "LessonChange",
    "Mark",
    "MarkChange",
    "Period",
    "PeriodClosing",
    "Remark",
    "RosterChange",
    "School",
    "SchoolClass",
    "Staff",
    "Student",
    "Subject",
    "ThematicPlan",
    "ThematicPlanItem",
    "TimetableEntry",
    "WorkType",
]
