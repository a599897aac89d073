"""Reading the archive over HTTP: the school's director and deputy list the sealed years,
see their files and download them (checked against their SHA-256 first); the system
administrator sees the list and the integrity status, never a file; a student or a
parent reads their own report card of an archived year. Every endpoint against the
wrong role, the wrong school, the wrong child, no token and bad input."""

import base64
import hashlib
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from archive_samples import folder_of, pdf_text
from journal_world import World

from shared.contracts.journal import YearClosed
from shared.testing import TokenFactory

PROBLEM = "application/problem+json"
STAFF = {
    "director": ["director"],
    "deputy": ["deputy"],
    "sysadmin": ["sysadmin"],
    "teacher": ["teacher"],
    "class_teacher": ["teacher", "class_teacher"],
    "inspector": ["district_inspector"],
    "student": ["student"],
    "parent": ["parent"],
    "nobody": [],
}


def bearer(tokens: TokenFactory, school: uuid.UUID, who: str, **claims: Any) -> dict[str, str]:
    token = tokens.token(school_id=school, roles=STAFF[who], **claims)
    return {"Authorization": f"Bearer {token}"}


async def detail(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, year: uuid.UUID
) -> dict[str, Any]:
    response = await client.get(
        f"/api/archive/years/{year}", headers=bearer(tokens, world.school_id, "deputy")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def file_of(body: dict[str, Any], kind: str, class_id: uuid.UUID | None = None) -> dict[str, Any]:
    found: dict[str, Any]
    [found] = [
        f
        for f in body["files"]
        if f["kind"] == kind and (class_id is None or f["class_id"] == str(class_id))
    ]
    return found


def problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"urn:school:problem:{slug}"


# --- the list and a year ------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "deputy", "sysadmin"])
async def test_the_administration_lists_its_sealed_years(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID, who: str
) -> None:
    response = await client.get("/api/archive/years", headers=bearer(tokens, world.school_id, who))

    assert response.status_code == 200, response.text
    [year] = response.json()["items"]
    assert (year["year_id"], year["name"], year["status"], year["class_journals"]) == (
        str(sealed),
        "2026/27",
        "sealed",
        2,
    )
    assert len(year["manifest_sha256"]) == len(year["public_key_sha256"]) == 64


async def test_a_year_lists_its_files_with_their_hashes(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    sealed: uuid.UUID,
    storage_dir: Path,
) -> None:
    body = await detail(client, tokens, world, sealed)

    kinds = sorted(f["kind"] for f in body["files"])
    listed = ["package", "package", "pdf", "pdf", "summary", "certificate"]
    describing = ["public_key", "manifest", "signature"]
    assert kinds == sorted([*listed, *describing])
    folder = folder_of(storage_dir, world.school_id, sealed)
    for entry in body["files"]:
        content = (folder / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    assert file_of(body, "pdf", world.class_id)["class_name"] == "5А"


async def test_another_school_sees_no_year_and_finds_none(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID
) -> None:
    other = uuid.uuid4()
    body = await detail(client, tokens, world, sealed)
    some_file = body["files"][0]["file_id"]

    listed = await client.get("/api/archive/years", headers=bearer(tokens, other, "director"))
    assert listed.json() == {"items": []}
    for path in (
        f"/api/archive/years/{sealed}",
        f"/api/archive/years/{sealed}/files/{some_file}",
        f"/api/archive/years/{sealed}/integrity",
    ):
        problem(await client.get(path, headers=bearer(tokens, other, "director")), 404, "not-found")


@pytest.mark.parametrize(
    "who", ["teacher", "class_teacher", "inspector", "student", "parent", "nobody"]
)
async def test_other_roles_are_forbidden_everywhere(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID, who: str
) -> None:
    body = await detail(client, tokens, world, sealed)
    some_file = body["files"][0]["file_id"]
    headers = bearer(tokens, world.school_id, who)
    for path in (
        "/api/archive/years",
        f"/api/archive/years/{sealed}",
        f"/api/archive/years/{sealed}/files/{some_file}",
        f"/api/archive/years/{sealed}/integrity",
    ):
        problem(await client.get(path, headers=headers), 403, "forbidden")


async def test_every_endpoint_needs_a_valid_token(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID
) -> None:
    body = await detail(client, tokens, world, sealed)
    some_file = body["files"][0]["file_id"]
    expired = bearer(tokens, world.school_id, "director", ttl_seconds=-60)
    foreign = {
        "Authorization": "Bearer "
        + TokenFactory().token(school_id=world.school_id, roles=["director"])
    }
    for path in (
        "/api/archive/years",
        f"/api/archive/years/{sealed}",
        f"/api/archive/years/{sealed}/files/{some_file}",
        f"/api/archive/years/{sealed}/integrity",
        f"/api/archive/years/{sealed}/report-cards/{world.student_id}",
    ):
        for headers in ({}, {"Authorization": "Bearer x.y.z"}, expired, foreign):
            response = await client.get(path, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "path",
    [
        "/api/archive/years/not-a-uuid",
        "/api/archive/years/not-a-uuid/integrity",
        "/api/archive/years/{year}/files/not-a-uuid",
        "/api/archive/years/{year}/report-cards/not-a-uuid",
    ],
)
async def test_bad_ids_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID, path: str
) -> None:
    who = "student" if "report-cards" in path else "director"
    response = await client.get(
        path.format(year=sealed), headers=bearer(tokens, world.school_id, who)
    )
    problem(response, 422, "validation-error")


async def test_unknown_years_and_files_are_not_found(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID
) -> None:
    headers = bearer(tokens, world.school_id, "director")
    for path in (
        f"/api/archive/years/{uuid.uuid4()}",
        f"/api/archive/years/{uuid.uuid4()}/integrity",
        f"/api/archive/years/{sealed}/files/{uuid.uuid4()}",
    ):
        problem(await client.get(path, headers=headers), 404, "not-found")


# --- downloads ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "deputy"])
async def test_the_director_and_the_deputy_download_a_pdf_with_its_digest(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID, who: str
) -> None:
    pdf = file_of(await detail(client, tokens, world, sealed), "pdf", world.class_id)

    response = await client.get(
        f"/api/archive/years/{sealed}/files/{pdf['file_id']}",
        headers=bearer(tokens, world.school_id, who),
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    digest = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    assert response.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert hashlib.sha256(response.content).hexdigest() == pdf["sha256"]
    assert "filename*=UTF-8''5%D0%90-journal.pdf" in response.headers["content-disposition"]
    assert "КЛАССНЫЙ ЖУРНАЛ" in pdf_text(response.content)


async def test_the_system_administrator_never_downloads_a_file(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID
) -> None:
    pdf = file_of(await detail(client, tokens, world, sealed), "pdf", world.class_id)

    response = await client.get(
        f"/api/archive/years/{sealed}/files/{pdf['file_id']}",
        headers=bearer(tokens, world.school_id, "sysadmin"),
    )

    problem(response, 403, "forbidden")


async def test_a_damaged_file_is_not_given_out(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    sealed: uuid.UUID,
    storage_dir: Path,
) -> None:
    package = file_of(await detail(client, tokens, world, sealed), "package", world.class_id)
    (folder_of(storage_dir, world.school_id, sealed) / package["path"]).write_bytes(b"damaged")

    response = await client.get(
        f"/api/archive/years/{sealed}/files/{package['file_id']}",
        headers=bearer(tokens, world.school_id, "director"),
    )

    problem(response, 409, "archive-file-damaged")
    assert response.json()["path"] == package["path"]


# --- the integrity check ------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "deputy", "sysadmin"])
async def test_the_integrity_check_names_what_was_tampered_with(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    sealed: uuid.UUID,
    storage_dir: Path,
    who: str,
) -> None:
    url = f"/api/archive/years/{sealed}/integrity"
    headers = bearer(tokens, world.school_id, who)
    intact = (await client.get(url, headers=headers)).json()
    assert (intact["intact"], intact["files_checked"], intact["signatures_checked"]) == (
        True,
        6,
        2,
    )

    folder = folder_of(storage_dir, world.school_id, sealed)
    (folder / f"classes/{world.class_id}/journal.pdf").write_bytes(b"%PDF-1.7 forged")
    (folder / "summary.jsonl.zip").unlink()
    damaged = (await client.get(url, headers=headers)).json()

    assert damaged["intact"] is False
    assert damaged["findings"] == [
        {
            "path": f"classes/{world.class_id}/journal.pdf",
            "problem": "SHA-256 differs from the manifest: the file was changed",
        },
        {"path": "summary.jsonl.zip", "problem": "missing"},
    ]


async def test_a_year_not_sealed_yet_has_no_integrity_to_check(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    closed: tuple[uuid.UUID, dict[str, Any]],
    deliver: Any,
) -> None:
    year_id, data = closed
    await deliver(YearClosed.model_validate({**data, "school_id": world.school_id}))

    response = await client.get(
        f"/api/archive/years/{year_id}/integrity",
        headers=bearer(tokens, world.school_id, "director"),
    )

    problem(response, 409, "year-not-sealed")


# --- report cards -------------------------------------------------------------------


async def test_a_student_and_a_parent_read_the_childs_report_card(
    client: httpx.AsyncClient, world: World, sealed: uuid.UUID
) -> None:
    url = f"/api/archive/years/{sealed}/report-cards/{world.student_id}"
    for who in ("student", "parent"):
        response = await client.get(url, headers=world.auth(who))
        assert response.status_code == 200, response.text
        card = response.json()
        assert (card["last_name"], card["class_name"], card["year_name"]) == (
            "Смирнов",
            "5А",
            "2026/27",
        )
        [russian] = card["subjects"]
        assert russian["subject_name"] == "Русский язык"
        assert russian["finals"] == [{"period_kind": "quarter", "period_number": 2, "value": "5"}]


async def test_another_childs_report_card_is_not_found(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID
) -> None:
    classmate = f"/api/archive/years/{sealed}/report-cards/{world.classmate_id}"
    mine = f"/api/archive/years/{sealed}/report-cards/{world.student_id}"
    for who in ("student", "parent"):
        problem(await client.get(classmate, headers=world.auth(who)), 404, "not-found")
    other_school = tokens.token(
        school_id=uuid.uuid4(), roles=["student"], person_id=world.student_id
    )
    problem(
        await client.get(mine, headers={"Authorization": f"Bearer {other_school}"}),
        404,
        "not-found",
    )
    unknown_year = f"/api/archive/years/{uuid.uuid4()}/report-cards/{world.student_id}"
    problem(await client.get(unknown_year, headers=world.auth("student")), 404, "not-found")


@pytest.mark.parametrize("who", ["director", "deputy", "teacher", "sysadmin"])
async def test_report_cards_are_the_familys_only(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID, who: str
) -> None:
    response = await client.get(
        f"/api/archive/years/{sealed}/report-cards/{world.student_id}",
        headers=bearer(tokens, world.school_id, who),
    )

    problem(response, 403, "forbidden")


async def test_a_student_and_a_parent_list_the_childs_archived_report_cards(
    client: httpx.AsyncClient, world: World, sealed: uuid.UUID
) -> None:
    url = f"/api/archive/report-cards/{world.student_id}"
    for who in ("student", "parent"):
        response = await client.get(url, headers=world.auth(who))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["student_id"], body["last_name"]) == (str(world.student_id), "Смирнов")
        assert [(y["year_id"], y["year_name"], y["class_name"]) for y in body["items"]] == [
            (str(sealed), "2026/27", "5А")
        ]


async def test_the_list_of_report_cards_is_empty_before_the_year_is_sealed(
    client: httpx.AsyncClient, world: World, closed: tuple[uuid.UUID, dict[str, Any]]
) -> None:
    response = await client.get(
        f"/api/archive/report-cards/{world.student_id}", headers=world.auth("student")
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert response.json()["last_name"] is None


async def test_another_childs_list_of_report_cards_is_not_found(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID
) -> None:
    classmate = f"/api/archive/report-cards/{world.classmate_id}"
    for who in ("student", "parent"):
        problem(await client.get(classmate, headers=world.auth(who)), 404, "not-found")
    other_school = tokens.token(
        school_id=uuid.uuid4(), roles=["student"], person_id=world.student_id
    )
    response = await client.get(
        f"/api/archive/report-cards/{world.student_id}",
        headers={"Authorization": f"Bearer {other_school}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []  # that school has no year of this student
    problem(
        await client.get("/api/archive/report-cards/not-an-id", headers=world.auth("student")),
        422,
        "validation-error",
    )
    problem(
        await client.get(f"/api/archive/report-cards/{world.student_id}"), 401, "unauthenticated"
    )


@pytest.mark.parametrize("who", ["director", "deputy", "teacher", "sysadmin"])
async def test_the_list_of_report_cards_is_the_familys_only(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, sealed: uuid.UUID, who: str
) -> None:
    response = await client.get(
        f"/api/archive/report-cards/{world.student_id}",
        headers=bearer(tokens, world.school_id, who),
    )

    problem(response, 403, "forbidden")
