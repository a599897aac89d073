"""Homework of a lesson (text, due date, files checked by content) and a lesson's topic
edit: the single-lesson endpoints, who may download a file, and what is refused."""

import io
import uuid
import zipfile
from typing import Any

import httpx
from curriculum_samples import put_plan
from journal_world import TUESDAY, World, outbox, problem_type, table_counts
from page_samples import open_second_quarter

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def homework_path(world: World, lesson: str = "math_lesson") -> str:
    return f"/lessons/{world.ids[lesson]}/homework"


async def upload(
    world: World,
    content: bytes,
    name: str = "задание.pdf",
    who: str = "class_teacher",
    claimed: str = "application/pdf",
) -> httpx.Response:
    return await world.client.post(
        f"{homework_path(world)}/attachments",
        files={"file": (name, content, claimed)},
        headers=world.auth(who),
    )


async def test_homework_is_set_with_the_next_lesson_as_due_date_and_published(
    world: World,
) -> None:
    response = await world.client.put(
        homework_path(world),
        json={"text": "Учебник, с. 42, № 5", "version": 1},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "lesson_id": str(world.math_lesson_id),
        "text": "Учебник, с. 42, № 5",
        "due_on": TUESDAY.isoformat(),
        "attachments": [],
        "version": 2,
    }
    (event,) = await outbox(world.db, "journal.homework.set.v1", world.school_id)
    assert event["version"] == 2
    assert event["subject"] == f"homework/{world.math_lesson_id}"
    assert event["data"]["due_on"] == TUESDAY.isoformat()

    stale = await world.client.put(
        homework_path(world),
        json={"text": "Другое", "version": 1},
        headers=world.auth("class_teacher"),
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2
    before_the_lesson = await world.client.put(
        homework_path(world),
        json={"text": "Другое", "due_on": "2026-11-01", "version": 2},
        headers=world.auth("class_teacher"),
    )
    assert before_the_lesson.status_code == 422
    assert problem_type(before_the_lesson) == "due-before-lesson"

    cleared = await world.client.request(
        "DELETE", homework_path(world), json={"version": 2}, headers=world.auth("class_teacher")
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["text"] is None
    (tombstone,) = await outbox(world.db, "journal.homework.cleared.v1", world.school_id)
    assert tombstone["version"] == 3


async def test_who_sets_homework(world: World, other: World) -> None:
    before = await table_counts(world.db)
    body = {"text": "№ 1", "version": 1}
    for who, status in (("teacher", 403), ("student", 403), ("parent", 403), ("director", 403)):
        response = await world.client.put(homework_path(world), json=body, headers=world.auth(who))
        assert response.status_code == status, (who, response.text)
    response = await world.client.put(homework_path(world), json=body)
    assert response.status_code == 401
    response = await world.client.put(
        homework_path(world), json=body, headers=other.auth("class_teacher")
    )
    assert response.status_code == 404
    for who, status in (("teacher", 403), ("student", 403), ("parent", 403), ("sysadmin", 403)):
        response = await upload(world, PDF, who=who)
        assert response.status_code == status, (who, response.text)
    response = await world.client.post(
        f"{homework_path(world)}/attachments", files={"file": ("a.pdf", PDF, "application/pdf")}
    )
    assert response.status_code == 401
    response = await world.client.post(
        f"{homework_path(world)}/attachments",
        files={"file": ("a.pdf", PDF, "application/pdf")},
        headers=other.auth("class_teacher"),
    )
    assert response.status_code == 404
    for bad in ({"text": "", "version": 1}, {"text": "a\x00b", "version": 1}, {"text": "x"}):
        response = await world.client.put(
            homework_path(world), json=bad, headers=world.auth("class_teacher")
        )
        assert response.status_code in (422, 428), (bad, response.text)
    assert await table_counts(world.db) == before


async def test_files_are_kept_by_their_content_and_downloaded_as_stored(world: World) -> None:
    response = await upload(world, PDF, name="../../Задание 1.pdf")
    assert response.status_code == 201, response.text
    (attachment,) = response.json()["attachments"]
    assert attachment["file_name"] == "Задание 1.pdf"
    assert attachment["content_type"] == "application/pdf"
    assert response.json()["version"] == 2
    # A PNG named .txt is a PNG; a DOCX is known by its inner files.
    png = await upload(world, PNG, name="notes.txt", claimed="text/plain")
    assert png.json()["attachments"][-1]["content_type"] == "image/png"
    word = await upload(world, docx(), name="essay.docx")
    assert word.json()["attachments"][-1]["content_type"].endswith("wordprocessingml.document")
    text = await upload(world, "Прочитать главу 3\n".encode(), name="plan")
    assert text.json()["attachments"][-1]["content_type"] == "text/plain"
    (event, *_) = await outbox(world.db, "journal.homework.set.v1", world.school_id)
    assert event["data"]["attachments"][0]["file_name"] == "Задание 1.pdf"

    download = await world.client.get(
        f"/homework/attachments/{attachment['attachment_id']}", headers=world.auth("student")
    )

    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%D0%97%D0%B0%D0%B4" in download.headers["content-disposition"]


async def test_files_too_big_too_many_or_of_a_disguised_type_are_refused(world: World) -> None:
    before = await table_counts(world.db)
    too_big = await upload(world, PDF + b"0" * (10 * 1024 * 1024))
    assert too_big.status_code == 413
    assert problem_type(too_big) == "file-too-large"
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
    for content, name in (
        (program, "homework.pdf"),  # a Windows program under a PDF's name
        (b"PK\x03\x04" + b"\x00" * 40, "essay.docx"),  # a zip that is no document
        (b"\x00\x01\x02binary", "notes.txt"),
        (b"", "empty.pdf"),
    ):
        response = await upload(world, content, name=name)
        assert response.status_code in (415, 422), (name, response.text)
    assert await table_counts(world.db) == before
    not_multipart = await world.client.post(
        f"{homework_path(world)}/attachments",
        content=PDF,
        headers={**world.auth("class_teacher"), "Content-Type": "application/pdf"},
    )
    assert not_multipart.status_code == 415

    for number in range(5):
        assert (await upload(world, PDF, name=f"{number}.pdf")).status_code == 201
    sixth = await upload(world, PDF, name="6.pdf")
    assert sixth.status_code == 422
    assert problem_type(sixth) == "too-many-files"


async def test_who_downloads_a_file(world: World, other: World) -> None:
    response = await upload(world, PDF)
    (attachment,) = response.json()["attachments"]
    path = f"/homework/attachments/{attachment['attachment_id']}"
    another_guardian = await world.post(
        "deputy",
        "/guardians",
        {
            "last_name": "Андреева",
            "first_name": "Мария",
            "student_ids": [str(world.ids["parallel_student"])],
        },
    )
    parallel_parent = world.tokens.token(
        school_id=world.school_id,
        roles=["parent"],
        person_id=uuid.UUID(another_guardian["guardian_id"]),
        children=[world.ids["parallel_student"]],
    )
    parallel_student = world.tokens.token(
        school_id=world.school_id, roles=["student"], person_id=world.ids["parallel_student"]
    )

    for who in ("class_teacher", "deputy", "director", "student", "classmate", "parent"):
        response = await world.client.get(path, headers=world.auth(who))
        assert response.status_code == 200, (who, response.text)
    for headers in (
        world.auth("teacher"),  # teaches 5А Russian, not this lesson, and leads no class
        world.auth("outsider"),
        {"Authorization": f"Bearer {parallel_parent}"},  # another child's guardian
        {"Authorization": f"Bearer {parallel_student}"},
        other.auth("director"),
    ):
        response = await world.client.get(path, headers=headers)
        assert response.status_code == 404, response.text
    assert (await world.client.get(path, headers=world.auth("sysadmin"))).status_code == 403
    assert (await world.client.get(path)).status_code == 401

    for who in ("teacher", "student"):
        response = await world.client.delete(path, headers=world.auth(who))
        assert response.status_code == 403, (who, response.text)
    assert (await world.client.delete(path, headers=other.auth("deputy"))).status_code == 404
    removed = await world.client.delete(path, headers=world.auth("class_teacher"))
    assert removed.status_code == 200, removed.text
    assert removed.json()["attachments"] == []
    assert (await world.client.get(path, headers=world.auth("deputy"))).status_code == 404


async def test_a_lesson_topic_follows_an_item_of_the_assignments_plan(world: World) -> None:
    year_id, _ = await open_second_quarter(world)
    plan = await put_plan(world, year_id)
    item = plan["items"][3]["item_id"]
    path = f"/lessons/{world.math_lesson_id}"

    response = await world.client.patch(
        path,
        json={"topic": "Обыкновенные дроби", "plan_item_id": item, "version": 1},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["plan_item_id"] == item
    assert response.json()["version"] == 2
    (event,) = await outbox(world.db, "journal.lesson.topic_set.v1", world.school_id)
    assert event["data"]["plan_item_id"] == item
    assert event["version"] == 2

    before = await table_counts(world.db)
    russian_plan: dict[str, Any] = (
        await world.client.put(
            f"/assignments/{world.ids['russian_assignment']}/plans/{year_id}",
            json={"version": 0, "items": [{"topic": "Суффиксы", "hours": 2}]},
            headers=world.auth("teacher"),
        )
    ).json()
    before = await table_counts(world.db)
    for body, status, slug in (
        (
            {"plan_item_id": russian_plan["items"][0]["item_id"], "version": 2},
            422,
            "unknown-plan-item",
        ),
        ({"topic": "Другая", "version": 1}, 409, "stale-version"),
        ({"topic": "Другая"}, 428, "version-required"),
        ({"version": 2}, 422, "validation-error"),
    ):
        response = await world.client.patch(path, json=body, headers=world.auth("class_teacher"))
        assert response.status_code == status, (body, response.text)
        assert problem_type(response) == slug
    for who, status in (("teacher", 403), ("student", 403), ("director", 403)):
        response = await world.client.patch(
            path, json={"topic": "Х", "version": 2}, headers=world.auth(who)
        )
        assert response.status_code == status, who
    response = await world.client.patch(
        path, json={"topic": "Х", "version": 2}, headers=other_school_token(world)
    )
    assert response.status_code == 404
    assert (await world.client.patch(path, json={"topic": "Х", "version": 2})).status_code == 401
    assert await table_counts(world.db) == before


def other_school_token(world: World) -> dict[str, str]:
    token = world.tokens.token(
        school_id=uuid.uuid4(), roles=["teacher"], account_id=world.class_teacher
    )
    return {"Authorization": f"Bearer {token}"}


async def test_a_repeated_upload_with_its_key_attaches_the_file_once(world: World) -> None:
    headers = {**world.auth("class_teacher"), "Idempotency-Key": "upload-1"}
    path = f"{homework_path(world)}/attachments"
    first = await world.client.post(
        path, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=headers
    )
    assert first.status_code == 201, first.text

    again = await world.client.post(
        path, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=headers
    )

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(await outbox(world.db, "journal.homework.set.v1", world.school_id)) == 1
    other_file = await world.client.post(
        path, files={"file": ("a.pdf", PDF + b"%", "application/pdf")}, headers=headers
    )
    assert other_file.status_code == 422
    assert problem_type(other_file) == "idempotency-key-reused"
