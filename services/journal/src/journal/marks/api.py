"""Routes of marks."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from journal import idempotency
from journal.corrections import based_on
from journal.marks import service
from journal.marks.schemas import (
    MarkChangedOut,
    MarkCorrection,
    MarkCreate,
    MarkHistory,
    MarkOut,
    MarkRemoval,
    MarkRemovedOut,
    SchoolMarkChanges,
)
from shared.db import Database
from shared.errors import Problem
from shared.inputs import Day, PageOffset
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["marks"])

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=idempotency.MAX_KEY_LENGTH),
]


@router.post(
    "/lessons/{lesson_id}/marks",
    status_code=status.HTTP_201_CREATED,
    response_model=MarkOut,
    responses={
        201: {"description": "The mark (also the replayed answer to a repeated key)"},
        **problems(409),
    },
)
async def post_mark(
    lesson_id: uuid.UUID,
    data: MarkCreate,
    request: Request,
    user: CurrentUser,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Give a student a mark (1–5) on one's own lesson.

    With an `Idempotency-Key`, a repeated request gets the first answer and posts nothing;
    the same key with a different request is refused (422).
    """
    db: Database = request.app.state.db
    if idempotency_key is None:
        # The hot path: two prebuilt statements on a raw pooled connection, no session
        # (the write is one statement, atomic by itself).
        async with db.pooled() as connection:
            on = await service.marking(connection, user, lesson_id, data)
            body = await service.post_mark(connection, user, on, data.value)
        return Response(body, status_code=status.HTTP_201_CREATED, media_type="application/json")
    async with db.transaction() as session:
        on = await service.marking(session, user, lesson_id, data)
        stored = await idempotency.begin(
            session,
            account_id=user.account_id,
            school_id=user.school_id,
            key=idempotency_key,
            request_fingerprint=idempotency.fingerprint(
                f"POST /lessons/{lesson_id}/marks", data.model_dump(mode="json")
            ),
        )
        if stored is not None:
            return idempotency.replayed(stored)
        body = await service.post_mark(session, user, on, data.value)
        await idempotency.complete(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            status_code=status.HTTP_201_CREATED,
            body=orjson.loads(body),
        )
    # Serialised once by the service; `response_model` documents the shape.
    return Response(body, status_code=status.HTTP_201_CREATED, media_type="application/json")


IfMatchHeader = Annotated[str | None, Header(alias="If-Match", max_length=40)]


async def idempotent(
    session: AsyncSession,
    user: User,
    key: str | None,
    route: str,
    payload: dict[str, Any],
    write: Callable[[], Awaitable[bytes]],
) -> Response:
    """Run a correction once per `Idempotency-Key`: a repeat replays the first answer (200)."""
    if key is not None:
        stored = await idempotency.begin(
            session,
            account_id=user.account_id,
            school_id=user.school_id,
            key=key,
            request_fingerprint=idempotency.fingerprint(route, payload),
        )
        if stored is not None:
            return idempotency.replayed(stored)
    body = await write()
    if key is not None:
        await idempotency.complete(
            session, account_id=user.account_id, key=key, status_code=200, body=orjson.loads(body)
        )
    return Response(body, media_type="application/json")


CORRECTION_ANSWERS = problems(404, 409, 428)


@router.patch("/marks/{mark_id}", response_model=MarkChangedOut, responses=CORRECTION_ANSWERS)
async def change_mark(
    mark_id: uuid.UUID,
    data: MarkCorrection,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Change a mark's value or work type, with a reason, based on its current version
    (`If-Match` or `version`; a stale one answers 409 with the current mark). The
    lesson's teacher until the lesson locks, the deputy at any time."""
    version = based_on(if_match, data.version)
    mark = await service.correcting(session, user, mark_id, data.work_type)
    return await idempotent(
        session,
        user,
        idempotency_key,
        f"PATCH /marks/{mark_id}",
        {**data.model_dump(mode="json"), "version": version},
        lambda: service.change_mark(session, user, mark, data, version),
    )


@router.delete("/marks/{mark_id}", response_model=MarkRemovedOut, responses=CORRECTION_ANSWERS)
async def remove_mark(
    mark_id: uuid.UUID,
    data: MarkRemoval,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Remove a mark, with a reason (a JSON body), based on its current version; the
    same rules as a change."""
    version = based_on(if_match, data.version)
    mark = await service.correcting(session, user, mark_id, None)
    return await idempotent(
        session,
        user,
        idempotency_key,
        f"DELETE /marks/{mark_id}",
        {**data.model_dump(mode="json"), "version": version},
        lambda: service.remove_mark(session, user, mark, data.reason, version),
    )


@router.get("/marks/{mark_id}/history", response_model=MarkHistory, responses=problems(404))
async def mark_history(mark_id: uuid.UUID, session: Session, user: CurrentUser) -> MarkHistory:
    """Every version of a mark with who, when, old and new value and why (deputy, director)."""
    return await service.mark_history(session, user, mark_id)


@router.get("/mark-changes", response_model=SchoolMarkChanges)
async def school_mark_changes(
    session: Session,
    user: CurrentUser,
    date_from: Annotated[Day, Query(alias="from")],
    date_to: Annotated[Day, Query(alias="to")],
    teacher_id: uuid.UUID | None = None,
    class_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: PageOffset = 0,
) -> SchoolMarkChanges:
    """The school's changes and removals of marks made from `from` to `to` (days in UTC,
    both included), newest first, optionally of one teacher or one class (deputy, director)."""
    if date_to < date_from:
        raise Problem(422, "invalid-date-range", "Invalid date range", "`to` is before `from`.")
    return await service.school_mark_changes(
        session,
        user,
        since=datetime.combine(date_from, time(), UTC),
        until=datetime.combine(date_to + timedelta(days=1), time(), UTC),
        teacher_id=teacher_id,
        class_id=class_id,
        limit=limit,
        offset=offset,
    )
