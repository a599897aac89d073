"""Bad input to mail: a clear 4xx problem+json, and nothing sent (no message, no mailbox
row, no event)."""

import json
from typing import Any

import httpx
import pytest
from mail_testkit import MAIL, PROBLEM, Deliver, School, build_school, count, person

from shared.db import Database
from shared.testing import TokenFactory

PDF = b"%PDF-1.4\n" + b"0" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
async def school(tokens: TokenFactory, deliver: Deliver) -> School:
    return await build_school(tokens, deliver)


async def nothing_sent(db: Database) -> None:
    for table in ("mail_threads", "mail_messages", "mail_attachments", "mailbox_entries"):
        assert await count(db, f"SELECT count(*) FROM {table}") == 0, table
    assert await count(db, "SELECT count(*) FROM outbox WHERE routing_key LIKE 'messaging.%'") == 0


def message(school: School, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Тема",
        "body": "Текст",
        "to": [person(school.parent)],
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("fields", "slug"),
    [
        ({"subject": ""}, "validation-error"),
        ({"subject": "   "}, "validation-error"),
        ({"body": ""}, "validation-error"),
        ({"body": " \n\t "}, "validation-error"),
        ({"body": "я" * 20_001}, "validation-error"),
        ({"subject": "т" * 201}, "validation-error"),
        ({"body": "a\x00b"}, "validation-error"),
        ({"to": []}, "validation-error"),
        ({"to": [{"kind": "person", "id": "not-a-uuid"}]}, "validation-error"),
        (
            {"to": [{"kind": "class", "audience": "grandparents", "class_id": None}]},
            "validation-error",
        ),
        ({"to": [{"kind": "everyone"}]}, "validation-error"),
        ({"to": [{"kind": "parallel", "audience": "parents", "grade": 12}]}, "validation-error"),
        ({"cc": []}, "validation-error"),
        ({"to": [{"kind": "parallel", "audience": "parents", "grade": 9}]}, "unknown-group"),
        (
            {"to": [{"kind": "person", "id": "00000000-0000-0000-0000-000000000001"}]},
            "recipient-not-allowed",
        ),
    ],
)
async def test_a_bad_message_is_refused_and_nothing_is_sent(
    client: httpx.AsyncClient, school: School, db: Database, fields: dict[str, Any], slug: str
) -> None:
    answer = await client.post(
        f"{MAIL}/messages", json=message(school, **fields), headers=school.teacher.headers
    )

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == f"urn:school:problem:{slug}"
    await nothing_sent(db)


async def test_a_forbidden_recipient_among_allowed_ones_sends_to_nobody(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await client.post(
        f"{MAIL}/messages",
        json=message(school, to=[person(school.class_teacher), person(school.other_parent)]),
        headers=school.parent.headers,
    )

    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "urn:school:problem:recipient-not-allowed"
    assert problem["recipients"] == [str(school.other_parent.id)]
    await nothing_sent(db)


async def test_an_unknown_class_is_an_unknown_group(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await client.post(
        f"{MAIL}/messages",
        json=message(
            school,
            to=[
                {
                    "kind": "class",
                    "audience": "students",
                    "class_id": "00000000-0000-0000-0000-000000000002",
                }
            ],
        ),
        headers=school.director.headers,
    )

    assert answer.status_code == 422
    assert answer.json()["type"] == "urn:school:problem:unknown-group"
    await nothing_sent(db)


async def post_files(
    client: httpx.AsyncClient, school: School, files: list[tuple[str, bytes]]
) -> httpx.Response:
    return await client.post(
        f"{MAIL}/messages",
        data={"message": json.dumps(message(school))},
        files=[("file", (name, content, "application/pdf")) for name, content in files],
        headers=school.teacher.headers,
    )


@pytest.mark.parametrize(
    ("files", "status", "slug"),
    [
        ([("setup.pdf", EXE)], 415, "attachment-type-not-allowed"),
        ([("a.txt", b"text\x00with nul")], 415, "attachment-type-not-allowed"),
        ([("empty.pdf", b"")], 422, "empty-attachment"),
        ([(f"{n}.pdf", PDF) for n in range(6)], 422, "too-many-attachments"),
        ([("big.pdf", PDF + b"0" * (10 * 1024 * 1024))], 413, "attachment-too-large"),
    ],
)
async def test_a_bad_attachment_is_refused_and_nothing_is_sent(
    client: httpx.AsyncClient,
    school: School,
    db: Database,
    files: list[tuple[str, bytes]],
    status: int,
    slug: str,
) -> None:
    answer = await post_files(client, school, files)

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == f"urn:school:problem:{slug}"
    await nothing_sent(db)


async def test_a_body_beyond_every_limit_is_cut_off(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await post_files(client, school, [("huge.pdf", PDF + b"0" * (52 * 1024 * 1024))])

    assert answer.status_code == 413
    assert answer.json()["type"] == "urn:school:problem:message-too-large"
    await nothing_sent(db)


@pytest.mark.parametrize(
    ("data", "slug"),
    [
        ({}, "missing-message"),
        ({"message": "{not json"}, "validation-error"),
        ({"message": json.dumps({"subject": "Тема"})}, "validation-error"),
    ],
)
async def test_a_form_without_a_good_message_part_is_refused(
    client: httpx.AsyncClient, school: School, db: Database, data: dict[str, str], slug: str
) -> None:
    answer = await client.post(
        f"{MAIL}/messages",
        data=data,
        files=[("file", ("a.pdf", PDF, "application/pdf"))],
        headers=school.teacher.headers,
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["type"] == f"urn:school:problem:{slug}"
    await nothing_sent(db)


async def test_a_body_that_is_neither_json_nor_a_form_is_refused(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await client.post(
        f"{MAIL}/messages",
        content=b"subject=x",
        headers={**school.teacher.headers, "Content-Type": "text/plain"},
    )

    assert answer.status_code == 415
    assert answer.json()["type"] == "urn:school:problem:unsupported-media-type"
    await nothing_sent(db)


async def test_a_bad_reply_is_refused_and_nothing_is_sent(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    first = await client.post(
        f"{MAIL}/messages", json=message(school), headers=school.teacher.headers
    )
    thread = first.json()["message"]["thread_id"]
    before = await count(db, "SELECT count(*) FROM mail_messages")

    for body in ({"body": ""}, {"body": "x", "to": []}, {"text": "x"}):
        answer = await client.post(
            f"{MAIL}/threads/{thread}/messages", json=body, headers=school.parent.headers
        )
        assert answer.status_code == 422, answer.text
    assert await count(db, "SELECT count(*) FROM mail_messages") == before


@pytest.mark.parametrize(
    "params",
    [{"folder": "spam"}, {"limit": 0}, {"limit": 101}, {"offset": -1}, {"mailbox": "other"}],
)
async def test_bad_listing_parameters_are_refused(
    client: httpx.AsyncClient, school: School, params: dict[str, Any]
) -> None:
    answer = await client.get(f"{MAIL}/messages", params=params, headers=school.parent.headers)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
