"""The quarter-end check (DESIGN.md §7): per teaching assignment, the lessons held against
the curriculum's hours for the period, the thematic plan's topics of the period covered,
control works held against the plan, topics and homework recorded, enough marks per
student, and final marks against the weighted average (flagged where they differ by the
school's rounding rule). Each finding names the assignment and the period, so the screen
links it to the journal page; a teacher sees only their own findings. A class taught without
marks (the school's `unmarked_grades`) is not checked for marks: too few marks, control
works (known only by their marks), final marks missing or differing."""

import math
import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.formats.documents import FILE_RESPONSES, FileFormat, as_format
from reporting.projections.tables import (
    ClassRow,
    CurriculumRow,
    LessonRow,
    MarkRow,
    ThematicPlanRow,
    YearRow,
)
from reporting.reports.context import (
    Period,
    find_period,
    grading_of,
    journal_period,
    periods_of_school,
    spells_in_school,
)
from reporting.reports.journal_stats import journals_of
from reporting.reports.progress import PeriodOut, period_out
from reporting.reports.results import results_by_group
from reporting.reports.scope import (
    AssignmentOut,
    ReportModel,
    assignment_fields,
    assignments_in_scope,
    labels,
    unmarked_classes,
)
from reporting.rules import differs, suggest_period_mark
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["quarter-end check"])

CONTROL_WORK = "control"


class FinalCheckOut(ReportModel):
    student_id: uuid.UUID
    final: str | None = Field(description="The final mark set (1-5, н/а, осв, зч) or None.")
    weighted_average: float | None
    suggested: int | None = Field(description="What the average suggests by the school's rule.")
    differs: bool = Field(description="A numeric final mark other than the suggested one.")


class FindingOut(ReportModel):
    code: str = Field(
        description="lessons-behind-curriculum, plan-topics-not-covered, control-works-missing, "
        "lessons-without-topic, lessons-without-homework, too-few-marks, "
        "finals-differ-from-average or finals-missing."
    )
    detail: str = Field(description="The finding in Russian, with its figures.")


class PlanTopicOut(ReportModel):
    item_id: uuid.UUID
    position: int
    topic: str


class QuarterCheckRowOut(AssignmentOut):
    journal_period_id: uuid.UUID | None = Field(
        description="The journal page the findings are on (a half for a level with halves)."
    )
    lessons_held: int
    lessons_cancelled: int
    curriculum_weekly_hours: float | None
    curriculum_lessons: int | None = Field(description="Weekly hours × the period's weeks.")
    plan_topics_due: int
    plan_topics_covered: int
    plan_topics_uncovered: list[PlanTopicOut]
    control_works_planned: int
    control_works_held: int
    lessons_without_topic: int
    lessons_without_homework: int
    students_below_minimum: list[uuid.UUID]
    finals: list[FinalCheckOut] = Field(description="None in a class taught without marks.")
    findings: list[FindingOut]
    marks_given: bool = Field(description="False: the class is taught without marks.")


class QuarterCheckOut(ReportModel):
    period: PeriodOut
    school_weeks: float
    rounding_rule: str
    unmarked_grades: list[int] = Field(description="The class levels taught without marks.")
    assignments: list[QuarterCheckRowOut]


def school_weeks(period: Period, holidays: list[dict[str, Any]]) -> float:
    """The period's weeks of school: its days less the holidays inside it, over 7."""
    days = (period.ends_on - period.starts_on).days + 1
    for holiday in holidays:
        first = max(date.fromisoformat(holiday["starts_on"]), period.starts_on)
        last = min(date.fromisoformat(holiday["ends_on"]), period.ends_on)
        if first <= last:
            days -= (last - first).days + 1
    return days / 7


def planned_on(item: dict[str, Any], year_start: date) -> date | None:
    """When a plan item is due: its date, else the Monday of its week of the year."""
    if item.get("planned_on"):
        return date.fromisoformat(item["planned_on"])
    if item.get("planned_week"):
        monday = year_start - timedelta(days=year_start.weekday())
        return monday + timedelta(weeks=int(item["planned_week"]) - 1)
    return None


async def quarter_check(
    session: AsyncSession,
    user: User,
    period_id: uuid.UUID,
    assignment_id: uuid.UUID | None = None,
    class_id: uuid.UUID | None = None,
) -> QuarterCheckOut:
    period = await find_period(session, user.school_id, period_id, None)
    assignments = await assignments_in_scope(session, user, assignment_id, class_id)
    grading = await grading_of(session, user.school_id)
    spells = await spells_in_school(session, user.school_id)
    first, last = period.starts_on, period.ends_on
    classes, staff = await labels(session, user.school_id)
    unmarked = unmarked_classes(classes, grading)
    journals = await journals_of(
        session, user.school_id, assignments, first, last, grading, spells, unmarked
    )
    year = await session.get(YearRow, period.year_id)
    weeks = school_weeks(period, year.holidays if year else [])
    periods = await periods_of_school(session, user.school_id)
    curricula = {
        c.grade: {uuid.UUID(s["subject_id"]): s for s in c.subjects}
        for c in await session.scalars(
            select(CurriculumRow).where(CurriculumRow.year_id == period.year_id)
        )
    }
    plans = {
        p.assignment_id: p
        for p in await session.scalars(
            select(ThematicPlanRow).where(
                ThematicPlanRow.school_id == user.school_id,
                ThematicPlanRow.year_id == period.year_id,
            )
        )
    }
    # Control works held: lessons of the period holding a current control-work mark.
    control_held: dict[uuid.UUID, int] = {}
    for assignment_of, n in await session.execute(
        select(LessonRow.assignment_id, LessonRow.lesson_id)
        .join(MarkRow, MarkRow.lesson_id == LessonRow.lesson_id)
        .where(
            LessonRow.school_id == user.school_id,
            LessonRow.cancelled.is_(False),
            LessonRow.lesson_date.between(first, last),
            MarkRow.deleted.is_(False),
            MarkRow.work_type == CONTROL_WORK,
        )
        .distinct()
    ):
        control_held[assignment_of] = control_held.get(assignment_of, 0) + 1
        del n
    groups = await results_by_group(
        session, user.school_id, period, grading, list({a.class_id for a in assignments})
    )
    out = []
    for assignment in assignments:
        journal = journals[assignment.assignment_id]
        klass: ClassRow | None = classes.get(assignment.class_id)
        hours = curricula.get(klass.grade, {}).get(assignment.subject_id) if klass else None
        planned_lessons = math.floor(hours["weekly_hours"] * weeks + 0.5) if hours else None
        plan = plans.get(assignment.assignment_id)
        due = [
            item
            for item in (plan.items if plan else [])
            if (on := planned_on(item, year.starts_on if year else first)) is not None
            and first <= on <= last
        ]
        uncovered = [i for i in due if uuid.UUID(i["item_id"]) not in journal.plan_items_covered]
        marks_given = assignment.class_id not in unmarked
        control_planned = sum(1 for i in due if i.get("work_type") == CONTROL_WORK)
        finals = []
        results = groups.get((assignment.class_id, assignment.subject_id), [])
        for student in results if marks_given else []:
            average = student.result.average
            suggested = (
                suggest_period_mark(average, grading.rounding_rule) if average is not None else None
            )
            finals.append(
                {
                    "student_id": student.student_id,
                    "final": student.final,
                    "weighted_average": float(average) if average is not None else None,
                    "suggested": suggested,
                    "differs": differs(student.final, average, grading.rounding_rule),
                }
            )
        missing_finals = [f["student_id"] for f in finals if f["final"] is None]
        held_works = control_held.get(assignment.assignment_id, 0)
        differing = [f for f in finals if f["differs"]]
        checks = [
            (
                planned_lessons is not None and journal.lessons_held < planned_lessons,
                "lessons-behind-curriculum",
                f"Проведено уроков: {journal.lessons_held} из {planned_lessons} по учебному плану.",
            ),
            (
                bool(uncovered),
                "plan-topics-not-covered",
                f"Не пройдено тем КТП: {len(uncovered)} из {len(due)}.",
            ),
            (
                # Held control works are known by their marks: none where none are given.
                marks_given and held_works < control_planned,
                "control-works-missing",
                f"Контрольных работ: {held_works} из {control_planned} по КТП.",
            ),
            (
                bool(journal.lessons_without_topic),
                "lessons-without-topic",
                f"Уроков без темы: {len(journal.lessons_without_topic)}.",
            ),
            (
                bool(journal.lessons_without_homework),
                "lessons-without-homework",
                f"Уроков без домашнего задания: {len(journal.lessons_without_homework)}.",
            ),
            (
                bool(journal.students_below_minimum),
                "too-few-marks",
                f"Учеников с недостаточным числом отметок: {len(journal.students_below_minimum)}.",
            ),
            (
                bool(differing),
                "finals-differ-from-average",
                f"Итоговых отметок, не совпадающих со средневзвешенным баллом: {len(differing)}.",
            ),
            (
                bool(missing_finals),
                "finals-missing",
                f"Не выставлено итоговых отметок: {len(missing_finals)}.",
            ),
        ]
        findings = [{"code": code, "detail": detail} for found, code, detail in checks if found]
        # A class level graded by halves keeps its journal by halves: a quarter's findings
        # are on the page of the half holding the quarter.
        page = journal_period(
            periods, grading.period_kind(klass.grade if klass else None), first, last
        )
        out.append(
            {
                **assignment_fields(assignment, classes, staff),
                "journal_period_id": page.period_id if page else None,
                "lessons_held": journal.lessons_held,
                "lessons_cancelled": journal.lessons_cancelled,
                "curriculum_weekly_hours": hours["weekly_hours"] if hours else None,
                "curriculum_lessons": planned_lessons,
                "plan_topics_due": len(due),
                "plan_topics_covered": len(due) - len(uncovered),
                "plan_topics_uncovered": [
                    {"item_id": i["item_id"], "position": i["position"], "topic": i["topic"]}
                    for i in uncovered
                ],
                "control_works_planned": control_planned,
                "control_works_held": held_works,
                "lessons_without_topic": len(journal.lessons_without_topic),
                "lessons_without_homework": len(journal.lessons_without_homework),
                "students_below_minimum": journal.students_below_minimum,
                "finals": finals,
                "findings": findings,
                "marks_given": marks_given,
            }
        )
    out.sort(
        key=lambda r: (r["class_name"] or "", r["subject_name"] or "", str(r["assignment_id"]))
    )
    return QuarterCheckOut.model_validate(
        {
            "period": period_out(period),
            "school_weeks": round(weeks, 1),
            "rounding_rule": grading.rounding_rule,
            "unmarked_grades": sorted(grading.unmarked_grades),
            "assignments": out,
        }
    )


@router.get("/quarter-check", responses={**problems(403, 404, 422), **FILE_RESPONSES})
async def get_quarter_check(
    session: Session,
    user: CurrentUser,
    period_id: Annotated[uuid.UUID, Query()],
    assignment_id: Annotated[uuid.UUID | None, Query()] = None,
    class_id: Annotated[uuid.UUID | None, Query()] = None,
    file_format: FileFormat = "json",
) -> QuarterCheckOut:
    """The quarter-end check of a period, per teaching assignment, with its findings."""
    return as_format(
        "quarter-check",
        await quarter_check(session, user, period_id, assignment_id, class_id),
        file_format,
    )
