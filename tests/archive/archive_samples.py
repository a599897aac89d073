"""Helpers of the sealing tests: what the storage and the database hold for a year."""

import io
import uuid
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import text

from archive.sealing import year_folder
from shared.db import Database

JOURNAL_URL = "http://journal.test/api/journal"


class StaticToken:
    """The token auth would issue to the archive for `journal.export`."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def token(self) -> str:
        return self._token


async def rows(db: Database, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        result = await session.execute(text(sql), params)
        return [dict(row) for row in result.mappings()]


async def sealed_files(db: Database, year_id: uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        db,
        "SELECT kind, path, class_name, sha256, size FROM sealed_files WHERE year_id = :y "
        "ORDER BY path",
        y=year_id,
    )


async def journal_outbox(db: Database, routing_key: str) -> list[dict[str, Any]]:
    found = await rows(
        db, "SELECT envelope FROM outbox WHERE routing_key = :k ORDER BY created_at", k=routing_key
    )
    return [row["envelope"] for row in found]


def folder_of(storage_dir: Path, school_id: uuid.UUID, year_id: uuid.UUID) -> Path:
    return storage_dir / year_folder(school_id, year_id)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
