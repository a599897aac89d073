"""The export of a closed year: GET /years/{id}/export, for the archive's service token
only, streamed as NDJSON (header, each class journal's records, trailer); every hash and
count recomputed from the streamed lines equals the manifest journal.year.closed.v1 sent."""

import base64
import hashlib
import json
import uuid
from collections import defaultdict
from typing import Any

import httpx
import pytest
from journal_world import World, problem_type, rows
from yearend_samples import (
    HOMEWORK_PDF,
    close,
    close_periods,
    closed_year,
    open_year,
    service_token,
)

from journal.yearend import export

NDJSON = "application/x-ndjson"


def canonical(record: dict[str, Any]) -> bytes:
    """What the archive does with a line: its own canonical JSON, to check journal's."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


async def fetch(world: World, year_id: str, token: str | None = None) -> httpx.Response:
    token = token if token is not None else service_token(world.tokens)
    return await world.client.get(
        f"/years/{year_id}/export", headers={"Authorization": f"Bearer {token}"}
    )


def lines_of(response: httpx.Response) -> list[bytes]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(NDJSON)
    body = response.content
    assert body.endswith(b"\n")
    return body.split(b"\n")[:-1]


def check(lines: list[bytes]) -> dict[str, Any]:
    """Recompute the manifest from the lines, as the archive would, and compare it with the
    trailer's; answers the trailer's manifest."""
    records = [json.loads(line) for line in lines]
    assert records[0]["record"] == "header" and records[-1]["record"] == "trailer"
    assert all(canonical(r) == line for r, line in zip(records, lines, strict=True))
    per_class: dict[str, list[bytes]] = defaultdict(list)
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record, line in zip(records[1:-1], lines[1:-1], strict=True):
        per_class[record["class_id"]].append(line)
        kinds[record["class_id"]][record["record"]] += 1
    manifest: dict[str, Any] = records[-1]["manifest"]
    entries = manifest["class_journals"]
    assert [e["class_id"] for e in entries] == list(per_class)
    for entry in entries:
        mine = per_class[entry["class_id"]]
        assert (
            entry["sha256"] == hashlib.sha256(b"".join(line + b"\n" for line in mine)).hexdigest()
        )
        counted = kinds[entry["class_id"]]
        assert entry["counts"]["records"] == len(mine)
        assert (counted["class"], counted["student"], counted["lesson"]) == (
            1,
            entry["counts"]["students"],
            entry["counts"]["lessons"],
        )
        assert counted["mark"] == entry["counts"]["marks"]
        assert counted["attendance"] == entry["counts"]["attendance"]
        assert counted["remark"] == entry["counts"]["remarks"]
        assert counted["final_mark"] == entry["counts"]["final_marks"]
        assert counted["guardian"] == entry["counts"]["guardians"]
        assert counted["curriculum_hours"] == entry["counts"]["curriculum_hours"]
    whole = hashlib.sha256(lines[0] + b"\n")
    for entry in entries:
        whole.update(canonical(entry) + b"\n")
    assert manifest["sha256"] == whole.hexdigest()
    return manifest


async def test_the_export_holds_both_class_journals_and_matches_the_events_manifest(
    world: World,
) -> None:
    year_id, event = await closed_year(world)

    lines = lines_of(await fetch(world, year_id))

    manifest = check(lines)
    assert manifest == event["manifest"]
    classes = [json.loads(line) for line in lines if b'"record":"class"' in line]
    assert [(c["name"], c["grade"]) for c in classes] == [("5А", 5), ("5Б", 5)]
    header = json.loads(lines[0])
    assert header["format"] == "journal-export/1"
    assert header["school_id"] == str(world.school_id)
    assert header["year"]["year_id"] == year_id
    assert header["year"]["closed_by"] == event["closed_by"] == str(world.deputy)


async def test_the_records_carry_the_journal_with_its_history(world: World) -> None:
    year_id, _ = await closed_year(world)

    records = [json.loads(line) for line in lines_of(await fetch(world, year_id))]
    of = defaultdict(list)
    for record in records:
        if record.get("class_id") == str(world.class_id):
            of[record["record"]].append(record)

    assert sorted(s["last_name"] for s in of["student"]) == ["Андреев", "Смирнов"]
    [student] = [s for s in of["student"] if s["student_id"] == str(world.student_id)]
    assert student["birth_date"] == "2015-03-14"
    assert [(e["starts_on"], e["ends_on"]) for e in student["enrollments"]] == [
        ("2026-09-01", None)
    ]
    assert [lesson["date"] for lesson in of["lesson"]] == ["2026-11-23", "2026-11-23", "2026-11-24"]
    math = next(
        lesson for lesson in of["lesson"] if lesson["lesson_id"] == str(world.math_lesson_id)
    )
    assert (math["topic"], math["homework"], math["teacher_id"]) == (
        "Дроби",
        "№ 23",
        str(world.class_teacher),
    )
    assert "lesson_number" in math
    corrected = next(m for m in of["mark"] if m["student_id"] == str(world.student_id))
    assert (corrected["value"], corrected["work_type"], corrected["version"]) == (4, "answer", 2)
    assert [
        (h["version"], h["old_value"], h["new_value"], h["reason"]) for h in corrected["history"]
    ] == [
        (1, None, 5, "posted"),
        (2, 5, 4, "Ошибка при вводе"),
    ]
    assert corrected["history"][0]["changed_at"].endswith("Z")
    [cell] = of["attendance"]
    assert (cell["student_id"], cell["code"], cell["version"]) == (str(world.classmate_id), "Б", 2)
    assert [(h["old_code"], h["new_code"]) for h in cell["history"]] == [(None, "Н"), ("Н", "Б")]
    [final] = of["final_mark"]
    assert (final["student_id"], final["value"], final["subject_name"]) == (
        str(world.student_id),
        "5",
        "Русский язык",
    )
    assert (final["period_kind"], final["period_number"], final["version"]) == ("quarter", 2, 1)
    assert [(h["old_value"], h["new_value"]) for h in final["history"]] == [(None, "5")]
    [attachment] = of["homework_attachment"]
    content = base64.b64decode(attachment["content_base64"])
    assert content == HOMEWORK_PDF
    assert (attachment["lesson_id"], attachment["file_name"], attachment["size"]) == (
        str(world.math_lesson_id),
        "задание.pdf",
        len(HOMEWORK_PDF),
    )
    assert attachment["sha256"] == hashlib.sha256(HOMEWORK_PDF).hexdigest()
    assert "homework_due_on" in math
    [remark] = of["remark"]
    assert (remark["kind"], remark["text"], remark["date"]) == (
        "praise",
        "Помог однокласснику",
        "2026-11-24",
    )
    guardians = {g["last_name"]: g for g in of["guardian"]}
    assert [g["guardian_id"] for g in of["guardian"]] == sorted(
        g["guardian_id"] for g in of["guardian"]
    )
    assert (guardians["Смирнова"]["phone"], guardians["Смирнова"]["children"]) == (
        "+7 900 000-00-00",
        [{"student_id": str(world.student_id), "kind": "guardian"}],
    )
    assert (guardians["Андреева"]["email"], guardians["Андреева"]["children"]) == (
        "andreeva@example.org",
        [{"student_id": str(world.classmate_id), "kind": "mother"}],
    )
    assert [
        (h["subject_name"], h["grade"], h["weekly_hours"], h["weeks"], h["yearly_hours"])
        for h in of["curriculum_hours"]
    ] == [("Математика", 5, 5.0, 34, 170.0), ("Русский язык", 5, 4.5, 34, 153.0)]


async def test_a_guardian_of_children_in_two_classes_is_in_both_class_journals(
    world: World,
) -> None:
    year_id, _ = await closed_year(world)

    records = [json.loads(line) for line in lines_of(await fetch(world, year_id))]

    mothers = [r for r in records if r["record"] == "guardian" and r["last_name"] == "Андреева"]
    assert [(m["class_id"], m["children"]) for m in mothers] == [
        (str(world.class_id), [{"student_id": str(world.classmate_id), "kind": "mother"}]),
        (
            str(world.ids["parallel_class"]),
            [{"student_id": str(world.ids["parallel_student"]), "kind": "mother"}],
        ),
    ]
    assert mothers[0]["email"] == mothers[1]["email"] == "andreeva@example.org"


async def test_changes_after_the_closing_leave_the_export_as_it_was(
    committed_world: World,
) -> None:
    # Requests that really commit: the roster's history is stamped by each transaction.
    world = committed_world
    year_id, event = await closed_year(world)
    renamed = await world.client.patch(
        f"/students/{world.student_id}",
        json={"last_name": "Смирнов-Петров"},
        headers=world.auth("deputy"),
    )
    moved = await world.client.post(
        f"/students/{world.student_id}/transfer",
        json={"class_id": str(world.ids["parallel_class"]), "on": "2027-06-01"},
        headers=world.auth("deputy"),
    )
    assert renamed.status_code == 200 and moved.status_code == 200

    lines = lines_of(await fetch(world, year_id))

    assert check(lines) == event["manifest"]
    students = [json.loads(line) for line in lines if str(world.student_id) in line.decode()]
    names = {s["last_name"] for s in students if s["record"] == "student"}
    assert names == {"Смирнов"}  # as at the closing


async def test_guardians_changed_unlinked_or_relinked_after_the_closing_leave_it_sealed(
    committed_world: World,
) -> None:
    world = committed_world
    year_id, event = await closed_year(world)
    before = (await fetch(world, year_id)).content
    guardian = world.ids["guardian"]
    mother = await first_guardian(world, "Андреева")
    deputy = world.auth("deputy")
    changes = [
        world.client.patch(
            f"/guardians/{guardian}",
            json={"phone": "+7 999 999-99-99", "address": "ул. Новая, 1"},
            headers=deputy,
        ),
        # unlinked from one child, relinked as another kind to the other
        world.client.delete(f"/guardians/{mother}/students/{world.classmate_id}", headers=deputy),
        world.client.put(
            f"/guardians/{mother}/students/{world.ids['parallel_student']}",
            json={"kind": "guardian"},
            headers=deputy,
        ),
        # the world's guardian unlinked and linked again, and linked to a new child
        world.client.delete(f"/guardians/{guardian}/students/{world.student_id}", headers=deputy),
        world.client.put(
            f"/guardians/{guardian}/students/{world.student_id}",
            json={"kind": "father"},
            headers=deputy,
        ),
        world.client.put(
            f"/guardians/{guardian}/students/{world.classmate_id}",
            json={"kind": "guardian"},
            headers=deputy,
        ),
        # a guardian who came after the closing
        world.client.post(
            "/guardians",
            json={
                "last_name": "Борисова",
                "first_name": "Ольга",
                "student_ids": [str(world.ids["parallel_student"])],
            },
            headers=deputy,
        ),
    ]
    for change in changes:
        response = await change
        assert response.status_code in (200, 201, 204), response.text

    after = (await fetch(world, year_id)).content

    assert after == before
    assert check(lines_of(await fetch(world, year_id))) == event["manifest"]
    assert b"+7 999 999-99-99" not in after and "Борисова".encode() not in after


async def first_guardian(world: World, last_name: str) -> uuid.UUID:
    (row,) = await rows(
        world.db,
        "SELECT id FROM guardians WHERE school_id = :school AND last_name = :name",
        school=world.school_id,
        name=last_name,
    )
    guardian: uuid.UUID = row["id"]
    return guardian


async def test_the_export_is_read_in_chunks_and_comes_out_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    year_id, event = await closed_year(world)
    monkeypatch.setattr(export, "YIELD_PER", 1)

    assert check(lines_of(await fetch(world, year_id))) == event["manifest"]


@pytest.mark.parametrize(
    "who", ["director", "deputy", "class_teacher", "teacher", "sysadmin", "student", "parent"]
)
async def test_no_person_exports_a_year_not_even_the_director(world: World, who: str) -> None:
    year_id, _ = await closed_year(world)

    response = await fetch(world, year_id, world.token(who))

    assert response.status_code == 403 and problem_type(response) == "forbidden"


async def test_a_service_token_without_the_scope_or_for_another_service_is_refused(
    world: World,
) -> None:
    year_id, _ = await closed_year(world)

    other_scope = await fetch(world, year_id, service_token(world.tokens, scope="journal.read"))
    other_service = await fetch(world, year_id, service_token(world.tokens, audience="reporting"))
    anonymous = await world.client.get(f"/years/{year_id}/export")

    assert other_scope.status_code == 403
    assert other_service.status_code == 401
    assert anonymous.status_code == 401


async def test_only_a_closed_year_is_exported(world: World) -> None:
    year_id = await open_year(world)
    await close_periods(world, year_id)

    response = await fetch(world, year_id)

    assert response.status_code == 409 and problem_type(response) == "year-not-closed"


async def test_an_unknown_year_is_not_found_and_a_malformed_id_is_refused(world: World) -> None:
    unknown = await fetch(world, str(uuid.uuid4()))
    malformed = await fetch(world, "2026")

    assert unknown.status_code == 404 and problem_type(unknown) == "not-found"
    assert malformed.status_code == 422


async def test_the_archive_exports_any_schools_closed_year(world: World, other: World) -> None:
    theirs, event = await closed_year(other)

    lines = lines_of(await fetch(world, theirs))

    assert check(lines) == event["manifest"]
    assert json.loads(lines[0])["school_id"] == str(other.school_id)


async def test_a_year_without_classes_exports_a_header_and_a_trailer(world: World) -> None:
    year_id = await open_year(world)
    await rows(
        world.db,
        "UPDATE academic_years SET starts_on = '2020-09-01', ends_on = '2021-05-31' "
        "WHERE id = :id RETURNING id",
        id=uuid.UUID(year_id),
    )
    await rows(
        world.db, "DELETE FROM periods WHERE year_id = :id RETURNING id", id=uuid.UUID(year_id)
    )
    assert (await close(world, year_id)).status_code == 200

    lines = lines_of(await fetch(world, year_id))

    assert len(lines) == 2
    assert check(lines)["class_journals"] == []
