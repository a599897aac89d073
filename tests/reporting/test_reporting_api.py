"""GET /api/reporting/class-subject-average: who may see a class's average in a subject."""

import uuid
from dataclasses import dataclass

import httpx
import pytest
from reporting_school import School

from reporting import service
from reporting.averages import weighted_average_of
from shared.db import Database
from shared.testing import TokenFactory

URL = "/api/reporting/class-subject-average"
PROBLEM = "application/problem+json"


@dataclass
class ClassWithMarks:
    """5А with a class teacher and a maths teacher; maths marks 5×1, 4×2, 3×3 (avg 3.67)."""

    school: School
    class_id: uuid.UUID
    maths: uuid.UUID
    physics: uuid.UUID
    class_teacher: uuid.UUID
    maths_teacher: uuid.UUID

    def params(self, subject: uuid.UUID | None = None) -> dict[str, str]:
        return {"class_id": str(self.class_id), "subject_id": str(subject or self.maths)}


@pytest.fixture
async def fifth_a(school: School) -> ClassWithMarks:
    c = ClassWithMarks(school, uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    await school.deliver(school.class_opened(class_id=c.class_id, class_teacher_id=c.class_teacher))
    await school.deliver(
        school.assignment(teacher_id=c.maths_teacher, class_id=c.class_id, subject_id=c.maths)
    )
    for value, weight in ((5, 1), (4, 2), (3, 3)):
        await school.deliver(
            school.mark(class_id=c.class_id, subject_id=c.maths, value=value, weight=weight)
        )
    return c


@pytest.mark.parametrize("role", ["director", "deputy"])
async def test_administration_sees_the_weighted_average(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks, role: str
) -> None:
    response = await client.get(URL, params=fifth_a.params(), headers=fifth_a.school.token(role))

    assert response.status_code == 200
    assert response.json() == {
        "class_id": str(fifth_a.class_id),
        "subject_id": str(fifth_a.maths),
        "weighted_average": 3.67,
        "marks_count": 3,
    }


async def test_a_subject_without_marks_has_no_average(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks
) -> None:
    response = await client.get(
        URL, params=fifth_a.params(fifth_a.physics), headers=fifth_a.school.token("director")
    )

    assert response.status_code == 200
    assert response.json()["weighted_average"] is None
    assert response.json()["marks_count"] == 0


async def test_only_this_class_and_subject_and_live_marks_count(
    client: httpx.AsyncClient, db: Database, school: School, fifth_a: ClassWithMarks
) -> None:
    other_class = uuid.uuid4()
    await school.deliver(school.mark(class_id=other_class, subject_id=fifth_a.maths, value=2))
    await school.deliver(
        school.mark(class_id=fifth_a.class_id, subject_id=fifth_a.physics, value=2)
    )
    # A mark corrected from 5 to 2 (versions arriving out of order) counts once, as 2.
    corrected = uuid.uuid4()
    await school.deliver(
        school.mark(
            class_id=fifth_a.class_id,
            subject_id=fifth_a.maths,
            mark_id=corrected,
            value=2,
            version=2,
        )
    )
    await school.deliver(
        school.mark(
            class_id=fifth_a.class_id,
            subject_id=fifth_a.maths,
            mark_id=corrected,
            value=5,
            version=1,
        )
    )
    # A removed mark (a tombstone) does not count at all.
    removed = school.mark(class_id=fifth_a.class_id, subject_id=fifth_a.maths, value=1, weight=3)
    await school.deliver(removed)
    async with db.transaction() as session:
        await service.apply_mark(
            session,
            service.MarkState(
                mark_id=removed.mark_id,
                school_id=school.id,
                class_id=fifth_a.class_id,
                subject_id=fifth_a.maths,
                student_id=removed.student_id,
                value=1,
                weight=3,
                work_type="answer",
                version=2,
                deleted=True,
            ),
        )

    body = (await client.get(URL, params=fifth_a.params(), headers=school.token("deputy"))).json()

    # (5×1 + 4×2 + 3×3 + 2×1) / (1 + 2 + 3 + 1) = 24 / 7 = 3.428…
    assert body["marks_count"] == 4
    assert body["weighted_average"] == 3.43


async def test_the_subject_teacher_sees_their_class(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks
) -> None:
    headers = fifth_a.school.token("teacher", account_id=fifth_a.maths_teacher)

    response = await client.get(URL, params=fifth_a.params(), headers=headers)

    assert response.status_code == 200
    assert response.json()["weighted_average"] == 3.67


async def test_a_teacher_cannot_see_a_subject_they_do_not_teach_in_that_class(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks
) -> None:
    headers = fifth_a.school.token("teacher", account_id=fifth_a.maths_teacher)

    response = await client.get(URL, params=fifth_a.params(fifth_a.physics), headers=headers)

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:school:problem:forbidden"


async def test_a_teacher_cannot_see_their_subject_in_a_class_they_do_not_teach(
    client: httpx.AsyncClient, school: School, fifth_a: ClassWithMarks
) -> None:
    sixth_b = uuid.uuid4()
    await school.deliver(school.class_opened(class_id=sixth_b, name="6Б"))
    await school.deliver(school.mark(class_id=sixth_b, subject_id=fifth_a.maths, value=5))
    headers = school.token("teacher", account_id=fifth_a.maths_teacher)

    response = await client.get(
        URL,
        params={"class_id": str(sixth_b), "subject_id": str(fifth_a.maths)},
        headers=headers,
    )

    assert response.status_code == 403


async def test_the_class_teacher_sees_every_subject_of_their_class(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks
) -> None:
    for roles in (("class_teacher", "teacher"), ("teacher",)):
        headers = fifth_a.school.token(*roles, account_id=fifth_a.class_teacher)
        for subject in (fifth_a.maths, fifth_a.physics):
            response = await client.get(URL, params=fifth_a.params(subject), headers=headers)
            assert response.status_code == 200, (roles, subject)


async def test_a_class_teacher_of_another_class_is_forbidden(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks
) -> None:
    headers = fifth_a.school.token("class_teacher", "teacher", account_id=uuid.uuid4())

    response = await client.get(URL, params=fifth_a.params(), headers=headers)

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["student", "parent", "sysadmin", "district_inspector"])
async def test_other_roles_are_forbidden(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks, role: str
) -> None:
    # Even someone whose id happens to be the class teacher's needs a teaching role.
    headers = fifth_a.school.token(role, account_id=fifth_a.class_teacher)

    response = await client.get(URL, params=fifth_a.params(), headers=headers)

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


async def test_a_class_of_another_school_is_not_found(
    client: httpx.AsyncClient, other_school: School, fifth_a: ClassWithMarks
) -> None:
    for headers in (
        other_school.token("director"),
        other_school.token("teacher", account_id=fifth_a.maths_teacher),
    ):
        response = await client.get(URL, params=fifth_a.params(), headers=headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "urn:school:problem:not-found"


async def test_an_unknown_class_is_not_found(
    client: httpx.AsyncClient, fifth_a: ClassWithMarks
) -> None:
    response = await client.get(
        URL,
        params={"class_id": str(uuid.uuid4()), "subject_id": str(fifth_a.maths)},
        headers=fifth_a.school.token("director"),
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"class_id": "5A", "subject_id": "00000000-0000-0000-0000-000000000001"},
        {"class_id": "00000000-0000-0000-0000-000000000001", "subject_id": "maths"},
        {"class_id": "00000000-0000-0000-0000-000000000001"},
        {},
    ],
)
async def test_malformed_or_missing_ids_are_rejected_as_problem(
    client: httpx.AsyncClient, school: School, params: dict[str, str]
) -> None:
    response = await client.get(URL, params=params, headers=school.token("director"))

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:school:problem:validation-error"


async def test_the_average_needs_a_valid_token(
    client: httpx.AsyncClient, tokens: TokenFactory, fifth_a: ClassWithMarks
) -> None:
    good = fifth_a.school.token("director")["Authorization"].removeprefix("Bearer ")
    header, payload, signature = good.split(".")
    forged_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    cases = {
        "none": {},
        "garbage": {"Authorization": "Bearer nope"},
        "tampered signature": {"Authorization": f"Bearer {header}.{payload}.{forged_signature}"},
        "foreign key": {
            "Authorization": "Bearer "
            + TokenFactory().token(school_id=fifth_a.school.id, roles=["director"])
        },
        "expired": {
            "Authorization": "Bearer "
            + tokens.token(school_id=fifth_a.school.id, roles=["director"], ttl_seconds=-60)
        },
    }
    for name, headers in cases.items():
        response = await client.get(URL, params=fifth_a.params(), headers=headers)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == PROBLEM, name


@pytest.mark.parametrize(
    "marks",
    [[(4, 7), (5, 1)], [(2, 1), (3, 1), (3, 1)], [(5, 3)], [(1, 1), (5, 2), (4, 3), (3, 1)]],
)
async def test_the_sql_aggregate_agrees_with_the_weighted_average_rule(
    client: httpx.AsyncClient, school: School, marks: list[tuple[int, int]]
) -> None:
    klass, subject = uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass))
    for value, weight in marks:
        await school.deliver(
            school.mark(class_id=klass, subject_id=subject, value=value, weight=weight)
        )

    body = (
        await client.get(
            URL,
            params={"class_id": str(klass), "subject_id": str(subject)},
            headers=school.token("director"),
        )
    ).json()

    expected = weighted_average_of(marks)
    assert expected is not None
    assert body["weighted_average"] == float(expected)
    assert body["marks_count"] == len(marks)
