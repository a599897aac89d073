"""A school as journal describes it in events, for reporting's tests (imported by them)."""

import uuid
from datetime import UTC, date, datetime, timedelta

from reporting.consumers import subscriptions
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated, UserLoggedIn
from shared.contracts.journal import (
    AssignmentMade,
    AttendanceCleared,
    AttendanceMarked,
    ClassOpened,
    CurriculumChanged,
    CurriculumSubjectHours,
    FinalMarkRemoved,
    FinalMarkSet,
    GradingSettingsChanged,
    HomeworkSet,
    LessonScheduled,
    LessonTopicSet,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    PeriodClosed,
    PeriodReopened,
    StudentEnrolledV2,
    StudentLeft,
    StudentTransferred,
    ThematicPlanChanged,
    ThematicPlanItem,
    WorkTypeChanged,
    YearCalendarChanged,
    YearPeriod,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory


class School:
    """A school as journal describes it in events; `deliver` hands them to reporting."""

    def __init__(self, db: Database, tokens: TokenFactory) -> None:
        self.id = uuid.uuid4()
        self.tokens = tokens
        [self._subscription] = subscriptions(db)

    async def deliver(self, event: Event | CloudEvent) -> CloudEvent:
        """Deliver as the bus would: the envelope serialised and parsed again."""
        envelope = event if isinstance(event, CloudEvent) else event.to_cloudevent()
        envelope = CloudEvent.from_json(envelope.to_json())
        await self._subscription.handler([envelope])
        return envelope

    async def deliver_batch(self, events: list[Event | CloudEvent]) -> list[CloudEvent]:
        """Deliver several events as one batch, as the bus would."""
        envelopes = [
            CloudEvent.from_json((e if isinstance(e, CloudEvent) else e.to_cloudevent()).to_json())
            for e in events
        ]
        await self._subscription.handler(envelopes)
        return envelopes

    def class_opened(
        self,
        *,
        class_id: uuid.UUID | None = None,
        class_teacher_id: uuid.UUID | None = None,
        name: str = "5А",
        grade: int = 5,
        version: int = 1,
    ) -> ClassOpened:
        return ClassOpened(
            school_id=self.id,
            version=version,
            class_id=class_id or uuid.uuid4(),
            name=name,
            grade=grade,
            class_teacher_id=class_teacher_id,
        )

    def assignment(
        self,
        *,
        teacher_id: uuid.UUID,
        class_id: uuid.UUID,
        subject_id: uuid.UUID,
        assignment_id: uuid.UUID | None = None,
        version: int = 1,
    ) -> AssignmentMade:
        return AssignmentMade(
            school_id=self.id,
            version=version,
            assignment_id=assignment_id or uuid.uuid4(),
            teacher_id=teacher_id,
            class_id=class_id,
            subject_id=subject_id,
            subject_name="Математика",
        )

    def mark(
        self,
        *,
        class_id: uuid.UUID,
        subject_id: uuid.UUID,
        value: int,
        weight: int = 1,
        work_type: str = "answer",
        mark_id: uuid.UUID | None = None,
        student_id: uuid.UUID | None = None,
        version: int = 1,
        lesson_id: uuid.UUID | None = None,
        on: date = date(2026, 11, 28),
        teacher_id: uuid.UUID | None = None,
        posted_at: datetime | None = None,
    ) -> MarkPosted:
        return MarkPosted(
            school_id=self.id,
            version=version,
            mark_id=mark_id or uuid.uuid4(),
            lesson_id=lesson_id or uuid.uuid4(),
            lesson_date=on,
            student_id=student_id or uuid.uuid4(),
            class_id=class_id,
            subject_id=subject_id,
            subject_name="Математика",
            teacher_id=teacher_id or uuid.uuid4(),
            value=value,
            work_type=work_type,
            weight=weight,
            occurred_at=posted_at
            or datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=12),
        )

    def mark_changed(
        self, posted: MarkPosted, *, value: int, weight: int, version: int
    ) -> MarkChanged:
        """A correction of `posted` to `value` (and `weight`) at `version`."""
        return MarkChanged(
            school_id=self.id,
            version=version,
            **posted.model_dump(
                include={
                    "mark_id",
                    "lesson_id",
                    "lesson_date",
                    "student_id",
                    "class_id",
                    "subject_id",
                    "subject_name",
                    "teacher_id",
                    "work_type",
                }
            ),
            value=value,
            weight=weight,
            work_type_name="Ответ на уроке",
            old_value=posted.value,
            old_work_type=posted.work_type,
        )

    def mark_removed(self, posted: MarkPosted, *, version: int) -> MarkRemoved:
        """The tombstone of `posted` at `version`."""
        return MarkRemoved(
            school_id=self.id,
            version=version,
            **posted.model_dump(
                include={
                    "mark_id",
                    "lesson_id",
                    "lesson_date",
                    "student_id",
                    "class_id",
                    "subject_id",
                    "subject_name",
                    "teacher_id",
                    "value",
                    "work_type",
                    "weight",
                }
            ),
            work_type_name="Ответ на уроке",
        )

    def work_type_changed(
        self, code: str, *, weight: int, version: int, work_type_id: uuid.UUID | None = None
    ) -> WorkTypeChanged:
        """The school's work type `code` at `version`, weighing `weight`."""
        return WorkTypeChanged(
            school_id=self.id,
            version=version,
            work_type_id=work_type_id or uuid.uuid5(self.id, code),
            code=code,
            name=code.capitalize(),
            weight=weight,
            active=True,
        )

    def token(
        self,
        *roles: str,
        account_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        children: list[uuid.UUID] | None = None,
    ) -> dict[str, str]:
        """Authorization headers for a member of this school."""
        token = self.tokens.token(
            school_id=self.id,
            roles=list(roles),
            account_id=account_id,
            person_id=person_id,
            children=children,
        )
        return {"Authorization": f"Bearer {token}"}

    # --- the rest of what journal and auth publish, for the reports' tests -------------

    def registered(self, name: str = "Школа № 1") -> SchoolRegistered:
        return SchoolRegistered(school_id=self.id, name=name, timezone="Europe/Moscow")

    def year(
        self, *, name: str = "2026/2027", periods: list[tuple[date, date]] | None = None
    ) -> YearCalendarChanged:
        """A year with quarters (by default the usual four); period ids by number."""
        spans = periods or [
            (date(2026, 9, 1), date(2026, 10, 24)),
            (date(2026, 11, 3), date(2026, 12, 27)),
            (date(2027, 1, 9), date(2027, 3, 22)),
            (date(2027, 3, 31), date(2027, 5, 26)),
        ]
        return YearCalendarChanged(
            school_id=self.id,
            year_id=self.year_id,
            name=name,
            starts_on=spans[0][0],
            ends_on=spans[-1][1],
            periods=[
                YearPeriod(
                    period_id=self.period_id(n + 1),
                    kind="quarter",
                    number=n + 1,
                    starts_on=first,
                    ends_on=last,
                )
                for n, (first, last) in enumerate(spans)
            ],
            holidays=[],
        )

    @property
    def year_id(self) -> uuid.UUID:
        return uuid.uuid5(self.id, "year")

    def period_id(self, number: int) -> uuid.UUID:
        return uuid.uuid5(self.id, f"quarter-{number}")

    def grading(
        self,
        *,
        rule: str = "from_0_50",
        min_marks: int = 3,
        late_days: int = 7,
        version: int = 1,
        unmarked: list[int] | None = None,
    ) -> GradingSettingsChanged:
        """`unmarked`: the levels taught without marks (None: as an event before the field)."""
        return GradingSettingsChanged(
            school_id=self.id,
            version=version,
            rounding_rule=rule,  # type: ignore[arg-type]
            min_marks_per_period=min_marks,
            late_entry_days=late_days,
            lock_after_days=30,
            half_year_grades=[10, 11],
            **({} if unmarked is None else {"unmarked_grades": unmarked}),
        )

    def enrolled(
        self, student_id: uuid.UUID, class_id: uuid.UUID, on: date = date(2026, 9, 1)
    ) -> StudentEnrolledV2:
        return StudentEnrolledV2(
            school_id=self.id,
            version=1,
            student_id=student_id,
            class_id=class_id,
            enrollment_id=uuid.uuid4(),
            starts_on=on,
        )

    def transferred(
        self,
        student_id: uuid.UUID,
        from_class: uuid.UUID,
        to_class: uuid.UUID,
        on: date,
        *,
        version: int = 2,
    ) -> list[StudentTransferred | StudentEnrolledV2]:
        """A transfer as journal publishes it: the transfer and the new class's enrollment."""
        enrollment = uuid.uuid4()
        return [
            StudentTransferred(
                school_id=self.id,
                version=version,
                student_id=student_id,
                from_class_id=from_class,
                to_class_id=to_class,
                enrollment_id=enrollment,
                on=on,
            ),
            StudentEnrolledV2(
                school_id=self.id,
                version=version,
                student_id=student_id,
                class_id=to_class,
                enrollment_id=enrollment,
                starts_on=on,
            ),
        ]

    def left(
        self, student_id: uuid.UUID, class_id: uuid.UUID, last_day: date, *, version: int = 2
    ) -> StudentLeft:
        return StudentLeft(
            school_id=self.id,
            version=version,
            student_id=student_id,
            class_id=class_id,
            last_day=last_day,
        )

    def final(
        self,
        *,
        student_id: uuid.UUID,
        class_id: uuid.UUID,
        subject_id: uuid.UUID,
        value: int | str,
        period: int | None = 2,
        assignment_id: uuid.UUID | None = None,
        final_mark_id: uuid.UUID | None = None,
        version: int = 1,
    ) -> FinalMarkSet:
        return FinalMarkSet(
            school_id=self.id,
            version=version,
            final_mark_id=final_mark_id or uuid.uuid4(),
            student_id=student_id,
            class_id=class_id,
            subject_id=subject_id,
            subject_name="Математика",
            assignment_id=assignment_id or uuid.uuid4(),
            teacher_id=uuid.uuid4(),
            year_id=self.year_id,
            period_id=self.period_id(period) if period else None,
            value=value,  # type: ignore[arg-type]
        )

    def final_removed(self, final: FinalMarkSet, *, version: int) -> FinalMarkRemoved:
        return FinalMarkRemoved(
            school_id=self.id,
            version=version,
            **final.model_dump(
                include={
                    "final_mark_id",
                    "student_id",
                    "class_id",
                    "subject_id",
                    "subject_name",
                    "assignment_id",
                    "teacher_id",
                    "year_id",
                    "period_id",
                }
            ),
            old_value=final.value,
        )

    def lesson(
        self,
        assignment: AssignmentMade,
        on: date,
        *,
        lesson_id: uuid.UUID | None = None,
        topic: str | None = None,
        homework: str | None = None,
        cancelled: bool = False,
        version: int = 1,
    ) -> LessonScheduled:
        return LessonScheduled(
            school_id=self.id,
            version=version,
            lesson_id=lesson_id or uuid.uuid4(),
            assignment_id=assignment.assignment_id,
            class_id=assignment.class_id,
            subject_id=assignment.subject_id,
            teacher_id=assignment.teacher_id,
            lesson_date=on,
            lesson_number=1,
            topic=topic,
            homework=homework,
            cancelled=cancelled,
        )

    def topic_set(
        self,
        lesson: LessonScheduled,
        topic: str | None,
        *,
        version: int,
        plan_item_id: uuid.UUID | None = None,
    ) -> LessonTopicSet:
        return LessonTopicSet(
            school_id=self.id,
            version=version,
            lesson_id=lesson.lesson_id,
            lesson_date=lesson.lesson_date,
            class_id=lesson.class_id,
            subject_id=lesson.subject_id,
            teacher_id=lesson.teacher_id,
            topic=topic,
            plan_item_id=plan_item_id,
            occurred_at=datetime.combine(lesson.lesson_date, datetime.min.time(), UTC)
            + timedelta(hours=15),
        )

    def homework_set(self, lesson: LessonScheduled, *, version: int) -> HomeworkSet:
        return HomeworkSet(
            school_id=self.id,
            version=version,
            lesson_id=lesson.lesson_id,
            lesson_date=lesson.lesson_date,
            class_id=lesson.class_id,
            subject_id=lesson.subject_id,
            subject_name="Математика",
            teacher_id=lesson.teacher_id,
            text="§ 12, № 3",
            due_on=None,
            occurred_at=datetime.combine(lesson.lesson_date, datetime.min.time(), UTC)
            + timedelta(hours=15),
        )

    def absence(
        self, lesson: LessonScheduled, student_id: uuid.UUID, code: str, *, version: int = 1
    ) -> AttendanceMarked:
        return AttendanceMarked(
            school_id=self.id,
            version=version,
            lesson_id=lesson.lesson_id,
            lesson_date=lesson.lesson_date,
            student_id=student_id,
            class_id=lesson.class_id,
            subject_id=lesson.subject_id,
            subject_name="Математика",
            teacher_id=lesson.teacher_id,
            code=code,  # type: ignore[arg-type]
        )

    def absence_cleared(self, marked: AttendanceMarked, *, version: int) -> AttendanceCleared:
        return AttendanceCleared(
            school_id=self.id,
            version=version,
            lesson_id=marked.lesson_id,
            lesson_date=marked.lesson_date,
            student_id=marked.student_id,
            class_id=marked.class_id,
            subject_id=marked.subject_id,
            subject_name="Математика",
            teacher_id=marked.teacher_id,
            old_code=marked.code,
        )

    def curriculum(self, grade: int, subject_id: uuid.UUID, weekly: float) -> CurriculumChanged:
        return CurriculumChanged(
            school_id=self.id,
            year_id=self.year_id,
            grade=grade,
            weeks=34,
            subjects=[
                CurriculumSubjectHours(
                    subject_id=subject_id, weekly_hours=weekly, yearly_hours=weekly * 34
                )
            ],
        )

    def plan(
        self, assignment: AssignmentMade, items: list[tuple[str, date, str | None]]
    ) -> ThematicPlanChanged:
        """A plan of (topic, planned date, work type) items, one hour each."""
        return ThematicPlanChanged(
            school_id=self.id,
            plan_id=uuid.uuid5(assignment.assignment_id, "plan"),
            assignment_id=assignment.assignment_id,
            year_id=self.year_id,
            class_id=assignment.class_id,
            subject_id=assignment.subject_id,
            planned_hours=len(items),
            items=[
                ThematicPlanItem(
                    item_id=uuid.uuid5(assignment.assignment_id, topic),
                    position=n + 1,
                    topic=topic,
                    hours=1,
                    work_type=work_type,
                    planned_on=on,
                )
                for n, (topic, on, work_type) in enumerate(items)
            ],
        )

    def signed_in(self, account_id: uuid.UUID, roles: list[str], at: datetime) -> UserLoggedIn:
        return UserLoggedIn(school_id=self.id, account_id=account_id, roles=roles, occurred_at=at)

    def inspector_token(self) -> dict[str, str]:
        return self.token("district_inspector")

    def staff_created(
        self, account_id: uuid.UUID, last_name: str, first_name: str, roles: list[str]
    ) -> StaffAccountCreated:
        return StaffAccountCreated(
            school_id=self.id,
            account_id=account_id,
            last_name=last_name,
            first_name=first_name,
            middle_name="Ивановна",
            roles=roles,  # type: ignore[arg-type]
        )

    def period_closed(self, number: int, *, version: int) -> PeriodClosed:
        first, last = {2: (date(2026, 11, 3), date(2026, 12, 27))}.get(
            number, (date(2026, 9, 1), date(2026, 10, 24))
        )
        return PeriodClosed(
            school_id=self.id,
            version=version,
            period_id=self.period_id(number),
            year_id=self.year_id,
            kind="quarter",
            number=number,
            starts_on=first,
            ends_on=last,
            closed_by=uuid.uuid4(),
            closed_at=datetime(2026, 12, 28, 9, tzinfo=UTC),
        )

    def period_reopened(self, number: int, *, version: int) -> PeriodReopened:
        closed = self.period_closed(number, version=version)
        return PeriodReopened(
            school_id=self.id,
            version=version,
            period_id=closed.period_id,
            year_id=self.year_id,
            kind="quarter",
            number=number,
            starts_on=closed.starts_on,
            ends_on=closed.ends_on,
            reopened_by=uuid.uuid4(),
            reopened_at=datetime(2026, 12, 29, 9, tzinfo=UTC),
        )
