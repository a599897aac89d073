"""Routes of homework: a lesson's text and due date (the single-lesson endpoints, for
mobile clients), and its files."""

import hashlib
import uuid
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.types import Message

from journal import idempotency
from journal.corrections import based_on
from journal.homework import service
from journal.homework.schemas import HomeworkClear, HomeworkOut, HomeworkSet
from journal.lessons.editing import editing
from journal.marks.api import CORRECTION_ANSWERS, IdempotencyKeyHeader, IfMatchHeader, idempotent
from journal.settings import Settings
from shared.errors import Problem
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["homework"])

HOMEWORK = "/lessons/{lesson_id}/homework"


@router.put(HOMEWORK, response_model=HomeworkOut, responses=CORRECTION_ANSWERS)
async def set_homework(
    lesson_id: uuid.UUID,
    data: HomeworkSet,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Set or change a lesson's homework: its text and due date (by default the date of
    the assignment's next lesson), based on the lesson's version (a stale one answers 409
    with the lesson as it is). The lesson's teacher until it locks, the deputy at any time."""
    version = based_on(if_match, data.version)
    lesson = await editing(session, user, lesson_id)

    async def write() -> bytes:
        _, body = await service.set_homework(session, user, lesson, data.text, data.due_on, version)
        return body

    return await idempotent(
        session,
        user,
        idempotency_key,
        f"PUT /lessons/{lesson_id}/homework",
        {**data.model_dump(mode="json"), "version": version},
        write,
    )


@router.delete(HOMEWORK, response_model=HomeworkOut, responses=CORRECTION_ANSWERS)
async def clear_homework(
    lesson_id: uuid.UUID,
    data: HomeworkClear,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Clear a lesson's homework (its text, due date and files), based on its version."""
    version = based_on(if_match, data.version)
    lesson = await editing(session, user, lesson_id)

    async def write() -> bytes:
        _, body = await service.clear_homework(session, user, lesson, version)
        return body

    return await idempotent(
        session,
        user,
        idempotency_key,
        f"DELETE /lessons/{lesson_id}/homework",
        {"version": version},
        write,
    )


_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


async def _uploaded_file(request: Request, max_bytes: int) -> tuple[str, bytes]:
    """The `file` part of a multipart body, read to at most `max_bytes` (413 beyond,
    whatever Content-Length claims)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the file as multipart/form-data, in a part named `file`.",
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes + 64 * 1024:  # the multipart framing around the file
            raise service.file_too_large(max_bytes)
        chunks.append(chunk)
    body = b"".join(chunks)

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, receive).form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(
                422, "missing-file", "Missing file", "The form needs a part named `file`."
            )
        return upload.filename or "", await upload.read()
    finally:
        await form.close()


@router.post(
    f"{HOMEWORK}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=HomeworkOut,
    openapi_extra=_UPLOAD_BODY,
    responses=problems(404, 413, 415),
)
async def add_attachment(
    lesson_id: uuid.UUID,
    request: Request,
    session: Session,
    user: CurrentUser,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Attach a file to a lesson's homework (multipart, a part named `file`): PDF, PNG,
    JPEG, plain text, DOCX, XLSX, PPTX or ODT, judged by the content and not the name,
    up to the size and count limits (settings: 10 MB and 5 files by default). It bumps
    the lesson's version; the answer is the homework with its files. With an
    `Idempotency-Key` a repeated upload (the same name and bytes) gets the first answer
    and attaches nothing."""
    settings: Settings = request.app.state.settings
    await editing(session, user, lesson_id)  # 401/403/404 before reading a large body
    file_name, content = await _uploaded_file(request, settings.homework_max_file_bytes)
    if idempotency_key is not None:
        stored = await idempotency.begin(
            session,
            account_id=user.account_id,
            school_id=user.school_id,
            key=idempotency_key,
            request_fingerprint=idempotency.fingerprint(
                f"POST /lessons/{lesson_id}/homework/attachments",
                {"file_name": file_name, "sha256": hashlib.sha256(content).hexdigest()},
            ),
        )
        if stored is not None:
            return idempotency.replayed(stored)
    body = await service.add_file(
        session,
        user,
        lesson_id,
        file_name,
        content,
        max_bytes=settings.homework_max_file_bytes,
        max_files=settings.homework_max_files,
    )
    if idempotency_key is not None:
        await idempotency.complete(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            status_code=status.HTTP_201_CREATED,
            body=orjson.loads(body),
        )
    return Response(body, status_code=status.HTTP_201_CREATED, media_type="application/json")


@router.get(
    "/homework/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"description": "The file, with its stored type", "content": {"*/*": {}}},
        **problems(404),
    },
)
async def download_attachment(
    attachment_id: uuid.UUID, session: Session, user: CurrentUser
) -> Response:
    """Download a homework file: the lesson's teacher, the class teacher, the deputy and
    the director, and the class's students and their parents; 404 for anyone else."""
    service.require_readable(user)
    found = await service.download(session, user, attachment_id)
    ascii_name = found.file_name.encode("ascii", "replace").decode().replace('"', "_")
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''"
                f"{quote(found.file_name, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/homework/attachments/{attachment_id}",
    response_model=HomeworkOut,
    responses=problems(404),
)
async def remove_attachment(
    attachment_id: uuid.UUID, session: Session, user: CurrentUser
) -> Response:
    """Remove a file from a lesson's homework (its teacher until it locks, the deputy at
    any time); it bumps the lesson's version."""
    body = await service.remove_file(session, user, attachment_id)
    return Response(body, media_type="application/json")
