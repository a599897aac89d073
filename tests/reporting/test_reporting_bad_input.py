"""Bad input answers a clear 4xx problem+json with a stable type, for every report."""

import uuid

import httpx
import pytest
from report_world import world
from reporting_school import School

UNKNOWN = str(uuid.uuid4())

CASES = [
    ("/progress", {"period_id": UNKNOWN}, 404, "not-found"),
    ("/progress", {"year_id": UNKNOWN}, 404, "not-found"),
    ("/progress", {}, 422, "bad-period"),
    ("/progress", {"period_id": "{period}", "year_id": "{year}"}, 422, "bad-period"),
    ("/progress", {"period_id": "not-a-uuid"}, 422, "validation-error"),
    ("/progress", {"period_id": "{period}", "class_id": UNKNOWN}, 404, "not-found"),
    ("/progress", {"period_id": "{period}", "grade": "12"}, 422, "validation-error"),
    ("/attendance", {"period_id": UNKNOWN}, 404, "not-found"),
    ("/attendance", {"period_id": "{period}", "class_id": UNKNOWN}, 404, "not-found"),
    ("/journal-control", {"month": "2026-13"}, 422, "bad-period"),
    ("/journal-control", {"month": "november"}, 422, "bad-period"),
    ("/journal-control", {}, 422, "validation-error"),
    ("/journal-control", {"month": "2026-11", "assignment_id": UNKNOWN}, 404, "not-found"),
    ("/quarter-check", {"period_id": UNKNOWN}, 404, "not-found"),
    ("/quarter-check", {"period_id": "{period}", "class_id": UNKNOWN}, 404, "not-found"),
    ("/activity", {"week": "23.11.2026"}, 422, "validation-error"),
    (f"/students/{UNKNOWN}/report-card", {"period_id": "{period}"}, 404, "not-found"),
    ("/students/{student}/report-card", {"period_id": UNKNOWN}, 404, "not-found"),
    ("/students/{student}/report-card", {}, 422, "validation-error"),
]


@pytest.mark.parametrize(("path", "params", "status", "slug"), CASES)
async def test_bad_input_is_refused_clearly(
    client: httpx.AsyncClient,
    school: School,
    path: str,
    params: dict[str, str],
    status: int,
    slug: str,
) -> None:
    w = world(school)
    await school.deliver_batch(w.events)  # type: ignore[arg-type]
    values = {"period": str(w.period), "year": str(school.year_id), "student": str(w.students[0])}
    response = await client.get(
        "/api/reporting" + path.format(**values),
        params={k: v.format(**values) for k, v in params.items()},
        headers=school.token("deputy"),
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(slug)
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"year_name": "2026/2027", "kind": "trimester", "number": "1"}, 422),
        ({"year_name": "1999/2000", "kind": "quarter", "number": "1"}, 404),
        ({"kind": "quarter"}, 422),
    ],
)
async def test_the_district_refuses_unknown_periods(
    client: httpx.AsyncClient, school: School, params: dict[str, str], status: int
) -> None:
    await school.deliver(school.year())
    response = await client.get(
        "/api/reporting/district/progress", params=params, headers=school.inspector_token()
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
