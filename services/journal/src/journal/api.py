"""All of journal's routes, one router per domain (mounted under /api/journal)."""

from fastapi import APIRouter

from journal.attendance.api import router as attendance
from journal.calendar.api import router as calendar
from journal.curriculum.api import router as curriculum
from journal.diary.api import router as diary
from journal.finals.api import router as finals
from journal.grading.api import router as grading
from journal.homework.api import router as homework
from journal.lessons.api import router as lessons
from journal.marks.api import router as marks
from journal.page.api import router as page
from journal.remarks.api import router as remarks
from journal.roster.api import router as roster
from journal.school.api import router as school
from journal.teaching.api import router as teaching
from journal.timetable.api import router as timetable
from journal.yearend.api import router as yearend

# Routes are matched in this order, one regular expression each, so the hottest come
# first (the diary read and the mark post; the diary used to be tried after ~100 others).
# No route may take the paths of one after it (tests/journal/test_journal_routes.py).
DOMAINS = (
    diary,
    marks,
    school,
    calendar,
    grading,
    roster,
    remarks,
    teaching,
    curriculum,
    lessons,
    timetable,
    attendance,
    homework,
    page,
    finals,
    yearend,
)

router = APIRouter()
for domain in DOMAINS:
    router.include_router(domain)
