"""The integrity check of a sealed year, on a copy of its folder with only the school's
public key: intact as sealed; a changed, missing or added file, an edited manifest, a
foreign key or certificate, or a PDF whose signature no longer holds is found and
named. `python -m archive verify` runs it offline (no database, no service)."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from archive_samples import folder_of
from journal_world import World

from archive.integrity import check_year_folder
from archive.keys import school_keys
from archive.manifest import canonical_json


@pytest.fixture
def copy(world: World, sealed: uuid.UUID, storage_dir: Path, tmp_path: Path) -> Path:
    """The sealed year's folder copied elsewhere, as it would be handed to a checker."""
    target = tmp_path / "copied-archive"
    shutil.copytree(folder_of(storage_dir, world.school_id, sealed), target)
    return target


@pytest.fixture
def public_key(world: World, keys_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "school-public-key.pem"
    path.write_bytes(school_keys(keys_dir, world.school_id).public_key_pem())
    return path


async def findings(copy: Path, public_key: Path) -> dict[str, str]:
    report = await check_year_folder(copy, public_key.read_bytes())
    return {f.path: f.problem for f in report.findings}


async def test_a_sealed_year_is_intact(world: World, copy: Path, public_key: Path) -> None:
    report = await check_year_folder(copy, public_key.read_bytes())

    assert report.intact, report.findings
    assert (report.files_checked, report.signatures_checked) == (6, 2)


async def test_a_changed_pdf_is_named(world: World, copy: Path, public_key: Path) -> None:
    pdf = copy / f"classes/{world.class_id}/journal.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"/Producer", b"/Producex", 1))

    assert await findings(copy, public_key) == {
        f"classes/{world.class_id}/journal.pdf": (
            "SHA-256 differs from the manifest: the file was changed"
        )
    }


async def test_a_missing_package_and_an_added_file_are_named(
    world: World, copy: Path, public_key: Path
) -> None:
    (copy / f"classes/{world.class_id}/journal.jsonl.zip").unlink()
    (copy / "classes/extra.txt").write_text("подложенный файл")

    assert await findings(copy, public_key) == {
        f"classes/{world.class_id}/journal.jsonl.zip": "missing",
        "classes/extra.txt": "not in the manifest",
    }


async def test_a_file_changed_with_its_hash_in_the_manifest_breaks_the_signature(
    world: World, copy: Path, public_key: Path
) -> None:
    package = copy / f"classes/{world.class_id}/journal.jsonl.zip"
    package.write_bytes(b"another package")
    manifest = json.loads((copy / "manifest.json").read_bytes())
    for entry in manifest["files"]:
        if entry["path"].endswith(f"{world.class_id}/journal.jsonl.zip"):
            entry["sha256"] = hashlib.sha256(b"another package").hexdigest()
            entry["size"] = len(b"another package")
    (copy / "manifest.json").write_bytes(canonical_json(manifest))

    found = await findings(copy, public_key)

    assert found == {
        "manifest.json": "the signature does not hold: changed, or signed with another key"
    }


async def test_another_schools_key_does_not_vouch_for_the_archive(
    world: World, copy: Path, keys_dir: Path, tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign.pem"
    foreign.write_bytes(school_keys(keys_dir, uuid.uuid4()).public_key_pem())

    assert "manifest.json" in await findings(copy, foreign)


async def test_a_pdf_signed_by_another_certificate_is_named(
    world: World, copy: Path, public_key: Path, keys_dir: Path
) -> None:
    other = school_keys(keys_dir, uuid.uuid4())
    (copy / "school-certificate.pem").write_bytes(other.certificate_pem())

    report = await check_year_folder(copy, public_key.read_bytes())

    assert [(f.path, f.problem) for f in report.findings] == [
        ("school-certificate.pem", "SHA-256 differs from the manifest: the file was changed"),
        ("school-certificate.pem", "missing, or not the certificate the manifest names"),
    ]
    assert report.signatures_checked == 0  # no PDF is taken as signed by an unknown certificate


def verify(copy: Path, public_key: Path) -> subprocess.CompletedProcess[str]:
    # No database, no storage, no service: an unreachable database URL proves it.
    env = {**os.environ, "ARCHIVE_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/x"}
    return subprocess.run(
        [sys.executable, "-m", "archive", "verify", str(copy), "--public-key", str(public_key)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_offline_command_says_intact_or_names_what_is_wrong(
    world: World, copy: Path, public_key: Path
) -> None:
    intact = verify(copy, public_key)
    assert intact.returncode == 0, intact.stderr
    assert "Архив цел." in intact.stderr
    assert "Проверено файлов: 6, подписей PDF: 2" in intact.stderr

    (copy / "summary.jsonl.zip").unlink()
    damaged = verify(copy, public_key)
    assert damaged.returncode == 1
    assert "summary.jsonl.zip: missing" in damaged.stderr
    assert "Архив повреждён." in damaged.stderr
