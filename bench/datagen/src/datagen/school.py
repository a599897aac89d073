"""One generated school: its people, classes, curriculum, a year of lessons and marks.

Everything comes from one seeded random generator, so a seed, a school number and a scale
always give the same school, ids included.
"""

import bisect
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from datagen import names
from datagen.curriculum import (
    CLASS_NAMES,
    SUBJECTS,
    TEACHER_LOAD,
    SchoolYear,
    Subject,
    subjects_of,
)
from journal.attendance.service import MARKED  # the history reason of a first code
from journal.calendar.rules import period_kind_for
from journal.curriculum.rules import weeks_in_year
from journal.finals.rules import FinalValue
from journal.grading.rules import suggest_from_entries
from journal.grading.service import DEFAULT_SETTINGS
from journal.school.service import DEFAULT_WORK_TYPES
from shared.contracts.journal import SpecialEntry

TIMEZONE = "Europe/Moscow"
ZONE = ZoneInfo(TIMEZONE)

# The work types journal gives a new school, and their weights; and how often each shows
# up among the marks of an ordinary lesson.
WORK_TYPES = {w.code: w for w in DEFAULT_WORK_TYPES}
ORDINARY_WORK = ("answer", "homework", "independent")
ORDINARY_WORK_SHARE = (0.6, 0.25, 0.15)
# Every eighth lesson of a subject is a test or a control work that nearly everyone writes.
WRITTEN_WORK_EVERY = 8
ORDINARY_MARKS_MEAN = 3.1


@dataclass(slots=True)
class Person:
    id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str
    female: bool
    login: str = ""
    account_id: uuid.UUID | None = None


@dataclass(slots=True)
class StaffMember(Person):
    roles: list[str] = field(default_factory=list)
    subject_groups: list[str] = field(default_factory=list)
    load: int = 0


@dataclass(slots=True)
class Student(Person):
    birth_date: date = date(2015, 1, 1)
    class_id: uuid.UUID | None = None
    ability: float = 4.0
    guardians: list["Guardian"] = field(default_factory=list)
    family: str = ""  # the surname's male form, which brothers and sisters share


@dataclass(slots=True)
class Guardian(Person):
    phone: str = ""
    email: str = ""


@dataclass(slots=True)
class SchoolClass:
    id: uuid.UUID
    grade: int
    name: str
    class_teacher: StaffMember | None = None
    students: list[Student] = field(default_factory=list)


@dataclass(slots=True)
class SchoolSubject:
    id: uuid.UUID
    name: str
    curriculum: Subject


@dataclass(slots=True)
class Assignment:
    id: uuid.UUID
    teacher: StaffMember
    school_class: SchoolClass
    subject: SchoolSubject
    hours: int


@dataclass(slots=True)
class TimetableEntry:
    """A weekly slot of a class (weekday 1 = Monday, lesson number of the bell schedule),
    given by an assignment for the whole year."""

    id: uuid.UUID
    assignment: Assignment
    weekday: int
    number: int


# The school's bell schedule: lesson n from 08:30 + 55 min per lesson before it, 45 min long
# (journal.timetable keeps at most 12 a day: a few older classes reach the 11th).
BELL_LESSONS = 12


def bells() -> list[tuple[int, time, time]]:
    """(lesson number, starts, ends) of the generated schools' bell schedule."""
    day = datetime(2000, 1, 1, 8, 30)
    return [
        (
            n,
            (day + timedelta(minutes=55 * (n - 1))).time(),
            (day + timedelta(minutes=55 * (n - 1) + 45)).time(),
        )
        for n in range(1, BELL_LESSONS + 1)
    ]


def entry_id(assignment: Assignment, start_year: int, weekday: int, number: int) -> uuid.UUID:
    return uuid.uuid5(assignment.id, f"timetable:{start_year}:{weekday}:{number}")


@dataclass(slots=True)
class PlanItem:
    """One topic of a thematic plan: `hours` lessons, in the order of `position`."""

    id: uuid.UUID
    position: int
    topic: str
    hours: int
    work_type: str | None = None  # the written work that closes a topic, if any
    planned_week: int | None = None


@dataclass(slots=True)
class Plan:
    """An assignment's thematic plan for the year, written by its teacher before 1 September."""

    id: uuid.UUID
    assignment: Assignment
    items: list[PlanItem]
    written_at: datetime


Day = date  # a lesson's field named `date` hides the type inside the class


@dataclass(slots=True)
class Lesson:
    id: uuid.UUID
    assignment: Assignment
    date: date
    starts_at: datetime
    topic: str
    homework: str | None
    plan_item: PlanItem | None = None  # the plan's topic the lesson's topic comes from
    number: int | None = None  # its lesson number of the day (the timetable's slot)
    # When its teacher set the homework (PUT /lessons/{id}/homework, a version of its own)
    # and when it is due: by default the date of the assignment's next lesson.
    homework_at: datetime | None = None
    homework_due_on: Day | None = None

    @property
    def version(self) -> int:
        """Scheduled at 1; setting the homework bumps it (journal.homework.service)."""
        return 2 if self.homework is not None else 1


@dataclass(slots=True)
class Correction:
    """One change of a mark or an attendance cell after its first version: a new value
    (None: the mark removed, the cell cleared) with the reason journal requires."""

    value: int | str | None
    reason: str
    at: datetime
    history_id: uuid.UUID
    event_id: uuid.UUID
    work_type: str | None = None  # a mark's work type after the change


@dataclass(slots=True)
class Mark:
    id: uuid.UUID
    lesson: Lesson
    student: Student
    work_type: str
    value: int
    posted_at: datetime
    event_id: uuid.UUID
    history_id: uuid.UUID
    corrections: list[Correction] = field(default_factory=list)

    @property
    def version(self) -> int:
        return 1 + len(self.corrections)

    @property
    def removal(self) -> Correction | None:
        last = self.corrections[-1] if self.corrections else None
        return last if last is not None and last.value is None else None

    @property
    def current(self) -> tuple[int, str]:
        """(value, work type) as the mark stands (before a removal, if removed)."""
        value, work_type = self.value, self.work_type
        for change in self.corrections:
            if change.value is not None:
                assert isinstance(change.value, int) and change.work_type is not None
                value, work_type = change.value, change.work_type
        return value, work_type


@dataclass(slots=True)
class Attendance:
    """A student's cell of a lesson: the first code and any changes, oldest first."""

    lesson: Lesson
    student: Student
    changes: list[Correction]

    @property
    def code(self) -> str | None:
        value = self.changes[-1].value
        assert value is None or isinstance(value, str)
        return value


@dataclass(slots=True)
class Remark:
    id: uuid.UUID
    student: Student
    school_class: SchoolClass
    author: StaffMember
    kind: str  # remark, praise
    text: str
    date: date
    written_at: datetime
    event_id: uuid.UUID


@dataclass(slots=True)
class FinalMark:
    """A student's final mark of an assignment's subject for a period (kind, number, first
    and last day), set by its teacher once: the suggestion, or н/а."""

    id: uuid.UUID
    assignment: Assignment
    student: Student
    period: tuple[str, int, date, date]
    value: FinalValue
    set_at: datetime
    history_id: uuid.UUID
    event_id: uuid.UUID


@dataclass
class GeneratedSchool:
    number: int
    id: uuid.UUID
    name: str
    year: SchoolYear
    until: date  # the last day the journal holds
    admin: StaffMember
    staff: list[StaffMember]
    classes: list[SchoolClass]
    subjects: list[SchoolSubject]
    assignments: list[Assignment]
    lessons: list[Lesson]
    marks: list[Mark]
    work_type_ids: dict[str, uuid.UUID]
    registered_at: datetime
    plans: list[Plan] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    timetable: list[TimetableEntry] = field(default_factory=list)
    finals: list[FinalMark] = field(default_factory=list)

    @property
    def students(self) -> list[Student]:
        return [s for c in self.classes for s in c.students]

    @property
    def guardians(self) -> list[Guardian]:
        """Each guardian once, though siblings share them."""
        unique: dict[uuid.UUID, Guardian] = {}
        for student in self.students:
            for guardian in student.guardians:
                unique.setdefault(guardian.id, guardian)
        return list(unique.values())


class Generator:
    """Builds one school from (seed, number, scale); see `build_school`."""

    def __init__(self, seed: int, number: int) -> None:
        self.rng = random.Random(f"school:{seed}:{number}")
        self.counters: dict[str, int] = defaultdict(int)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def person_name(self, female: bool, family: str | None = None) -> tuple[str, str, str]:
        last = names.surname(family or self.rng.choice(names.SURNAMES), female)
        first = self.rng.choice(names.WOMEN if female else names.MEN)
        middle = names.patronymic(self.rng.choice(list(names.PATRONYMICS)), female)
        return last, first, middle

    def next_number(self, kind: str) -> int:
        """1, 2, 3... for each kind of login (students, parents)."""
        self.counters[kind] += 1
        return self.counters[kind]

    def staff_member(self, roles: list[str], login: str) -> StaffMember:
        female = self.rng.random() < 0.8  # most teachers in Russian schools are women
        last, first, middle = self.person_name(female)
        member = StaffMember(self.uuid(), last, first, middle, female, login=login, roles=roles)
        member.account_id = member.id
        return member


def _class_count(scale: float) -> int:
    return max(1, min(len(CLASS_NAMES), round(len(CLASS_NAMES) * scale)))


def build_school(
    *,
    seed: int,
    number: int,
    scale: float,
    year: SchoolYear,
    until: datetime | None = None,
) -> GeneratedSchool:
    """A school of about 1,000 students at scale 1 (40 classes), with a year of lessons and
    marks as they stand at the moment `until` (the whole year if None): nothing after it."""
    gen = Generator(seed, number)
    prefix = f"s{number}-"
    school_id = gen.uuid()
    registered_at = datetime.combine(year.first_day - timedelta(days=10), time(9), ZONE)

    admin = gen.staff_member(["sysadmin"], f"{prefix}admin")
    director = gen.staff_member(["director"], f"{prefix}director")
    deputies = [gen.staff_member(["deputy"], f"{prefix}deputy{i + 1}") for i in range(2)]

    classes = [
        SchoolClass(gen.uuid(), grade, f"{grade}{letter}")
        for grade, letter in CLASS_NAMES[: _class_count(scale)]
    ]
    grades = {c.grade for c in classes}
    subjects = [
        SchoolSubject(gen.uuid(), s.name, s)
        for s in SUBJECTS
        if any(grade in s.hours for grade in grades)
    ]
    by_curriculum = {s.name: s for s in subjects}

    teachers = _hire_teachers(gen, classes, prefix)
    assignments = _assign(gen, classes, by_curriculum, teachers)
    for school_class in classes:
        _fill_class(gen, school_class, year, prefix)
    work_type_ids = {code: gen.uuid() for code in WORK_TYPES}

    staff = [admin, director, *deputies, *teachers]
    plans = [plan_for(a, year, registered_at) for a in assignments]
    timetable: list[TimetableEntry] = []
    lessons = _hold_lessons(
        gen, assignments, year, until, {p.assignment.id: p for p in plans}, timetable
    )
    homework_due_dates(lessons)
    marks = _give_marks(gen, lessons, until)
    # What follows draws from generators of its own: the marks above stay the same marks
    # whatever is added after them.
    moment = until or datetime.combine(year.last_day, time(23, 59), ZONE)
    _correct_marks(random.Random(f"corrections:{seed}:{number}"), marks, moment)
    attendance = _take_attendance(
        random.Random(f"attendance:{seed}:{number}"), lessons, marks, moment
    )
    remarks = _write_remarks(random.Random(f"remarks:{seed}:{number}"), lessons, moment)
    finals = _set_finals(random.Random(f"finals:{seed}:{number}"), assignments, year, marks, moment)
    return GeneratedSchool(
        number=number,
        id=school_id,
        name=f"ГБОУ СОШ № {100 + number}",
        year=year,
        until=min(until.astimezone(ZONE).date(), year.last_day) if until else year.last_day,
        admin=admin,
        staff=staff,
        classes=classes,
        subjects=subjects,
        assignments=assignments,
        lessons=lessons,
        marks=marks,
        work_type_ids=work_type_ids,
        registered_at=registered_at.astimezone(UTC),
        plans=plans,
        attendance=attendance,
        remarks=remarks,
        timetable=timetable,
        finals=finals,
    )


def _hire_teachers(gen: Generator, classes: list[SchoolClass], prefix: str) -> list[StaffMember]:
    """Enough teachers for every group's weekly hours; a primary class has its own teacher."""
    hours: dict[str, int] = defaultdict(int)
    for school_class in classes:
        for subject in subjects_of(school_class.grade):
            group = subject.teacher_group(school_class.grade)
            if group != "primary":
                hours[group] += subject.hours[school_class.grade]
    teachers: list[StaffMember] = []
    for school_class in classes:
        if school_class.grade <= 4:
            teacher = gen.staff_member(["teacher"], "")
            teacher.subject_groups = ["primary"]
            teachers.append(teacher)
    for group, total in sorted(hours.items()):
        for _ in range(max(1, math.ceil(total / TEACHER_LOAD))):
            teacher = gen.staff_member(["teacher"], "")
            teacher.subject_groups = [group]
            teachers.append(teacher)
    for i, teacher in enumerate(teachers, start=1):
        teacher.login = f"{prefix}teacher{i:03d}"
    return teachers


def _assign(
    gen: Generator,
    classes: list[SchoolClass],
    subjects: dict[str, SchoolSubject],
    teachers: list[StaffMember],
) -> list[Assignment]:
    """Each class's subjects to teachers of their group, balancing the weekly load."""
    pools: dict[str, list[StaffMember]] = defaultdict(list)
    for teacher in teachers:
        pools[teacher.subject_groups[0]].append(teacher)
    primary = iter(pools["primary"])
    assignments = []
    for school_class in classes:
        chosen: dict[str, StaffMember] = {}
        if school_class.grade <= 4:
            chosen["primary"] = next(primary)
        for subject in subjects_of(school_class.grade):
            group = subject.teacher_group(school_class.grade)
            if group not in chosen:
                chosen[group] = min(pools[group], key=lambda t: (t.load, t.login))
            teacher = chosen[group]
            teacher.load += subject.hours[school_class.grade]
            assignments.append(
                Assignment(
                    gen.uuid(),
                    teacher,
                    school_class,
                    subjects[subject.name],
                    subject.hours[school_class.grade],
                )
            )
        # The class teacher: the primary teacher, or the teacher of the class's first subject
        # who leads no class yet.
        leads = {c.class_teacher.id for c in classes if c.class_teacher}
        candidates = [t for t in chosen.values() if t.id not in leads] or list(chosen.values())
        school_class.class_teacher = candidates[0]
        if "class_teacher" not in candidates[0].roles:
            candidates[0].roles.append("class_teacher")
    return assignments


def _fill_class(gen: Generator, school_class: SchoolClass, year: SchoolYear, prefix: str) -> None:
    """About 25 pupils with their parents; one in ten has a brother or sister in the class."""
    rng = gen.rng
    born = year.start_year - 6 - school_class.grade  # a first-former is 7 by autumn
    count = rng.randint(22, 28)
    for _ in range(count):
        female = rng.random() < 0.5
        sibling = (
            school_class.students[-1] if school_class.students and rng.random() < 0.1 else None
        )
        if sibling is not None:
            family, guardians = sibling.family, sibling.guardians
        else:
            family = rng.choice(names.SURNAMES)
            guardians = _parents(gen, family)
        father = next((g for g in guardians if not g.female), None)
        father_name = father.first_name if father else rng.choice(list(names.PATRONYMICS))
        student = Student(
            gen.uuid(),
            names.surname(family, female),
            rng.choice(names.GIRLS if female else names.BOYS),
            names.patronymic(father_name, female),
            female,
            birth_date=date(born, 1, 1) + timedelta(days=rng.randrange(365)),
            class_id=school_class.id,
            ability=min(4.9, max(2.7, rng.gauss(3.95, 0.5))),
            guardians=guardians,
            family=family,
        )
        school_class.students.append(student)
    for student in school_class.students:
        student.login = f"{prefix}student{gen.next_number('student'):04d}"
        student.account_id = gen.uuid()
        for guardian in student.guardians:
            if not guardian.login:
                guardian.login = f"{prefix}parent{gen.next_number('parent'):04d}"
                guardian.account_id = gen.uuid()


def _parents(gen: Generator, family: str) -> list[Guardian]:
    """A mother, and in most families a father too (about 1.7 parents a pupil)."""
    rng = gen.rng
    parents = []
    for female in (True, False):
        if not female and rng.random() > 0.92:
            continue
        last, first, middle = gen.person_name(female, family)
        parent = Guardian(gen.uuid(), last, first, middle, female)
        parent.phone = f"+7 9{rng.randrange(10**8, 10**9)}"
        parent.email = f"parent{rng.getrandbits(40):x}@example.ru"
        parents.append(parent)
    return parents


def _timetable(gen: Generator, assignments: list[Assignment]) -> dict[int, list[Assignment]]:
    """A class's week: each subject's hours spread over Monday to Friday."""
    days: dict[int, list[Assignment]] = defaultdict(list)
    for offset, assignment in enumerate(assignments):
        for k in range(assignment.hours):
            days[(offset + k * 5 // assignment.hours) % 5].append(assignment)
    for lessons in days.values():
        gen.rng.shuffle(lessons)
    return days


def _numbered(
    week: dict[int, list[Assignment]], busy: set[tuple[uuid.UUID, int, int]], start_year: int
) -> list[TimetableEntry]:
    """A class's week in slots: lesson by lesson from the first, each day's next slot
    goes to the first of its lessons left whose teacher teaches no other class then
    (`busy`: (teacher, weekday, number) already taken, filled in here); a slot no
    teacher left is free for stays a gap. The entries come in the order of each day's
    list (the order the lessons are held and marked in, as before the timetable)."""
    entries = []
    for day in sorted(week):
        weekday, lessons = day + 1, week[day]
        numbers: dict[int, int] = {}
        number = 0
        while len(numbers) < len(lessons):
            number += 1
            if number > BELL_LESSONS:
                raise ValueError("the timetable does not fit into the bell schedule")
            free = next(
                (
                    i
                    for i, a in enumerate(lessons)
                    if i not in numbers and (a.teacher.id, weekday, number) not in busy
                ),
                None,
            )
            if free is None:
                continue
            numbers[free] = number
            busy.add((lessons[free].teacher.id, weekday, number))
        for i, a in enumerate(lessons):
            entries.append(
                TimetableEntry(entry_id(a, start_year, weekday, numbers[i]), a, weekday, numbers[i])
            )
    return entries


def plan_for(assignment: Assignment, year: SchoolYear, registered_at: datetime) -> Plan:
    """The assignment's thematic plan: the subject's topics sharing the year's hours (weekly
    hours times the teaching weeks), each closed by a control work when it is marked."""
    grade = assignment.school_class.grade
    topics = assignment.subject.curriculum.topics
    total = assignment.hours * weeks_in_year(grade)
    share, extra = divmod(total, len(topics))
    marked = assignment.subject.curriculum.marked and DEFAULT_SETTINGS.marks_given(grade)
    items, before = [], 0
    for position, topic in enumerate(topics, start=1):
        hours = max(1, share + (1 if position <= extra else 0))
        items.append(
            PlanItem(
                uuid.uuid5(assignment.id, f"plan-item:{year.start_year}:{position}"),
                position,
                topic,
                hours,
                work_type="control" if marked else None,
                planned_week=1 + before // assignment.hours,
            )
        )
        before += hours
    plan_id = uuid.uuid5(assignment.id, f"plan:{year.start_year}")
    return Plan(plan_id, assignment, items, (registered_at + timedelta(days=3)).astimezone(UTC))


def plan_item_of(plan: Plan, n: int) -> PlanItem:
    """The item the n-th lesson (from 1) of the plan's assignment takes its topic from:
    items in order, each for its hours; past the plan's end, its last item."""
    held = 0
    for item in plan.items:
        held += item.hours
        if n <= held:
            return item
    return plan.items[-1]


def _hold_lessons(
    gen: Generator,
    assignments: list[Assignment],
    year: SchoolYear,
    until: datetime | None,
    plans: dict[uuid.UUID, Plan],
    timetable: list[TimetableEntry],
) -> list[Lesson]:
    """Each class's lessons by its weekly timetable (added to `timetable`), day by day."""
    rng = gen.rng
    by_class: dict[uuid.UUID, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_class[assignment.school_class.id].append(assignment)
    school_days = year.school_days(until.astimezone(ZONE).date() if until else None)
    # A lesson counts as held, and can carry marks, ten minutes after it starts.
    last_start = until - timedelta(minutes=10) if until else None
    lessons: list[Lesson] = []
    held: dict[uuid.UUID, int] = defaultdict(int)
    busy: set[tuple[uuid.UUID, int, int]] = set()
    starts_of = {n: start for n, start, _ in bells()}
    for class_assignments in by_class.values():
        entries = _numbered(_timetable(gen, class_assignments), busy, year.start_year)
        timetable.extend(entries)
        week: dict[int, list[TimetableEntry]] = defaultdict(list)
        for entry in entries:
            week[entry.weekday].append(entry)
        for day in school_days:
            for entry in week[day.isoweekday()]:
                assignment = entry.assignment
                held[assignment.id] += 1
                n = held[assignment.id]
                item = plan_item_of(plans[assignment.id], n)
                homework = (
                    f"§ {n // 2 + 1}, упр. {rng.randint(1, 400)}" if rng.random() < 0.7 else None
                )
                starts = datetime.combine(day, starts_of[entry.number], ZONE)
                if last_start is not None and starts > last_start:
                    continue
                # Set by the teacher at the end of the lesson (not yet, before `until`).
                homework_at = starts + timedelta(minutes=HOMEWORK_AFTER_MINUTES)
                if until is not None and homework_at > until:
                    homework = None
                lessons.append(
                    Lesson(
                        gen.uuid(),
                        assignment,
                        day,
                        starts.astimezone(UTC),
                        item.topic,
                        homework,
                        item,
                        number=entry.number,
                        homework_at=homework_at.astimezone(UTC) if homework else None,
                    )
                )
    return lessons


HOMEWORK_AFTER_MINUTES = 40


def homework_due_dates(lessons: list[Lesson]) -> None:
    """Each homework is due on the date of its assignment's next lesson (None without one),
    as journal sets it when the teacher names no date."""
    dates: dict[uuid.UUID, list[date]] = defaultdict(list)
    for lesson in lessons:
        dates[lesson.assignment.id].append(lesson.date)
    for days in dates.values():
        days.sort()
    for lesson in lessons:
        if lesson.homework is None:
            continue
        days = dates[lesson.assignment.id]
        later = bisect.bisect_right(days, lesson.date)
        lesson.homework_due_on = days[later] if later < len(days) else None


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means of marks in a lesson.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _mark_value(rng: random.Random, ability: float, written: bool) -> int:
    value = round(rng.gauss(ability - (0.2 if written else 0.0), 0.75))
    if value < 2:
        return 1 if rng.random() < 0.05 else 2
    return min(5, value)


def _posted_at(rng: random.Random, lesson: Lesson, until: datetime | None) -> datetime:
    """Most marks go in the same day; some days later; one in twenty after a week (late)."""
    roll = rng.random()
    if roll < 0.7:
        delay = timedelta(minutes=rng.randint(10, 600))
    elif roll < 0.95:
        delay = timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
    else:
        delay = timedelta(days=rng.randint(8, 14), minutes=rng.randint(0, 600))
    posted = lesson.starts_at + delay
    # Not after `until`; the lesson itself started at least ten minutes before it.
    return min(posted, until) if until is not None else posted


def _give_marks(gen: Generator, lessons: list[Lesson], until: datetime | None) -> list[Mark]:
    rng = gen.rng
    marks: list[Mark] = []
    count: dict[uuid.UUID, int] = defaultdict(int)
    for lesson in lessons:
        assignment = lesson.assignment
        # No marks in the levels taught without them (the first grade, as journal's default
        # grading settings say), nor in subjects taught without them.
        if (
            not DEFAULT_SETTINGS.marks_given(assignment.school_class.grade)
            or not assignment.subject.curriculum.marked
        ):
            continue
        count[assignment.id] += 1
        students = assignment.school_class.students
        written = count[assignment.id] % WRITTEN_WORK_EVERY == 0
        if written:
            work = "control" if count[assignment.id] % (2 * WRITTEN_WORK_EVERY) == 0 else "test"
            marked = [s for s in students if rng.random() < 0.9]
            works = [work] * len(marked)
        else:
            marked = rng.sample(students, min(len(students), _poisson(rng, ORDINARY_MARKS_MEAN)))
            works = rng.choices(ORDINARY_WORK, ORDINARY_WORK_SHARE, k=len(marked))
        for student, work in zip(marked, works, strict=True):
            marks.append(
                Mark(
                    gen.uuid(),
                    lesson,
                    student,
                    work,
                    _mark_value(rng, student.ability, written),
                    _posted_at(rng, lesson, until),
                    gen.uuid(),
                    gen.uuid(),
                )
            )
    return marks


# A small share of marks is corrected by their teacher within days, as the lock allows.
CHANGED_SHARE = 0.02
REMOVED_SHARE = 0.005
CHANGE_REASONS = (
    "Ошибка при вводе оценки",
    "Пересдача работы",
    "Оценка исправлена по итогам проверки",
)
REMOVAL_REASONS = ("Оценка выставлена не тому ученику", "Работа засчитана в другой день")


def _later(rng: random.Random, at: datetime, moment: datetime) -> datetime | None:
    """A moment one to three days after `at` (within journal's lock), if not after `moment`."""
    later = at + timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 600))
    return later if later <= moment else None


def _correct_marks(rng: random.Random, marks: list[Mark], moment: datetime) -> None:
    for mark in marks:
        roll = rng.random()
        if roll >= CHANGED_SHARE + REMOVED_SHARE:
            continue
        at = _later(rng, mark.posted_at, moment)
        ids = (_uuid(rng), _uuid(rng))
        if at is None:
            continue
        if roll < CHANGED_SHARE:
            value = mark.value + (1 if mark.value < 5 and rng.random() < 0.7 else -1)
            reason = rng.choice(CHANGE_REASONS)
            mark.corrections.append(Correction(value, reason, at, *ids, work_type=mark.work_type))
        else:
            mark.corrections.append(Correction(None, rng.choice(REMOVAL_REASONS), at, *ids))


# About one student in twenty misses a lesson: mostly ill (Б), some without a reason (Н),
# some for a reason the school accepts (П), a few late (ОП).
ABSENT_SHARE = 0.062
CODES = ("Б", "Н", "П", "ОП")
CODE_SHARE = (0.62, 0.18, 0.12, 0.08)
# A few cells change later: a note from home turns Н into П or Б; one in a hundred is cleared.
CHANGED_CELL_SHARE = 0.04
CLEARED_CELL_SHARE = 0.01
CHANGED_TO = {  # the code a note brought later turns a cell into, and the reason written
    "Н": ("Б", "Справка от врача"),
    "П": ("Б", "Справка от врача"),
    "Б": ("П", "Заявление родителей"),
    "ОП": ("П", "Заявление родителей"),
}


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _take_attendance(
    rng: random.Random, lessons: list[Lesson], marks: list[Mark], moment: datetime
) -> list[Attendance]:
    """The absent of each lesson (none who got a mark in it), marked five minutes in."""
    marked = {(m.lesson.id, m.student.id) for m in marks}
    cells: list[Attendance] = []
    for lesson in lessons:
        at = lesson.starts_at + timedelta(minutes=5)
        for student in lesson.assignment.school_class.students:
            if rng.random() >= ABSENT_SHARE or (lesson.id, student.id) in marked or at > moment:
                continue
            code = rng.choices(CODES, CODE_SHARE)[0]
            changes = [Correction(code, MARKED, at, _uuid(rng), _uuid(rng))]
            roll = rng.random()
            later = _later(rng, at, moment)
            if later is not None and roll < CLEARED_CELL_SHARE:
                changes.append(
                    Correction(None, "Ученик был на уроке", later, _uuid(rng), _uuid(rng))
                )
            elif later is not None and roll < CLEARED_CELL_SHARE + CHANGED_CELL_SHARE:
                new, reason = CHANGED_TO[code]
                changes.append(Correction(new, reason, later, _uuid(rng), _uuid(rng)))
            cells.append(Attendance(lesson, student, changes))
    return cells


REMARKS = (
    ("remark", "Не выполнил домашнее задание"),
    ("remark", "Отвлекался на уроке"),
    ("remark", "Опоздал на урок без уважительной причины"),
    ("praise", "Активно работал на уроке"),
    ("praise", "Помог однокласснику разобраться с задачей"),
    ("praise", "Подготовил интересный доклад"),
)
REMARKS_PER_LESSON = 0.03


def _write_remarks(rng: random.Random, lessons: list[Lesson], moment: datetime) -> list[Remark]:
    """Now and then a teacher writes a remark or a praise about a pupil after a lesson."""
    remarks = []
    for lesson in lessons:
        students = lesson.assignment.school_class.students
        if rng.random() >= REMARKS_PER_LESSON or not students:
            continue
        kind, text = rng.choice(REMARKS)
        student = rng.choice(students)
        written = lesson.starts_at + timedelta(minutes=50)
        ids = (_uuid(rng), _uuid(rng))
        if written > moment:
            continue
        remarks.append(
            Remark(
                ids[0],
                student,
                lesson.assignment.school_class,
                lesson.assignment.teacher,
                kind,
                text,
                lesson.date,
                written,
                ids[1],
            )
        )
    return remarks


NOT_ATTESTED: SpecialEntry = "н/а"
FINALS_AT = time(15)  # the period's finals are set on its last day, after lessons


def final_value(marks: list[Mark], first: date, last: date, at: datetime) -> FinalValue:
    """The final mark a teacher sets at `at` for a student's marks of a subject in the
    period from `first` to `last`: journal's suggestion (the weighted average of the marks
    as they stand then, by the school's rounding rule and minimum number of marks; the
    default settings, which the generated schools keep), or н/а without one."""
    entries: list[tuple[int, int]] = []
    for mark in marks:
        if not first <= mark.lesson.date <= last or mark.posted_at > at:
            continue
        value: int | None = mark.value
        work = mark.work_type
        for change in mark.corrections:
            if change.at <= at:
                value = change.value if isinstance(change.value, int) else None
                work = change.work_type or work
        if value is not None:
            entries.append((value, WORK_TYPES[work].weight))
    suggestion = suggest_from_entries(
        entries, DEFAULT_SETTINGS.rounding_rule, DEFAULT_SETTINGS.min_marks_per_period
    )
    return NOT_ATTESTED if suggestion.mark is None else suggestion.mark


def finals_of(
    rng: random.Random,
    assignment: Assignment,
    period: tuple[str, int, date, date],
    marks: list[Mark],
    at: datetime,
) -> list[FinalMark]:
    """The assignment's column of final marks for the period, set at `at`."""
    by_student: dict[uuid.UUID, list[Mark]] = defaultdict(list)
    for mark in marks:
        by_student[mark.student.id].append(mark)
    _, _, first, last = period
    return [
        FinalMark(
            _uuid(rng),
            assignment,
            student,
            period,
            final_value(by_student[student.id], first, last, at),
            at,
            _uuid(rng),
            _uuid(rng),
        )
        for student in assignment.school_class.students
    ]


def _set_finals(
    rng: random.Random,
    assignments: list[Assignment],
    year: SchoolYear,
    marks: list[Mark],
    moment: datetime,
) -> list[FinalMark]:
    """Each marked subject's final marks for every period of its class's kind that ended
    by `moment` (none in the first grade, nor in subjects taught without marks)."""
    by_assignment: dict[uuid.UUID, list[Mark]] = defaultdict(list)
    for mark in marks:
        by_assignment[mark.lesson.assignment.id].append(mark)
    finals: list[FinalMark] = []
    for assignment in assignments:
        grade = assignment.school_class.grade
        if not DEFAULT_SETTINGS.marks_given(grade) or not assignment.subject.curriculum.marked:
            continue
        kind = period_kind_for(grade, DEFAULT_SETTINGS.half_year_grades)
        for period in year.periods():
            at = datetime.combine(period[3], FINALS_AT, ZONE)
            if period[0] != kind or at > moment:
                continue
            finals += finals_of(rng, assignment, period, by_assignment[assignment.id], at)
    return finals
