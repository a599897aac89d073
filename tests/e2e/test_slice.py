"""End to end: the five services as separate processes (API, relay and consumers each) on
RabbitMQ and PostgreSQL, behind nginx. A teacher posts a mark; the parent sees it in the
diary, gets a notification, and the class-and-subject average includes it."""

import uuid

import pytest

from tests.e2e.school import School, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]


def test_every_service_is_healthy_ready_and_documented_through_the_gateway(school: School) -> None:
    for service in ("auth", "journal", "messaging", "reporting", "archive"):
        assert school.http.get(f"/api/{service}/health").status_code == 200
        ready = school.http.get(f"/api/{service}/ready").json()
        # An API process uses no broker: its relay and consumers are processes of their own.
        assert ready == {"status": "ready", "checks": {"database": True}}
        assert school.http.get(f"/api/{service}/openapi.json").status_code == 200
    jwks = school.http.get("/api/auth/.well-known/jwks.json").json()
    assert jwks["keys"] and all(k["kty"] == "OKP" and k["crv"] == "Ed25519" for k in jwks["keys"])


def test_a_posted_mark_reaches_the_diary_the_parents_notifications_and_the_report(
    school: School,
) -> None:
    teacher = school.login("teacher")
    before = eventually(school.average)
    mark = school.post_mark(teacher, value=5)

    parent = school.login("parent")
    assert parent.claims["children"] == [school.student_id]
    diary = parent.get(
        f"/api/journal/diary/{school.student_id}",
        params={"from": school.lesson_date, "to": school.lesson_date},
    )
    diary_marks = [
        m["mark_id"] for day in diary["days"] for lesson in day["lessons"] for m in lesson["marks"]
    ]
    assert mark["mark_id"] in diary_marks

    notification = eventually(lambda: school.notification_for(parent, mark["mark_id"]))
    assert "5" in notification["text"] and "Математика" in notification["text"]
    student = school.login("student")
    assert eventually(lambda: school.notification_for(student, mark["mark_id"]))

    expected = before["marks_count"] + 1
    after = eventually(lambda: school.average_if(lambda a: a["marks_count"] == expected))
    assert after["weighted_average"] is not None


def test_the_parent_sees_only_their_own_child(school: School) -> None:
    parent = school.login("parent")
    other_child = school.other_student_id
    response = parent.raw_get(f"/api/journal/diary/{other_child}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert parent.raw_get(f"/api/journal/diary/{uuid.uuid4()}").status_code == 404


def test_the_gateway_rejects_missing_and_tampered_tokens(school: School) -> None:
    url = f"/api/journal/diary/{school.student_id}"
    assert school.http.get(url).status_code == 401
    token = school.login("parent").token
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = school.http.get(url, headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401
    assert response.json()["type"].endswith("unauthenticated")


def test_a_teacher_cannot_post_to_another_teachers_lesson(school: School) -> None:
    other = school.login("other-teacher")
    response = other.raw_post(
        f"/api/journal/lessons/{school.lesson_id}/marks",
        {"student_id": school.student_id, "value": 4, "work_type": "answer"},
    )
    assert response.status_code in (403, 404)
