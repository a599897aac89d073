"""Routes of marks."""

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, status
from fastapi.responses import JSONResponse, Response

from journal import idempotency
from journal.marks import service
from journal.marks.schemas import MarkCreate, MarkOut
from shared.openapi import problems
from shared.security import CurrentUser
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
    session: Session,
    user: CurrentUser,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Give a student a mark (1–5) on one's own lesson.

    With an `Idempotency-Key`, a repeated request gets the first answer and posts nothing;
    the same key with a different request is refused (422).
    """
    on = await service.marking(session, user, lesson_id, data)
    if idempotency_key is not None:
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
            return JSONResponse(
                stored.body,
                status_code=stored.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
    body = await service.post_mark(session, user, on, data.value)
    if idempotency_key is not None:
        await idempotency.complete(
            session,
            account_id=user.account_id,
            key=idempotency_key,
            status_code=status.HTTP_201_CREATED,
            body=orjson.loads(body),
        )
    # Serialised once by the service; `response_model` documents the shape.
    return Response(body, status_code=status.HTTP_201_CREATED, media_type="application/json")
