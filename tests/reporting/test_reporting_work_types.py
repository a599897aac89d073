"""A changed weight applies to marks already given (docs/architecture.md, "School
structure"): reporting projects `journal.work_type.changed.v1` and every average weighs a
mark by its work type's current weight, by version whatever the order of arrival, the
same event twice changing nothing; a work type reporting has not heard of weighs what
its marks carried at posting."""

import uuid

import httpx
from reporting_school import School
from sqlalchemy import select

from reporting.consumers import rebuild_projections
from reporting.models import WorkTypeRow
from shared.db import Database

URL = "/api/reporting/class-subject-average"
SCHOOL_URL = "/api/reporting/class-subject-averages"


async def average(
    client: httpx.AsyncClient, school: School, klass: uuid.UUID, subject: uuid.UUID
) -> object:
    response = await client.get(
        URL,
        params={"class_id": str(klass), "subject_id": str(subject)},
        headers=school.token("deputy"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["weighted_average"], body["marks_count"]


async def school_averages(client: httpx.AsyncClient, school: School) -> list[object]:
    response = await client.get(SCHOOL_URL, headers=school.token("director"))
    assert response.status_code == 200, response.text
    return [item["weighted_average"] for item in response.json()["items"]]


async def class_with_marks(school: School) -> tuple[uuid.UUID, uuid.UUID]:
    """A class with a 5 for an answer (weight 1) and a 2 for a control work (weight 3):
    (5×1 + 2×3) / 4 = 2.75."""
    klass, subject = uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass))
    await school.deliver_batch(
        [
            school.work_type_changed("answer", weight=1, version=1),
            school.work_type_changed("control", weight=3, version=1),
            school.mark(class_id=klass, subject_id=subject, value=5, weight=1),
            school.mark(class_id=klass, subject_id=subject, value=2, weight=3, work_type="control"),
        ]
    )
    return klass, subject


async def stored_weight(db: Database, school: School, code: str) -> tuple[int, int]:
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(WorkTypeRow).where(
                    WorkTypeRow.school_id == school.id, WorkTypeRow.code == code
                )
            )
        ).scalar_one()
        return row.weight, row.version


async def test_a_changed_weight_applies_to_the_marks_already_given(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await class_with_marks(school)
    before = await average(client, school, klass, subject)

    await school.deliver(school.work_type_changed("control", weight=1, version=2))

    assert before == (2.75, 2)
    assert await average(client, school, klass, subject) == (3.5, 2)  # (5 + 2) / 2
    assert await school_averages(client, school) == [3.5]
    assert await stored_weight(db, school, "control") == (1, 2)


async def test_a_mark_carrying_an_older_weight_counts_with_the_current_one(
    client: httpx.AsyncClient, school: School
) -> None:
    klass, subject = await class_with_marks(school)
    await school.deliver(school.work_type_changed("control", weight=5, version=2))

    # Posted before the change (its event says 3), delivered after it.
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, value=4, weight=3, work_type="control")
    )

    assert await average(client, school, klass, subject) == (3.18, 3)  # (5 + 10 + 20) / 11


async def test_weights_follow_the_newest_version_whatever_the_order_of_arrival(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await class_with_marks(school)
    newest = school.work_type_changed("control", weight=2, version=3)
    older = school.work_type_changed("control", weight=4, version=2)

    await school.deliver(newest)
    await school.deliver(older)  # late: changes nothing
    await school.deliver(newest)  # again: changes nothing

    assert await stored_weight(db, school, "control") == (2, 3)
    assert await average(client, school, klass, subject) == (3.0, 2)  # (5 + 4) / 3


async def test_a_weight_known_before_the_marks_applies_to_them_as_they_arrive(
    client: httpx.AsyncClient, school: School
) -> None:
    klass, subject = uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass))
    await school.deliver_batch(
        [
            school.work_type_changed("control", weight=2, version=4),
            school.mark(class_id=klass, subject_id=subject, value=5),
            school.mark(class_id=klass, subject_id=subject, value=3, weight=3, work_type="control"),
        ]
    )

    assert await average(client, school, klass, subject) == (3.67, 2)  # (5 + 6) / 3


async def test_a_work_type_reporting_has_not_heard_of_weighs_its_posting_weight(
    client: httpx.AsyncClient, school: School
) -> None:
    klass, subject = uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass))
    await school.deliver_batch(
        [
            school.mark(class_id=klass, subject_id=subject, value=5),
            school.mark(class_id=klass, subject_id=subject, value=2, weight=3, work_type="test"),
        ]
    )

    assert await average(client, school, klass, subject) == (2.75, 2)


async def test_another_schools_weight_of_the_same_code_changes_nothing_here(
    client: httpx.AsyncClient, school: School, other_school: School
) -> None:
    klass, subject = await class_with_marks(school)

    await other_school.deliver(other_school.work_type_changed("control", weight=1, version=9))

    assert await average(client, school, klass, subject) == (2.75, 2)


async def test_rebuilding_the_projections_from_the_log_keeps_the_current_weights(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await class_with_marks(school)
    await school.deliver(school.work_type_changed("control", weight=1, version=2))

    async with db.transaction() as session:
        await rebuild_projections(session)

    assert await average(client, school, klass, subject) == (3.5, 2)
