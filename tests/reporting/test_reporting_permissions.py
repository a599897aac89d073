"""Who may read which report (DESIGN.md §2), as a matrix over one hand-made quarter:
teachers their own assignments, class teachers their class, the deputy and the director
the school, inspectors only the district's aggregates, families only their own report
card; another school's or another child's object answers 404."""

import uuid
from collections.abc import Callable

import httpx
import pytest
from report_world import World, world
from reporting_school import School

Headers = dict[str, str]
WHO: dict[str, Callable[[World, School], Headers]] = {
    "director": lambda w, s: s.token("director"),
    "deputy": lambda w, s: s.token("deputy"),
    "maths teacher": lambda w, s: s.token("teacher", account_id=w.maths_teacher),
    "russian teacher": lambda w, s: s.token("teacher", account_id=w.russian_teacher),
    "class teacher of 5А": lambda w, s: s.token("teacher", "class_teacher", account_id=w.lead_a),
    "class teacher elsewhere": lambda w, s: s.token("teacher", "class_teacher"),
    "the student": lambda w, s: s.token("student", person_id=w.students[1]),
    "another student": lambda w, s: s.token("student", person_id=w.other),
    "the parent": lambda w, s: s.token("parent", person_id=uuid.uuid4(), children=[w.students[1]]),
    "another parent": lambda w, s: s.token("parent", person_id=uuid.uuid4(), children=[w.other]),
    "inspector": lambda w, s: s.inspector_token(),
    "sysadmin": lambda w, s: s.token("sysadmin"),
}

Path = Callable[[World], tuple[str, dict[str, str]]]
REPORTS: dict[str, Path] = {
    "progress of the school": lambda w: ("/progress", {"period_id": str(w.period)}),
    "progress of 5А": lambda w: ("/progress", {"period_id": str(w.period), "class_id": str(w.a)}),
    "report card": lambda w: (
        f"/students/{w.students[1]}/report-card",
        {"period_id": str(w.period)},
    ),
    "attendance of 5А": lambda w: (
        "/attendance",
        {"period_id": str(w.period), "class_id": str(w.a)},
    ),
    "control of maths in 5А": lambda w: (
        "/journal-control",
        {"month": "2026-11", "assignment_id": str(w.maths_a.assignment_id)},  # type: ignore[union-attr]
    ),
    "quarter check of maths in 5А": lambda w: (
        "/quarter-check",
        {"period_id": str(w.period), "assignment_id": str(w.maths_a.assignment_id)},  # type: ignore[union-attr]
    ),
    "activity": lambda w: ("/activity", {"week": "2026-11-23"}),
    "district": lambda w: (
        "/district/progress",
        {"year_name": "2026/2027", "kind": "quarter", "number": "2"},
    ),
}

# report → who → status
MATRIX: dict[str, dict[str, int]] = {
    "progress of the school": {
        "director": 200, "deputy": 200, "maths teacher": 200, "russian teacher": 200,
        "class teacher of 5А": 200, "class teacher elsewhere": 200, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 403,
        "sysadmin": 403,
    },
    "progress of 5А": {
        "director": 200, "deputy": 200, "maths teacher": 200, "russian teacher": 200,
        "class teacher of 5А": 200, "class teacher elsewhere": 403, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 403,
        "sysadmin": 403,
    },
    "report card": {
        "director": 200, "deputy": 200, "maths teacher": 403, "russian teacher": 403,
        "class teacher of 5А": 200, "class teacher elsewhere": 404, "the student": 200,
        "another student": 404, "the parent": 200, "another parent": 404, "inspector": 403,
        "sysadmin": 403,
    },
    "attendance of 5А": {
        "director": 200, "deputy": 200, "maths teacher": 403, "russian teacher": 403,
        "class teacher of 5А": 200, "class teacher elsewhere": 403, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 403,
        "sysadmin": 403,
    },
    "control of maths in 5А": {
        "director": 200, "deputy": 200, "maths teacher": 200, "russian teacher": 403,
        "class teacher of 5А": 200, "class teacher elsewhere": 403, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 403,
        "sysadmin": 403,
    },
    "quarter check of maths in 5А": {
        "director": 200, "deputy": 200, "maths teacher": 200, "russian teacher": 403,
        "class teacher of 5А": 200, "class teacher elsewhere": 403, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 403,
        "sysadmin": 403,
    },
    "activity": {
        "director": 200, "deputy": 200, "maths teacher": 403, "russian teacher": 403,
        "class teacher of 5А": 403, "class teacher elsewhere": 403, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 403,
        "sysadmin": 403,
    },
    "district": {
        "director": 403, "deputy": 403, "maths teacher": 403, "russian teacher": 403,
        "class teacher of 5А": 403, "class teacher elsewhere": 403, "the student": 403,
        "another student": 403, "the parent": 403, "another parent": 403, "inspector": 200,
        "sysadmin": 403,
    },
}  # fmt: skip


def test_the_matrix_names_every_report_and_everyone() -> None:
    assert set(MATRIX) == set(REPORTS)
    assert all(set(row) == set(WHO) for row in MATRIX.values())


@pytest.mark.parametrize("report", sorted(MATRIX))
async def test_who_may_read_the_report(
    client: httpx.AsyncClient, school: School, report: str
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    path, params = REPORTS[report](w)
    found = {}
    for who, headers in WHO.items():
        response = await client.get(
            f"/api/reporting{path}", params=params, headers=headers(w, school)
        )
        found[who] = response.status_code
        if response.status_code != 200:
            assert response.headers["content-type"] == "application/problem+json"
    assert found == MATRIX[report]


@pytest.mark.parametrize("report", sorted(set(MATRIX) - {"district", "activity"}))
async def test_another_schools_staff_find_nothing(
    client: httpx.AsyncClient, school: School, other_school: School, report: str
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    await other_school.deliver(other_school.year())
    path, params = REPORTS[report](w)
    response = await client.get(
        f"/api/reporting{path}", params=params, headers=other_school.token("deputy")
    )
    assert response.status_code == 404, (report, response.text)
    assert response.json()["type"].endswith("not-found")


async def test_a_teacher_sees_only_their_own_findings(
    client: httpx.AsyncClient, school: School
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    response = await client.get(
        "/api/reporting/quarter-check",
        params={"period_id": str(w.period)},
        headers=school.token("teacher", account_id=w.russian_teacher),
    )
    assert response.status_code == 200
    assert [a["teacher_id"] for a in response.json()["assignments"]] == [str(w.russian_teacher)]
