"""A small school's second quarter as journal and auth describe it in events, with the
figures the reports must show worked out by hand in the tests (imported by them)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from reporting_school import School

from shared.contracts.journal import AssignmentMade, LessonScheduled
from shared.contracts.messaging import MessageSent
from shared.events import Event

MATHS = uuid.uuid5(uuid.NAMESPACE_URL, "report-world:maths")
RUSSIAN = uuid.uuid5(uuid.NAMESPACE_URL, "report-world:russian")


@dataclass
class World:
    school: School
    a: uuid.UUID = field(default_factory=uuid.uuid4)  # 5А
    b: uuid.UUID = field(default_factory=uuid.uuid4)  # 5Б
    maths_teacher: uuid.UUID = field(default_factory=uuid.uuid4)
    russian_teacher: uuid.UUID = field(default_factory=uuid.uuid4)
    lead_a: uuid.UUID = field(default_factory=uuid.uuid4)  # class teacher of 5А
    students: list[uuid.UUID] = field(default_factory=lambda: [uuid.uuid4() for _ in range(3)])
    other: uuid.UUID = field(default_factory=uuid.uuid4)  # a student of 5Б
    events: list[Event] = field(default_factory=list)
    lessons: list[LessonScheduled] = field(default_factory=list)
    maths_a: AssignmentMade | None = None
    russian_a: AssignmentMade | None = None

    @property
    def period(self) -> uuid.UUID:
        return self.school.period_id(2)


def world(school: School) -> World:
    """5А (three students) has maths with a plan, Russian, lessons in November with and
    without topics and homework, absences, late marks, finals; 5Б has one student."""
    w = World(school)
    s = school
    e = w.events
    maths_a = s.assignment(teacher_id=w.maths_teacher, class_id=w.a, subject_id=MATHS)
    russian_a = s.assignment(teacher_id=w.russian_teacher, class_id=w.a, subject_id=RUSSIAN)
    maths_b = s.assignment(teacher_id=w.maths_teacher, class_id=w.b, subject_id=MATHS)
    w.maths_a, w.russian_a = maths_a, russian_a
    e += [
        s.registered(),
        s.year(),
        s.grading(min_marks=2, late_days=7),
        s.class_opened(class_id=w.a, name="5А", class_teacher_id=w.lead_a),
        s.class_opened(class_id=w.b, name="5Б"),
        maths_a,
        russian_a,
        maths_b,
        *(s.enrolled(student, w.a) for student in w.students),
        s.enrolled(w.other, w.b),
        # Maths: 1 hour a week; the quarter (3 Nov - 27 Dec) is 55 days = 7.86 weeks → 8.
        s.curriculum(5, MATHS, 1.0),
        s.plan(
            maths_a,
            [
                ("Дроби", date(2026, 11, 5), None),
                ("Сложение дробей", date(2026, 11, 12), None),
                ("Контрольная работа", date(2026, 11, 19), "control"),
                ("Тема первой четверти", date(2026, 10, 1), None),
            ],
        ),
    ]
    plan_item = {
        topic: uuid.uuid5(maths_a.assignment_id, topic)
        for topic in ("Дроби", "Сложение дробей", "Контрольная работа")
    }
    # Four maths lessons in November: the 5th with topic + homework; the 12th with a topic
    # (set by a later topic event) and no homework; the 19th cancelled; the 26th with
    # neither. One Russian lesson on the 10th with both.
    l1 = s.lesson(maths_a, date(2026, 11, 5), topic="Дроби", homework="№ 1")
    l2 = s.lesson(maths_a, date(2026, 11, 12))
    l3 = s.lesson(maths_a, date(2026, 11, 19), cancelled=True)
    l4 = s.lesson(maths_a, date(2026, 11, 26))
    r1 = s.lesson(russian_a, date(2026, 11, 10), topic="Орфограммы", homework="упр. 5")
    w.lessons = [l1, l2, l3, l4, r1]
    e += [l1, l2, l3, l4, r1]
    e.append(s.topic_set(l1, "Дроби", version=2, plan_item_id=plan_item["Дроби"]))
    e.append(
        s.topic_set(l2, "Сложение дробей", version=2, plan_item_id=plan_item["Сложение дробей"])
    )
    e.append(s.homework_set(l1, version=3))
    st = w.students

    def mark(
        lesson: LessonScheduled, student: uuid.UUID, value: int, *, work_type: str = "answer",
        weight: int = 1, posted: datetime | None = None,
    ) -> None:  # fmt: skip
        e.append(
            s.mark(
                class_id=lesson.class_id, subject_id=lesson.subject_id, student_id=student,
                value=value, lesson_id=lesson.lesson_id, on=lesson.lesson_date,
                teacher_id=lesson.teacher_id, work_type=work_type, weight=weight,
                posted_at=posted,
            )
        )  # fmt: skip

    # Maths marks: s0 5, 5; s1 4 (entered 10 days late), 3 control (weight 3);
    # s2 only one mark (below the minimum of 2).
    mark(l1, st[0], 5)
    mark(l2, st[0], 5)
    mark(l1, st[1], 4, posted=datetime(2026, 11, 15, 9, tzinfo=UTC))
    mark(l4, st[1], 3, work_type="control", weight=3)
    mark(l2, st[2], 2)
    # Finals: s0 4 (the average 5.00 suggests 5: differs), s1 3 ((4 + 9)/4 = 3.25 → 3).
    e.append(s.final(student_id=st[0], class_id=w.a, subject_id=MATHS, value=4,
                     assignment_id=maths_a.assignment_id))  # fmt: skip
    e.append(s.final(student_id=st[1], class_id=w.a, subject_id=MATHS, value=3,
                     assignment_id=maths_a.assignment_id))  # fmt: skip
    # Russian: s0 4, 4.
    mark(r1, st[0], 4)
    mark(r1, st[0], 4)
    # Attendance of 5А: s1 ill on the 5th and absent on the 12th; s2 late on the 26th; an
    # absence of s0 on the 26th, cleared later.
    e.append(s.absence(l1, st[1], "Б"))
    e.append(s.absence(l2, st[1], "Н"))
    e.append(s.absence(l4, st[2], "ОП"))
    wrong = s.absence(l4, st[0], "Н")
    e += [wrong, s.absence_cleared(wrong, version=2)]
    # Sign-ins in the week of 23 November (Moscow days): the deputy twice on Monday, a
    # parent on Monday and Tuesday; the maths teacher entered marks on the 26th.
    deputy = uuid.uuid5(school.id, "deputy")
    parent = uuid.uuid5(school.id, "parent")
    e += [
        s.signed_in(deputy, ["deputy"], datetime(2026, 11, 23, 6, tzinfo=UTC)),
        s.signed_in(deputy, ["deputy"], datetime(2026, 11, 23, 15, tzinfo=UTC)),
        s.signed_in(parent, ["parent"], datetime(2026, 11, 23, 17, tzinfo=UTC)),
        # 22:30 UTC on the 23rd is 01:30 on the 24th in Moscow.
        s.signed_in(parent, ["parent"], datetime(2026, 11, 23, 22, 30, tzinfo=UTC)),
        MessageSent(
            school_id=school.id,
            message_id=uuid.uuid4(),
            thread_id=uuid.uuid4(),
            sender_kind="staff",
            sender_roles=["teacher"],
            recipients=3,
            groups=0,
            attachments=0,
            reply=False,
            sent_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
            occurred_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        ),
        # Sunday the 22nd: the week before.
        s.signed_in(parent, ["parent"], datetime(2026, 11, 22, 10, tzinfo=UTC)),
    ]
    return w
