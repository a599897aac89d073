"""GET /api/reporting/class-subject-averages: the whole school's averages, for the
administration only, and only its own school's."""

import uuid

import httpx
import pytest
from reporting_school import School

URL = "/api/reporting/class-subject-averages"
PROBLEM = "application/problem+json"


@pytest.fixture
async def two_classes(school: School) -> dict[str, uuid.UUID]:
    """5А: maths 5×1, 4×2, 3×3 (3.67) and physics 2×1; 6Б: maths 5×2 (5.00)."""
    ids = {name: uuid.uuid4() for name in ("5А", "6Б", "maths", "physics")}
    for name in ("5А", "6Б"):
        await school.deliver(school.class_opened(class_id=ids[name], name=name))
    marks = [
        ("5А", "maths", 5, 1),
        ("5А", "maths", 4, 2),
        ("5А", "maths", 3, 3),
        ("5А", "physics", 2, 1),
        ("6Б", "maths", 5, 2),
    ]
    for class_name, subject, value, weight in marks:
        await school.deliver(
            school.mark(
                class_id=ids[class_name], subject_id=ids[subject], value=value, weight=weight
            )
        )
    return ids


@pytest.mark.parametrize("role", ["director", "deputy"])
async def test_the_administration_sees_every_class_and_subject(
    client: httpx.AsyncClient, school: School, two_classes: dict[str, uuid.UUID], role: str
) -> None:
    response = await client.get(URL, headers=school.token(role))

    assert response.status_code == 200
    got = {(i["class_id"], i["subject_id"]): i for i in response.json()["items"]}
    ids = {k: str(v) for k, v in two_classes.items()}
    assert {key: (i["weighted_average"], i["marks_count"]) for key, i in got.items()} == {
        (ids["5А"], ids["maths"]): (3.67, 3),
        (ids["5А"], ids["physics"]): (2.0, 1),
        (ids["6Б"], ids["maths"]): (5.0, 1),
    }
    keys = [(i["class_id"], i["subject_id"]) for i in response.json()["items"]]
    assert keys == sorted(keys)


async def test_another_schools_marks_are_not_included(
    client: httpx.AsyncClient,
    school: School,
    other_school: School,
    two_classes: dict[str, uuid.UUID],
) -> None:
    theirs = uuid.uuid4()
    await other_school.deliver(other_school.mark(class_id=theirs, subject_id=uuid.uuid4(), value=4))

    ours = (await client.get(URL, headers=school.token("director"))).json()["items"]
    seen_by_them = (await client.get(URL, headers=other_school.token("director"))).json()

    assert str(theirs) not in {i["class_id"] for i in ours}
    assert [i["class_id"] for i in seen_by_them["items"]] == [str(theirs)]


async def test_a_school_without_marks_has_an_empty_report(
    client: httpx.AsyncClient, school: School
) -> None:
    response = await client.get(URL, headers=school.token("deputy"))

    assert response.status_code == 200
    assert response.json() == {"items": []}


@pytest.mark.parametrize(
    "roles", [("teacher",), ("class_teacher", "teacher"), ("student",), ("parent",), ("sysadmin",)]
)
async def test_everyone_else_is_forbidden(
    client: httpx.AsyncClient, school: School, two_classes: dict[str, uuid.UUID], roles: tuple[str]
) -> None:
    response = await client.get(URL, headers=school.token(*roles))

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:school:problem:forbidden"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YTpi"}]
)
async def test_the_report_needs_a_valid_token(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(URL, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
