"""Mail's routes (`/api/messaging/mail/...`). Sending takes JSON, or multipart/form-data
with the message as JSON in a part named `message` and files in parts named `file`; the
message and its files are checked whole before anything is written."""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.types import Message

from messaging.mail import keeping, reading, sending
from messaging.mail.attachments import CheckedFile, Upload, checked
from messaging.mail.mailbox import Folder, MailboxChoice, open_mailbox
from messaging.mail.schemas import (
    Contacts,
    MessageOut,
    MessagePage,
    NewMessage,
    Receipts,
    ReplyMessage,
    SentMessage,
    ThreadOut,
    UnreadCounts,
)
from messaging.models import idempotency_keys
from messaging.settings import Settings
from shared.errors import Problem
from shared.idempotency import IdempotencyKeyHeader, Keys, fingerprint, replayed
from shared.inputs import PageOffset, Text
from shared.openapi import body_model_ref, problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(prefix="/mail", tags=["mail"])

MAX_PAGE = 100
Model = TypeVar("Model", bound=BaseModel)
MailboxParam = Annotated[
    MailboxChoice,
    Query(description="`help`: the school's shared help mailbox (sysadmins only)"),
]


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    ref = body_model_ref(model)
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ref},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["message"],
                        "properties": {
                            "message": {"type": "string", "description": "the JSON message"},
                            "file": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            },
        }
    }


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _bounded_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(
                413,
                "message-too-large",
                "Message too large",
                "Сообщение с вложениями слишком велико.",
                max_bytes=limit,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _parsed(model: type[Model], raw: str | bytes, loc: str) -> Model:
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": (loc, *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


async def _message_input(request: Request, model: type[Model]) -> tuple[Model, list[CheckedFile]]:
    """The message and its checked files, or a 4xx before anything is written."""
    settings: Settings = request.app.state.settings
    limit = settings.mail_max_attachments * settings.mail_max_attachment_bytes + 1024 * 1024
    media_type = _media_type(request)
    if media_type == "application/json":
        return _parsed(model, await _bounded_body(request, limit), "body"), []
    if media_type != "multipart/form-data":
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the message as application/json, or as multipart/form-data with a part "
            "`message` (JSON) and parts `file`.",
        )
    body = await _bounded_body(request, limit)

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, receive).form(
        max_files=4 * settings.mail_max_attachments + 4, max_fields=4
    )
    try:
        message = form.get("message")
        if not isinstance(message, str):
            raise Problem(
                422,
                "missing-message",
                "Missing message",
                "The form needs a part named `message` holding the message as JSON.",
            )
        data = _parsed(model, message, "message")
        uploads = [
            Upload(part.filename or "", await part.read())
            for part in form.getlist("file")
            if isinstance(part, UploadFile)
        ]
    finally:
        await form.close()
    files = checked(
        uploads,
        max_bytes=settings.mail_max_attachment_bytes,
        max_files=settings.mail_max_attachments,
    )
    return data, files


_SEND_PROBLEMS = problems(413, 415, 422)
KEYS = Keys(idempotency_keys)


def _fingerprint(route: str, data: BaseModel, files: list[CheckedFile]) -> str:
    """What a send asks for: the message and each file's name and content digest."""
    attached = [[f.file_name, hashlib.sha256(f.content).hexdigest()] for f in files]
    return fingerprint(route, {"message": data.model_dump(mode="json"), "files": attached})


async def _once(
    session: AsyncSession,
    user: User,
    key: str | None,
    request_fingerprint: str,
    send: Callable[[], Awaitable[SentMessage]],
) -> Response:
    """Send once per `Idempotency-Key`: a repeat replays the first answer (201) and sends
    nothing; without a key, simply send."""
    if key is not None:
        stored = await KEYS.begin(
            session,
            account_id=user.account_id,
            school_id=user.school_id,
            key=key,
            request_fingerprint=request_fingerprint,
        )
        if stored is not None:
            return replayed(stored)
    sent = (await send()).model_dump(mode="json")
    if key is not None:
        await KEYS.complete(
            session, account_id=user.account_id, key=key, status_code=201, body=sent
        )
    return JSONResponse(sent, status_code=status.HTTP_201_CREATED)


@router.post(
    "/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=SentMessage,
    openapi_extra=_body_schema(NewMessage),
    responses=_SEND_PROBLEMS,
)
async def send_message(
    request: Request,
    session: Session,
    user: CurrentUser,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Start a thread: a message to people, addressing groups (staff only: the parents,
    students or teachers of a class or of a whole parallel, all staff) and «Помощь», each
    checked against who may write to whom; groups are resolved now. Forbidden or unknown
    recipients, unknown or empty groups, bad files: a 4xx and nothing is sent. With an
    `Idempotency-Key`, a repeated request gets the first answer and sends nothing; the same
    key with a different message is refused (422)."""
    open_mailbox(user)  # 403 before reading a large body
    data, files = await _message_input(request, NewMessage)
    return await _once(
        session,
        user,
        idempotency_key,
        _fingerprint("POST /mail/messages", data, files),
        lambda: sending.send(session, user, data, files),
    )


@router.post(
    "/threads/{thread_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=SentMessage,
    openapi_extra=_body_schema(ReplyMessage),
    responses={**_SEND_PROBLEMS, **problems(404)},
)
async def reply_in_thread(
    thread_id: uuid.UUID,
    request: Request,
    session: Session,
    user: CurrentUser,
    mailbox: MailboxParam = "own",
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Answer in a thread: to the sender of the last message received in it (a student's
    and a parent's answer goes to them only); `all` (staff) also to everyone that message
    was addressed to. From `mailbox=help` a sysadmin answers as «Помощь». An
    `Idempotency-Key` works as in sending."""
    open_mailbox(user, mailbox)
    data, files = await _message_input(request, ReplyMessage)
    return await _once(
        session,
        user,
        idempotency_key,
        _fingerprint(f"POST /mail/threads/{thread_id}/messages?mailbox={mailbox}", data, files),
        lambda: sending.reply(session, user, thread_id, data, files, mailbox),
    )


@router.get("/messages", response_model=MessagePage)
async def list_messages(
    session: Session,
    user: CurrentUser,
    folder: Folder = "inbox",
    q: Annotated[Text | None, Query(max_length=200, description="full-text search")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[PageOffset, Query()] = 0,
    mailbox: MailboxParam = "own",
) -> MessagePage:
    """A folder of one's mailbox (inbox, sent, archive, all), newest first; `q` searches
    subjects and bodies of one's own mail (Russian full text)."""
    return await reading.list_messages(
        session, user, folder=folder, query=q, limit=limit, offset=offset, which=mailbox
    )


@router.get("/unread", response_model=UnreadCounts)
async def unread(session: Session, user: CurrentUser) -> UnreadCounts:
    """Unread messages in one's inbox (and, for a sysadmin, in «Помощь»)."""
    return await reading.unread_counts(session, user)


@router.get("/contacts", response_model=Contacts)
async def contacts(session: Session, user: CurrentUser) -> Contacts:
    """Whom one may write to: staff by name (for a family, their children's teachers, class
    teachers and the administration) and, for staff, the addressing groups."""
    return await reading.contacts(session, user)


@router.get("/messages/{message_id}", response_model=MessageOut, responses=problems(404))
async def get_message(
    message_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> MessageOut:
    """A message of one's mailbox (404 for anyone whose mailbox does not hold it)."""
    return await reading.get_message(session, user, message_id, mailbox)


@router.get("/threads/{thread_id}", response_model=ThreadOut, responses=problems(404))
async def get_thread(
    thread_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> ThreadOut:
    """The thread's messages one's mailbox holds, oldest first."""
    return await reading.get_thread(session, user, thread_id, mailbox)


@router.post(
    "/messages/{message_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404),
)
async def read_message(
    message_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> None:
    """One has read the message (the first reading is kept; the sender sees it)."""
    await keeping.mark_read(session, user, message_id, mailbox)


@router.post(
    "/messages/{message_id}/archive",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404),
)
async def archive_message(
    message_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> None:
    """Move one's copy to the archive (nobody else's copy changes)."""
    await keeping.set_archived(session, user, message_id, True, mailbox)


@router.delete(
    "/messages/{message_id}/archive",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404),
)
async def unarchive_message(
    message_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> None:
    """Bring one's copy back from the archive."""
    await keeping.set_archived(session, user, message_id, False, mailbox)


@router.post(
    "/threads/{thread_id}/archive",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404),
)
async def archive_thread(
    thread_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> None:
    """Move one's copies of the thread's messages to the archive, all at once."""
    await keeping.set_thread_archived(session, user, thread_id, True, mailbox)


@router.delete(
    "/threads/{thread_id}/archive",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404),
)
async def unarchive_thread(
    thread_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> None:
    """Bring one's copies of the thread's messages back from the archive, all at once
    (a reply that came meanwhile is in the inbox already)."""
    await keeping.set_thread_archived(session, user, thread_id, False, mailbox)


@router.delete(
    "/messages/{message_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404),
)
async def delete_message(
    message_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> None:
    """Delete one's copy; the others keep theirs."""
    await keeping.delete(session, user, message_id, mailbox)


@router.get("/messages/{message_id}/receipts", response_model=Receipts, responses=problems(404))
async def message_receipts(
    message_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[PageOffset, Query()] = 0,
    mailbox: MailboxParam = "own",
) -> Receipts:
    """Read receipts of a message one sent: how many read it, and who when."""
    return await reading.receipts(
        session, user, message_id, limit=limit, offset=offset, which=mailbox
    )


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"description": "The file, with its checked type", "content": {"*/*": {}}},
        **problems(404),
    },
)
async def download_attachment(
    attachment_id: uuid.UUID, session: Session, user: CurrentUser, mailbox: MailboxParam = "own"
) -> Response:
    """A file of a message one's mailbox holds."""
    found = await reading.download(session, user, attachment_id, mailbox)
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
