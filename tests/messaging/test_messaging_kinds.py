"""Whom each kind of news reaches and in which words: homework the class's students and
parents, a closed period the families of the classes using that kind of period, final
marks the student and parents, reports and checks the staff they name; work type names
from the event or messaging's projection of journal's work types; an unlinked guardian
and a muted category hear nothing."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from messaging_events import (
    class_opened,
    family_in_class,
    final_versions,
    homework_versions,
    mark_versions,
    period_versions,
)
from sqlalchemy import select

from messaging.models import Notification
from messaging.notifications.models import Preferences
from shared.contracts.journal import (
    GradingSettingsChanged,
    GuardianLinked,
    GuardianUnlinked,
    MarkPosted,
    StudentLeft,
    WorkTypeChanged,
    YearCalendarChanged,
    YearPeriod,
)
from shared.contracts.reporting import CheckCompleted, ReportReady
from shared.db import Database
from shared.events import CloudEvent, Event

Deliver = Callable[[Event], Awaitable[CloudEvent]]


async def told(db: Database, event: Event) -> dict[uuid.UUID, Notification]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Notification).where(Notification.source_event_id == event.event_id)
        )
        return {n.recipient_person_id: n for n in rows}


async def test_homework_reaches_the_classs_students_and_parents_only(
    db: Database, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    opened, other = class_opened(school, 5), class_opened(school, 6)
    pupil, parent, roster = family_in_class(school, opened.class_id)
    gone, _, gone_roster = family_in_class(school, opened.class_id)
    _, _, elsewhere_roster = family_in_class(school, other.class_id)
    for event in [opened, other, *roster, *gone_roster, *elsewhere_roster]:
        await deliver(event)
    await deliver(
        StudentLeft(
            school_id=school,
            version=2,
            student_id=gone,
            class_id=opened.class_id,
            last_day=date(2026, 11, 20),
        )
    )
    homework, _, _ = homework_versions(school, opened.class_id)

    await deliver(homework)

    found = await told(db, homework)
    assert set(found) == {pupil, parent}
    assert found[parent].kind == "homework_set"
    assert found[parent].text == "Домашнее задание по предмету «Физика» (урок 28.11.2026): § 12"
    assert found[parent].student_id == pupil


async def test_a_closed_quarter_reaches_the_families_of_quarter_classes_only(
    db: Database, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    await deliver(
        GradingSettingsChanged(
            school_id=school,
            rounding_rule="from_0_50",
            min_marks_per_period=3,
            late_entry_days=7,
            lock_after_days=30,
            half_year_grades=[9, 10, 11],
        )
    )
    fifth, ninth = class_opened(school, 5), class_opened(school, 9)
    young, young_parent, young_roster = family_in_class(school, fifth.class_id)
    old, old_parent, old_roster = family_in_class(school, ninth.class_id)
    for event in [fifth, ninth, *young_roster, *old_roster]:
        await deliver(event)
    quarter, _, _ = period_versions(school, "quarter")
    half, _, _ = period_versions(school, "half")

    await deliver(quarter)
    await deliver(half)

    assert set(await told(db, quarter)) == {young, young_parent}
    halves = await told(db, half)
    assert set(halves) == {old, old_parent}
    assert halves[old_parent].text.startswith("Закрыто 2-е полугодие (05.11.2026–27.12.2026)")


async def test_a_final_mark_names_its_quarter_from_the_years_calendar(
    db: Database, deliver: Deliver
) -> None:
    school, student, parent, period = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    await deliver(
        YearCalendarChanged(
            school_id=school,
            year_id=uuid.uuid4(),
            name="2026/2027",
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 5, 31),
            periods=[
                YearPeriod(
                    period_id=period,
                    kind="quarter",
                    number=2,
                    starts_on=date(2026, 11, 5),
                    ends_on=date(2026, 12, 27),
                )
            ],
            holidays=[],
        )
    )
    final, _, _ = final_versions(school, student, period_id=period)
    yearly, _, _ = final_versions(school, student)

    await deliver(final)
    await deliver(yearly)

    quarter_notices, year_notices = await told(db, final), await told(db, yearly)
    assert set(quarter_notices) == {student, parent}
    assert quarter_notices[parent].text == "Итоговая отметка за 2-ю четверть по предмету «Химия»: 4"
    assert year_notices[parent].text == "Годовая отметка по предмету «Химия»: 4"


async def test_a_work_type_without_a_name_in_the_event_takes_the_schools_name(
    db: Database, deliver: Deliver
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    await deliver(
        WorkTypeChanged(
            school_id=school,
            work_type_id=uuid.uuid4(),
            code="project",
            name="Проект",
            weight=2,
            active=True,
        )
    )
    posted, *_ = mark_versions(school, student)
    older_producer = MarkPosted.model_validate(
        {**posted.model_dump(), "school_id": school, "work_type": "project", "work_type_name": None}
    )
    unknown = MarkPosted.model_validate(
        {
            **posted.model_dump(),
            "school_id": school,
            "mark_id": uuid.uuid4(),
            "work_type": "essay",
            "work_type_name": None,
        }
    )

    await deliver(older_producer)
    await deliver(unknown)

    assert (await told(db, older_producer))[student].text == (
        "Новая отметка 3 (Проект, вес 3) по предмету «Математика» за 28.11.2026"
    )
    assert "(essay, вес 3)" in (await told(db, unknown))[student].text


async def test_an_unlinked_guardian_hears_nothing_more(db: Database, deliver: Deliver) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    await deliver(
        GuardianUnlinked(school_id=school, version=2, guardian_id=parent, student_id=student)
    )
    # A late redelivery of the link (older version) does not bring it back.
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    posted, *_ = mark_versions(school, student)

    await deliver(posted)

    assert set(await told(db, posted)) == {student}


async def test_a_muted_category_is_not_written_for_that_person(
    db: Database, deliver: Deliver
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    async with db.transaction() as session:
        session.add(
            Preferences(
                recipient_id=parent,
                school_id=school,
                muted=["marks"],
                delivery="immediate",
                digest_hour=18,
                updated_at=datetime.now(UTC),
            )
        )
    posted, *_ = mark_versions(school, student)

    await deliver(posted)

    assert set(await told(db, posted)) == {student}


async def test_reports_and_checks_reach_the_staff_they_name(db: Database, deliver: Deliver) -> None:
    school, deputy, teacher = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ready = ReportReady(
        school_id=school,
        report_id=uuid.uuid4(),
        kind="quarter_progress",
        period_id=uuid.uuid4(),
        recipients=[deputy],
        title="Успеваемость за 2-ю четверть",
    )
    check = CheckCompleted(
        school_id=school,
        report_id=uuid.uuid4(),
        kind="quarter_check",
        recipients=[teacher, teacher],
        title="Проверка журнала: 5Б, математика",
    )

    await deliver(ready)
    await deliver(check)
    await deliver(check)

    reports = await told(db, ready)
    assert set(reports) == {deputy}
    assert reports[deputy].text == "Отчёт готов: Успеваемость за 2-ю четверть"
    assert reports[deputy].student_id is None
    checks = await told(db, check)
    assert set(checks) == {teacher}
    assert checks[teacher].kind == "check_completed"
    assert checks[teacher].payload["report_id"] == str(check.report_id)
