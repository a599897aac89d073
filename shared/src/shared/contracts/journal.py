"""Events published by journal. Children's data is kept to ids: no names leave journal."""

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Bundle, Event

PeriodKind = Literal["quarter", "half"]
RoundingRule = Literal["from_0_50", "from_0_60", "from_0_65"]


class ClassOpened(Event):
    routing_key: ClassVar[str] = "journal.class.opened.v1"
    aggregate: ClassVar[str] = "class"

    class_id: uuid.UUID
    name: str
    grade: int
    class_teacher_id: uuid.UUID | None = None

    def aggregate_id(self) -> str:
        return str(self.class_id)


class StudentEnrolled(Event):
    """A student joined a class list."""

    routing_key: ClassVar[str] = "journal.student.enrolled.v1"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    class_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.student_id)


class GuardianLinked(Event):
    """A parent (or other legal guardian) was linked to a student."""

    routing_key: ClassVar[str] = "journal.guardian.linked.v1"
    aggregate: ClassVar[str] = "guardianship"

    guardian_id: uuid.UUID
    student_id: uuid.UUID

    def aggregate_id(self) -> str:
        return f"{self.guardian_id}:{self.student_id}"


class StudentEnrolledV2(Event):
    """A student joined a class on a date (a first enrollment, or the new class of a
    transfer, which also publishes `StudentTransferred`). `version` is the student's."""

    routing_key: ClassVar[str] = "journal.student.enrolled.v2"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    class_id: uuid.UUID
    enrollment_id: uuid.UUID
    starts_on: date

    def aggregate_id(self) -> str:
        return str(self.student_id)


class StudentTransferred(Event):
    """A student moved to another class: the old enrollment ended the day before `on`."""

    routing_key: ClassVar[str] = "journal.student.transferred.v1"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    from_class_id: uuid.UUID
    to_class_id: uuid.UUID
    enrollment_id: uuid.UUID
    on: date

    def aggregate_id(self) -> str:
        return str(self.student_id)


class StudentLeft(Event):
    """A student left the school; `last_day` is the last day they were enrolled."""

    routing_key: ClassVar[str] = "journal.student.left.v1"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    class_id: uuid.UUID
    last_day: date

    def aggregate_id(self) -> str:
        return str(self.student_id)


class GuardianUnlinked(Event):
    """A guardian is no longer linked to a student (the tombstone of `GuardianLinked`,
    with the link's version)."""

    routing_key: ClassVar[str] = "journal.guardian.unlinked.v1"
    aggregate: ClassVar[str] = "guardianship"

    guardian_id: uuid.UUID
    student_id: uuid.UUID

    def aggregate_id(self) -> str:
        return f"{self.guardian_id}:{self.student_id}"


class GroupOpened(Event):
    """A group (a language subgroup, say) was opened within a class."""

    routing_key: ClassVar[str] = "journal.group.opened.v1"
    aggregate: ClassVar[str] = "group"

    group_id: uuid.UUID
    class_id: uuid.UUID
    name: str

    def aggregate_id(self) -> str:
        return str(self.group_id)


class GroupJoined(Event):
    """A student became a member of a class group from `starts_on` (membership version 1)."""

    routing_key: ClassVar[str] = "journal.group.joined.v1"
    aggregate: ClassVar[str] = "group_membership"

    membership_id: uuid.UUID
    group_id: uuid.UUID
    class_id: uuid.UUID
    student_id: uuid.UUID
    starts_on: date

    def aggregate_id(self) -> str:
        return str(self.membership_id)


class GroupLeft(Event):
    """A student's group membership ended; `last_day` was its last day."""

    routing_key: ClassVar[str] = "journal.group.left.v1"
    aggregate: ClassVar[str] = "group_membership"

    membership_id: uuid.UUID
    group_id: uuid.UUID
    student_id: uuid.UUID
    last_day: date

    def aggregate_id(self) -> str:
        return str(self.membership_id)


class RemarkWritten(Event):
    """A teacher wrote a remark (`remark`, замечание) or praise (`praise`) about a student.
    The text stays in journal: consumers read it there, with the family's permission."""

    routing_key: ClassVar[str] = "journal.remark.written.v1"
    aggregate: ClassVar[str] = "remark"

    remark_id: uuid.UUID
    student_id: uuid.UUID
    class_id: uuid.UUID
    author_id: uuid.UUID
    kind: str
    on: date

    def aggregate_id(self) -> str:
        return str(self.remark_id)


class AssignmentMade(Event):
    """A teacher was assigned to teach a subject in a class."""

    routing_key: ClassVar[str] = "journal.assignment.made.v1"
    aggregate: ClassVar[str] = "assignment"

    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str

    def aggregate_id(self) -> str:
        return str(self.assignment_id)


class MarkPosted(Event):
    """A teacher posted a mark (1-5) for a student on a lesson."""

    routing_key: ClassVar[str] = "journal.mark.posted.v1"
    aggregate: ClassVar[str] = "mark"

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    value: int
    work_type: str
    weight: int
    # Added after v1 was defined (additive): lets consumers word a notification without
    # a lookup; None from producers that predate it.
    work_type_name: str | None = None

    def aggregate_id(self) -> str:
        return str(self.mark_id)


class MarkChanged(Event):
    """A mark's value or work type was corrected; the mark's state after the change.

    The whole state travels (not only what changed), so a consumer can apply any version
    it receives first and a late older one does nothing. The reason stays in journal's
    history: it is free text about a child, and no personal data leaves journal."""

    routing_key: ClassVar[str] = "journal.mark.changed.v1"
    aggregate: ClassVar[str] = "mark"

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    value: int
    work_type: str
    weight: int
    work_type_name: str
    old_value: int
    old_work_type: str

    def aggregate_id(self) -> str:
        return str(self.mark_id)


class MarkRemoved(Event):
    """A mark was removed: a tombstone with the mark's last state and a newer version, so
    a MarkPosted or MarkChanged arriving after it changes nothing."""

    routing_key: ClassVar[str] = "journal.mark.removed.v1"
    aggregate: ClassVar[str] = "mark"

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    value: int
    work_type: str
    weight: int
    work_type_name: str

    def aggregate_id(self) -> str:
        return str(self.mark_id)


AttendanceCode = Literal["Н", "Б", "П", "ОП"]
"""Н absent without a reason, Б ill, П absent with a valid reason, ОП late (DESIGN §7)."""


class AttendanceMarked(Event):
    """A student's attendance of a lesson was set or changed (the cell's state after it).

    One event for setting and changing: a consumer only ever needs the cell's current
    code, and it takes whichever version is newest."""

    routing_key: ClassVar[str] = "journal.attendance.marked.v1"
    aggregate: ClassVar[str] = "attendance"

    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    code: AttendanceCode
    # None when the cell held no code before (a first mark or one after a clearing).
    old_code: AttendanceCode | None = None

    def aggregate_id(self) -> str:
        return f"{self.lesson_id}:{self.student_id}"


class AttendanceCleared(Event):
    """A student's attendance mark was cleared (they were present after all): a
    tombstone with the cell's newer version."""

    routing_key: ClassVar[str] = "journal.attendance.cleared.v1"
    aggregate: ClassVar[str] = "attendance"

    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    old_code: AttendanceCode

    def aggregate_id(self) -> str:
        return f"{self.lesson_id}:{self.student_id}"


class LessonTopicSet(Event):
    """A lesson's topic or its thematic-plan item was set, changed or cleared (the lesson's
    state after it). `version` is the lesson's, which topic and homework edits share: a
    consumer keeps, per subject, whichever version is newest."""

    routing_key: ClassVar[str] = "journal.lesson.topic_set.v1"
    aggregate: ClassVar[str] = "lesson"

    lesson_id: uuid.UUID
    lesson_date: date
    class_id: uuid.UUID
    subject_id: uuid.UUID
    teacher_id: uuid.UUID
    topic: str | None
    plan_item_id: uuid.UUID | None = None

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class HomeworkFile(BaseModel):
    """A file of a homework, as its events list it (the bytes stay in journal)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    attachment_id: uuid.UUID
    file_name: str
    content_type: str
    size: int


class HomeworkSet(Event):
    """A lesson's homework was set or changed: its text, due date and files after the
    change. `version` is the lesson's (shared with topic edits, so it may skip numbers)."""

    routing_key: ClassVar[str] = "journal.homework.set.v1"
    aggregate: ClassVar[str] = "homework"

    lesson_id: uuid.UUID
    lesson_date: date
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    # None when the homework is only its files.
    text: str | None
    due_on: date | None
    attachments: list[HomeworkFile] = Field(default_factory=list)

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class HomeworkCleared(Event):
    """A lesson's homework was cleared (text, due date and files): a tombstone with the
    lesson's newer version."""

    routing_key: ClassVar[str] = "journal.homework.cleared.v1"
    aggregate: ClassVar[str] = "homework"

    lesson_id: uuid.UUID
    lesson_date: date
    class_id: uuid.UUID
    subject_id: uuid.UUID
    teacher_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class PageSaved(Bundle):
    """One save of a teacher's journal page (an assignment in a period): the marks posted,
    corrected and removed, the attendance cells and the lessons' topics and homework it
    wrote, each as the event its single-cell endpoint would have published (own id, type,
    subject and aggregate version), together in one message. A consumer applies them as
    if they had arrived one by one (shared.inbox does); the bundle itself is no aggregate
    and has version 1."""

    routing_key: ClassVar[str] = "journal.page.saved.v1"
    aggregate: ClassVar[str] = "page"
    carries: ClassVar[tuple[type[Event], ...]] = (
        MarkPosted,
        MarkChanged,
        MarkRemoved,
        AttendanceMarked,
        AttendanceCleared,
        LessonTopicSet,
        HomeworkSet,
        HomeworkCleared,
    )

    assignment_id: uuid.UUID
    period_id: uuid.UUID
    saved_by: uuid.UUID  # the account: the assignment's teacher, a substitute or the deputy

    def aggregate_id(self) -> str:
        return f"{self.assignment_id}:{self.period_id}"


class YearPeriod(BaseModel):
    """A quarter or a half of an academic year, as carried by `YearCalendarChanged`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    period_id: uuid.UUID
    kind: PeriodKind
    number: int
    starts_on: date
    ends_on: date


class YearHoliday(BaseModel):
    """Holidays (каникулы) or a single day off inside an academic year."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    starts_on: date
    ends_on: date


class YearCalendarChanged(Event):
    """An academic year was opened or its dates, periods or holidays changed.

    The whole calendar of the year travels in every event (not one event per period or
    holiday): a consumer replaces what it holds when the version is newer, so a removed
    holiday or a renumbered period needs no tombstone and the order of delivery does not
    matter. Version 1 is the year's opening."""

    routing_key: ClassVar[str] = "journal.year.calendar_changed.v1"
    aggregate: ClassVar[str] = "year"

    year_id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
    periods: list[YearPeriod]
    holidays: list[YearHoliday]

    def aggregate_id(self) -> str:
        return str(self.year_id)


class PeriodClosed(Event):
    """The deputy closed a quarter or a half: from now on journal refuses every change
    dated inside it (marks, attendance, lessons) for the classes using that kind of
    period, until it is reopened. `version` is the period's closing version (+ 1 per
    closing and reopening), so a consumer keeps whichever fact is newest."""

    routing_key: ClassVar[str] = "journal.period.closed.v1"
    aggregate: ClassVar[str] = "period"

    period_id: uuid.UUID
    year_id: uuid.UUID
    kind: PeriodKind
    number: int
    starts_on: date
    ends_on: date
    closed_by: uuid.UUID
    closed_at: datetime

    def aggregate_id(self) -> str:
        return str(self.period_id)


class PeriodReopened(Event):
    """The deputy reopened a closed period: changes inside it are accepted again."""

    routing_key: ClassVar[str] = "journal.period.reopened.v1"
    aggregate: ClassVar[str] = "period"

    period_id: uuid.UUID
    year_id: uuid.UUID
    kind: PeriodKind
    number: int
    starts_on: date
    ends_on: date
    reopened_by: uuid.UUID
    reopened_at: datetime

    def aggregate_id(self) -> str:
        return str(self.period_id)


class WorkTypeChanged(Event):
    """A work type was added, renamed, reweighted, deactivated or reactivated.

    Averages use a work type's current weight (docs/architecture.md), so a consumer that
    computes averages projects this event and weighs marks by `code`."""

    routing_key: ClassVar[str] = "journal.work_type.changed.v1"
    aggregate: ClassVar[str] = "work_type"

    work_type_id: uuid.UUID
    code: str
    name: str
    weight: int
    active: bool

    def aggregate_id(self) -> str:
        return str(self.work_type_id)


class GradingSettingsChanged(Event):
    """The school changed its grading settings (one aggregate per school)."""

    routing_key: ClassVar[str] = "journal.grading.changed.v1"
    aggregate: ClassVar[str] = "grading"

    rounding_rule: RoundingRule
    min_marks_per_period: int
    late_entry_days: int
    lock_after_days: int
    half_year_grades: list[int]
    # Class levels taught without marks (безотметочное обучение); events published before
    # the setting existed meant journal's default, the first grade.
    unmarked_grades: list[int] = Field(default_factory=lambda: [1])

    def aggregate_id(self) -> str:
        return str(self.school_id)


class CurriculumSubjectHours(BaseModel):
    """A subject's hours in a class level's curriculum, as `CurriculumChanged` carries them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subject_id: uuid.UUID
    weekly_hours: float
    yearly_hours: float


class CurriculumChanged(Event):
    """A year's curriculum (учебный план) for one class level was set or changed.

    The aggregate is (year, class level): every event carries all of that level's subjects,
    so a subject dropped from the plan needs no tombstone. Yearly hours are weekly hours ×
    the level's weeks in the year (33 for grade 1, 34 otherwise)."""

    routing_key: ClassVar[str] = "journal.curriculum.changed.v1"
    aggregate: ClassVar[str] = "curriculum"

    year_id: uuid.UUID
    grade: int
    weeks: int
    subjects: list[CurriculumSubjectHours]

    def aggregate_id(self) -> str:
        return f"{self.year_id}:{self.grade}"


class ThematicPlanItem(BaseModel):
    """One topic of a thematic plan, in the plan's order; its id stays across changes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    item_id: uuid.UUID
    position: int
    topic: str
    hours: int
    work_type: str | None = None
    planned_week: int | None = None
    planned_on: date | None = None


class ThematicPlanChanged(Event):
    """A teaching assignment's thematic plan (КТП) for a year was replaced or edited.

    Every event carries the whole ordered plan (a plan is at most a few hundred short
    items), so reporting can check programme coverage without tombstones per item."""

    routing_key: ClassVar[str] = "journal.thematic_plan.changed.v1"
    aggregate: ClassVar[str] = "thematic_plan"

    plan_id: uuid.UUID
    assignment_id: uuid.UUID
    year_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    planned_hours: int
    items: list[ThematicPlanItem]

    def aggregate_id(self) -> str:
        return str(self.plan_id)


class _LessonState(Event):
    """A dated lesson's whole state after a change: every lesson event carries it, so a
    consumer applies whichever version is newest and a late older one does nothing.
    `teacher_id` is the assignment's teacher; `substitute_id` who gives this lesson
    instead (None without a substitution). Reasons of cancellations stay in journal."""

    aggregate: ClassVar[str] = "lesson"

    lesson_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    group_id: uuid.UUID | None = None
    subject_id: uuid.UUID
    teacher_id: uuid.UUID
    substitute_id: uuid.UUID | None = None
    lesson_date: date
    lesson_number: int | None = None
    topic: str | None = None
    homework: str | None = None
    cancelled: bool = False

    def aggregate_id(self) -> str:
        return str(self.lesson_id)


class LessonScheduled(_LessonState):
    """A lesson was created: recorded by its teacher or generated from the timetable
    (version 1)."""

    routing_key: ClassVar[str] = "journal.lesson.scheduled.v1"


class LessonMoved(_LessonState):
    """A lesson was moved to another date and/or lesson number (`old_*`: where it was)."""

    routing_key: ClassVar[str] = "journal.lesson.moved.v1"

    old_lesson_date: date
    old_lesson_number: int | None = None


class LessonCancelled(_LessonState):
    """A lesson was cancelled (`cancelled` true); it stays in the journal as cancelled."""

    routing_key: ClassVar[str] = "journal.lesson.cancelled.v1"


class LessonSubstituted(_LessonState):
    """Another teacher (`substitute_id`) gives this lesson; None: the substitution ended."""

    routing_key: ClassVar[str] = "journal.lesson.substituted.v1"


class BellLessonTimes(BaseModel):
    """One lesson of the bell schedule, times of day in the school's zone ("08:30")."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    lesson_number: int
    starts_at: str
    ends_at: str


class BellScheduleChanged(Event):
    """The school's bell schedule was set or replaced (the whole schedule travels)."""

    routing_key: ClassVar[str] = "journal.bell_schedule.changed.v1"
    aggregate: ClassVar[str] = "bell_schedule"

    lessons: list[BellLessonTimes]

    def aggregate_id(self) -> str:
        return str(self.school_id)


class TimetableEntryChanged(Event):
    """A weekly timetable entry was added or ended (its whole state; `valid_to` None:
    open-ended)."""

    routing_key: ClassVar[str] = "journal.timetable_entry.changed.v1"
    aggregate: ClassVar[str] = "timetable_entry"

    entry_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    group_id: uuid.UUID | None = None
    subject_id: uuid.UUID
    teacher_id: uuid.UUID
    weekday: int
    lesson_number: int
    valid_from: date
    valid_to: date | None = None

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class TimetableEntryRemoved(Event):
    """A timetable entry was removed (entered by mistake): a tombstone with a newer
    version. Lessons generated from it stay."""

    routing_key: ClassVar[str] = "journal.timetable_entry.removed.v1"
    aggregate: ClassVar[str] = "timetable_entry"

    entry_id: uuid.UUID
    class_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class ClassJournalCounts(BaseModel):
    """How many records of each kind a class journal's export holds (`records`: every
    line of it, its opening `class` line included). Kinds added later default to 0."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    students: int
    enrollments: int
    lessons: int
    marks: int
    mark_changes: int
    attendance: int
    attendance_changes: int
    remarks: int
    # Added with final marks and homework files: a manifest published before reads 0.
    final_marks: int = 0
    final_mark_changes: int = 0
    homework_attachments: int = 0
    # Added with groups and thematic plans.
    groups: int = 0
    group_memberships: int = 0
    thematic_plans: int = 0
    thematic_plan_items: int = 0
    # Added with guardians (`guardianships`: their links to the class's students) and the
    # level's curriculum hours (one per subject).
    guardians: int = 0
    guardianships: int = 0
    curriculum_hours: int = 0
    records: int


class ClassJournalManifest(BaseModel):
    """One class journal (a class × the year): its counts and the SHA-256 (hex) of its
    export lines exactly as streamed (canonical JSON, one line each, in order)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    class_id: uuid.UUID
    class_name: str
    grade: int
    counts: ClassJournalCounts
    sha256: str


class YearManifest(BaseModel):
    """What a closed year's export holds; `sha256` covers the export's header line and
    every class journal's manifest entry (see docs/architecture.md, "Year closing")."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal["journal-export/1"]
    class_journals: list[ClassJournalManifest]
    sha256: str


class YearClosed(Event):
    """An academic year was closed: it is read-only now, and its export
    (`GET /api/journal/years/{id}/export`, service token with `journal.export`) holds
    exactly what the manifest counts and hashes. No names: counts and hashes only."""

    routing_key: ClassVar[str] = "journal.year.closed.v1"
    aggregate: ClassVar[str] = "year"

    year_id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
    closed_at: datetime
    closed_by: uuid.UUID
    manifest: YearManifest

    def aggregate_id(self) -> str:
        return str(self.year_id)


SpecialEntry = Literal["н/а", "осв", "зч"]
"""Entries that are not numbers (DESIGN §7): not attested, exempt, pass (зачтено)."""


class FinalMarkSet(Event):
    """A student's final mark of a subject for a period (quarter or half) or for the year
    (`period_id` None) was set or changed: its state after the change. One event for both,
    as for attendance: a consumer only needs the current value, the newest version wins.
    The reason stays in journal's history."""

    routing_key: ClassVar[str] = "journal.final_mark.set.v1"
    aggregate: ClassVar[str] = "final_mark"

    final_mark_id: uuid.UUID
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    year_id: uuid.UUID
    period_id: uuid.UUID | None = None
    value: int | SpecialEntry
    # None when there was no final mark before (a first one, or one after a removal).
    old_value: int | SpecialEntry | None = None

    def aggregate_id(self) -> str:
        return str(self.final_mark_id)


class FinalMarkRemoved(Event):
    """A final mark was removed: a tombstone with its last value and a newer version, so an
    older `FinalMarkSet` arriving after it changes nothing."""

    routing_key: ClassVar[str] = "journal.final_mark.removed.v1"
    aggregate: ClassVar[str] = "final_mark"

    final_mark_id: uuid.UUID
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    year_id: uuid.UUID
    period_id: uuid.UUID | None = None
    old_value: int | SpecialEntry

    def aggregate_id(self) -> str:
        return str(self.final_mark_id)


EVENTS: tuple[type[Event], ...] = (
    ClassOpened,
    StudentEnrolled,
    GuardianLinked,
    StudentEnrolledV2,
    StudentTransferred,
    StudentLeft,
    GuardianUnlinked,
    GroupOpened,
    GroupJoined,
    GroupLeft,
    RemarkWritten,
    AssignmentMade,
    MarkPosted,
    MarkChanged,
    MarkRemoved,
    AttendanceMarked,
    AttendanceCleared,
    YearCalendarChanged,
    PeriodClosed,
    PeriodReopened,
    WorkTypeChanged,
    GradingSettingsChanged,
    CurriculumChanged,
    ThematicPlanChanged,
    LessonScheduled,
    LessonMoved,
    LessonCancelled,
    LessonSubstituted,
    BellScheduleChanged,
    TimetableEntryChanged,
    TimetableEntryRemoved,
    FinalMarkSet,
    FinalMarkRemoved,
    LessonTopicSet,
    HomeworkSet,
    HomeworkCleared,
    PageSaved,
    YearClosed,
)
