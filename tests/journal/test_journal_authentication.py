"""Every journal endpoint refuses a missing, tampered, expired or foreign token (401)."""

import time
from typing import Any

import pytest
from journal_world import World, problem_type, table_counts

from shared.testing import TokenFactory


def endpoints(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    ids = world.ids
    return [
        ("POST", "/classes", {"name": "6А", "grade": 6}),
        ("POST", "/subjects", {"name": "История"}),
        (
            "POST",
            "/assignments",
            {
                "teacher_id": str(world.teacher),
                "class_id": str(ids["class"]),
                "subject_id": str(ids["math"]),
            },
        ),
        (
            "POST",
            "/students",
            {
                "class_id": str(ids["class"]),
                "last_name": "Котов",
                "first_name": "Пётр",
                "birth_date": "2015-01-01",
            },
        ),
        (
            "POST",
            "/guardians",
            {"last_name": "Котова", "first_name": "Ирина", "student_ids": [str(ids["student"])]},
        ),
        ("GET", f"/classes/{ids['class']}/students", None),
        ("GET", "/work-types", None),
        ("POST", "/lessons", {"assignment_id": str(ids["math_assignment"]), "date": "2026-11-25"}),
        (
            "POST",
            f"/lessons/{ids['math_lesson']}/marks",
            {"student_id": str(ids["student"]), "value": 5, "work_type": "answer"},
        ),
        ("GET", f"/diary/{ids['student']}", None),
    ]


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    return ".".join((head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]))


async def test_every_endpoint_requires_a_valid_token(world: World) -> None:
    foreign = TokenFactory()  # signed with a key journal does not trust
    valid = world.token("deputy")
    bad_headers: dict[str, dict[str, str]] = {
        "no token": {},
        "not bearer": {"Authorization": f"Basic {valid}"},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "tampered": {"Authorization": f"Bearer {tampered(valid)}"},
        "foreign key": {
            "Authorization": "Bearer "
            + foreign.token(school_id=world.school_id, roles=["deputy"], account_id=world.deputy)
        },
        "expired": {
            "Authorization": "Bearer "
            + world.tokens.token(
                school_id=world.school_id,
                roles=["deputy"],
                account_id=world.deputy,
                iat=int(time.time()) - 7200,
                exp=int(time.time()) - 3600,
            )
        },
        "wrong audience": {
            "Authorization": "Bearer "
            + world.tokens.token(
                school_id=world.school_id,
                roles=["deputy"],
                account_id=world.deputy,
                aud="somewhere-else",
            )
        },
    }
    before = await table_counts(world.db)
    for method, path, body in endpoints(world):
        for case, headers in bad_headers.items():
            response = await world.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path, case, response.text)
            assert problem_type(response) == "unauthenticated"
            assert response.headers["www-authenticate"] == "Bearer"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("roles", [["sysadmin"], ["district_inspector"], []])
async def test_roles_outside_the_journal_are_refused_everywhere(
    world: World, roles: list[str]
) -> None:
    token = world.tokens.token(school_id=world.school_id, roles=roles)
    before = await table_counts(world.db)
    for method, path, body in endpoints(world):
        response = await world.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403, (method, path, response.text)
        assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before
