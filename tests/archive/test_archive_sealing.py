"""Sealing a closed year: journal's export, read over HTTP with a service token and
checked against the manifest of `journal.year.closed`, becomes per class journal a JSON
Lines package and a PAdES-signed PDF in Russian, listed with their SHA-256 in the year's
manifest signed with the school's Ed25519 key; `archive.year.sealed.v1` is published."""

import base64
import hashlib
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

from archive_samples import folder_of, journal_outbox, pdf_text, rows, sealed_files, tree
from journal_world import World

from archive.journal_export import HttpJournalExport
from archive.keys import school_keys
from archive.manifest import load_public_key, signature_holds
from archive.package import read_jsonl
from archive.pades import check_pdf_signature
from archive.sealing import Archive, seal_year
from shared.contracts.journal import YearClosed
from shared.db import Database
from shared.events import CloudEvent

Closed = tuple[uuid.UUID, dict[str, Any]]


def year_closed(world: World, data: dict[str, Any]) -> YearClosed:
    return YearClosed.model_validate({**data, "school_id": world.school_id})


async def test_a_closed_year_is_sealed_into_signed_packages_and_pdfs(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    storage_dir: Path,
    keys_dir: Path,
    deliver: Any,
) -> None:
    year_id, data = closed
    await deliver(year_closed(world, data))  # the manifest to check the export against

    outcome = await seal_year(archive, export, world.school_id, year_id)

    assert outcome == "sealed"
    files = tree(folder_of(storage_dir, world.school_id, year_id))
    class_ids = [e["class_id"] for e in data["manifest"]["class_journals"]]
    assert sorted(files) == sorted(
        [
            *(f"classes/{c}/journal.jsonl.zip" for c in class_ids),
            *(f"classes/{c}/journal.pdf" for c in class_ids),
            "summary.jsonl.zip",
            "school-certificate.pem",
            "public-key.pem",
            "manifest.json",
            "manifest.json.sig",
        ]
    )
    manifest = json.loads(files["manifest.json"])
    listed = {f["path"]: f for f in manifest["files"]}
    for path, content in files.items():
        if path in listed:
            assert listed[path]["sha256"] == hashlib.sha256(content).hexdigest(), path
            assert listed[path]["size"] == len(content), path
    assert manifest["year"]["year_id"] == str(year_id)
    assert manifest["export"]["sha256"] == data["manifest"]["sha256"]
    assert manifest["retention"] == {"detailed_until": "2032-05-31", "summary_until": "2052-05-31"}
    # The manifest's signature holds with the school's public key alone.
    public = load_public_key(files["public-key.pem"])
    assert signature_holds(files["manifest.json"], files["manifest.json.sig"], public)
    keys = school_keys(keys_dir, world.school_id)
    assert files["public-key.pem"] == keys.public_key_pem()
    assert base64.b64decode(files["manifest.json.sig"]) != b""
    # The database records every file with the same hash.
    recorded = {f["path"]: f["sha256"] for f in await sealed_files(db, year_id)}
    assert {p: listed[p]["sha256"] for p in listed} == {p: recorded[p] for p in listed}
    [year] = await rows(db, "SELECT * FROM sealed_years WHERE year_id = :y", y=year_id)
    assert (year["status"], year["class_journals"], year["name"]) == ("sealed", 2, "2026/27")
    assert year["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()


async def test_each_package_holds_the_class_journal_exactly_as_exported(
    world: World, closed: Closed, archive: Archive, export: HttpJournalExport, storage_dir: Path
) -> None:
    year_id, data = closed
    await seal_year(archive, export, world.school_id, year_id)

    folder = folder_of(storage_dir, world.school_id, year_id)
    package = (folder / f"classes/{world.class_id}/journal.jsonl.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as archived:
        assert archived.namelist() == ["journal.jsonl", "manifest.json"]
        lines = archived.read("journal.jsonl")
    [entry] = [
        e for e in data["manifest"]["class_journals"] if e["class_id"] == str(world.class_id)
    ]
    # The package's lines are journal's, byte for byte: their hash is the manifest's.
    assert hashlib.sha256(lines).hexdigest() == entry["sha256"]
    records = read_jsonl(package, "journal.jsonl")
    kinds = {r["record"] for r in records}
    assert {
        "class",
        "student",
        "guardian",
        "lesson",
        "mark",
        "attendance",
        "final_mark",
        "thematic_plan",
        "homework_attachment",
    } <= kinds
    reasons = {h["reason"] for r in records if r["record"] == "mark" for h in r["history"]}
    assert "Ошибка при вводе" in reasons  # a corrected mark keeps its history
    lessons = [r for r in records if r["record"] == "lesson"]
    assert {lesson["topic"] for lesson in lessons} >= {"Дроби", "Суффиксы"}
    assert all(lesson["homework"] for lesson in lessons)
    [described] = read_jsonl(package, "manifest.json")
    assert described["class_journal"] == entry


async def test_each_pdf_is_the_class_journal_in_russian_signed_by_the_school(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    storage_dir: Path,
    keys_dir: Path,
) -> None:
    year_id, _ = closed
    await seal_year(archive, export, world.school_id, year_id)

    folder = folder_of(storage_dir, world.school_id, year_id)
    pdf = (folder / f"classes/{world.class_id}/journal.pdf").read_bytes()
    text = pdf_text(pdf)
    for expected in (
        "КЛАССНЫЙ ЖУРНАЛ",
        "5А класс",
        "2026/27 учебный год",
        "Математика: отметки и посещаемость",
        "Математика: темы уроков и домашние задания",
        "Русский язык: отметки и посещаемость",
        "Сложение дробей",  # a topic
        "Смирнов",
        "Андреев",
        "Учёт посещаемости",
        "Итоговые отметки",
        "2 четверть",
    ):
        assert expected in text, expected
    assert b"/FontFile2" in pdf  # the font is embedded
    check = await check_pdf_signature(pdf, school_keys(keys_dir, world.school_id).certificate_pem())
    assert check.valid, check.problem
    other_school = school_keys(keys_dir, uuid.uuid4())
    assert not (await check_pdf_signature(pdf, other_school.certificate_pem())).valid


async def test_the_seal_is_published_once_through_the_outbox(
    world: World, closed: Closed, archive: Archive, export: HttpJournalExport, db: Database
) -> None:
    year_id, _ = closed

    await seal_year(archive, export, world.school_id, year_id)
    again = await seal_year(archive, export, world.school_id, year_id)

    assert again == "already-sealed"
    [envelope] = [
        e
        for e in await journal_outbox(db, "archive.year.sealed.v1")
        if e["data"]["year_id"] == str(year_id)
    ]
    event = CloudEvent.model_validate(envelope)
    assert event.schoolid == str(world.school_id)
    assert event.data["class_journals"] == 2
    # Listed in the manifest: 2 packages, 2 PDFs, the summary and the certificate.
    assert event.data["files"] == 6
