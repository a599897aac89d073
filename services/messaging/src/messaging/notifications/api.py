"""Messaging HTTP API: notifications (feed, live stream), preferences, email settings,
progress letters."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from messaging.mail.mailbox import streamed_mailboxes
from messaging.notifications import feed, letters, preferences
from messaging.notifications.fanout import wake_streams
from messaging.notifications.schemas import (
    EmailSettingsIn,
    EmailSettingsOut,
    LetterOut,
    LetterPage,
    LettersIn,
    LettersSent,
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    PreferencesOut,
    ReadAll,
    ScheduleIn,
    ScheduleOut,
    SentLetters,
    SentLettersPage,
    UnreadCount,
)
from messaging.notifications.stream import NotificationHub, events
from shared.errors import Problem
from shared.inputs import PageOffset
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter()

MAX_PAGE = 100


@router.get("/notifications", tags=["notifications"])
async def list_notifications(
    session: Session,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[PageOffset, Query()] = 0,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
) -> NotificationPage:
    """The caller's live notifications, newest first, with the unread count (a
    notification superseded by a newer one of the same mark or lesson is not listed)."""
    items, total, unread_count = await feed.list_notifications(
        session, user, limit=limit, offset=offset, unread_only=unread
    )
    return NotificationPage(
        items=[NotificationOut.model_validate(n) for n in items],
        total=total,
        unread=unread_count,
        limit=limit,
        offset=offset,
    )


@router.get("/notifications/unread", tags=["notifications"])
async def unread_notifications(session: Session, user: CurrentUser) -> UnreadCount:
    """How many of the caller's live notifications are unread."""
    return UnreadCount(
        unread=await feed.unread_for(session, feed.recipient_of(user), user.school_id)
    )


@router.post(
    "/notifications/{notification_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["notifications"],
    responses=problems(404),
)
async def read_notification(
    notification_id: uuid.UUID, session: Session, user: CurrentUser
) -> None:
    """Mark one of the caller's notifications read (repeating it changes nothing)."""
    await feed.mark_read(session, user, notification_id)
    await wake_streams(session, [feed.recipient_of(user)])


@router.post("/notifications/read", tags=["notifications"])
async def read_all_notifications(session: Session, user: CurrentUser) -> ReadAll:
    """Mark all the caller's notifications read."""
    marked = await feed.mark_all_read(session, user)
    await wake_streams(session, [feed.recipient_of(user)])
    return ReadAll(marked=marked)


class BadLastEventId(Problem):
    def __init__(self) -> None:
        super().__init__(
            422,
            "bad-last-event-id",
            "Bad Last-Event-ID",
            "Last-Event-ID is the id of an event this stream sent: a whole number.",
        )


@router.get(
    "/notifications/stream",
    tags=["notifications"],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"},
        **problems(422),
    },
)
async def stream_notifications(
    request: Request,
    user: CurrentUser,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> StreamingResponse:
    """The caller's new notifications as server-sent events (`notification`, with the
    stream position as id, and `unread`), and the unread mail (`mail`: `inbox`, and `help`
    for a sysadmin) at the start and whenever it changes; with `Last-Event-ID` it first
    sends what came after that position."""
    resume = (last_event_id or "").strip()
    if resume:
        if not resume.isdigit():
            raise BadLastEventId()
        after = int(resume)
    else:
        # A first connection starts from now: the feed holds what came before.
        async with request.app.state.db.transaction() as session:
            after = await feed.last_position(session, feed.recipient_of(user))
    hub: NotificationHub = request.app.state.notification_hub
    settings = request.app.state.settings
    return StreamingResponse(
        events(
            hub,
            feed.recipient_of(user),
            user.school_id,
            after,
            heartbeat=settings.stream_heartbeat,
            max_seconds=settings.stream_max_seconds,
            mailboxes=streamed_mailboxes(user),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/preferences", tags=["preferences"])
async def get_preferences(session: Session, user: CurrentUser) -> PreferencesOut:
    """The caller's notification preferences (defaults until set)."""
    return await preferences.get_preferences(session, user)


@router.put("/preferences", tags=["preferences"])
async def put_preferences(
    wanted: PreferencesIn, session: Session, user: CurrentUser
) -> PreferencesOut:
    """Replace the caller's notification preferences."""
    return await preferences.put_preferences(session, user, wanted)


def _email_out(request: Request, found: object) -> EmailSettingsOut:
    return EmailSettingsOut(
        enabled=found.enabled,  # type: ignore[attr-defined]
        sender=found.sender,  # type: ignore[attr-defined]
        smtp_configured=bool(request.app.state.settings.smtp_host),
    )


@router.get("/email-settings", tags=["email"], responses=problems(404))
async def get_email_settings(
    request: Request, session: Session, user: CurrentUser
) -> EmailSettingsOut:
    """The school's email settings (sysadmin, director); 404 until set."""
    return _email_out(request, await preferences.get_email_settings(session, user))


@router.put("/email-settings", tags=["email"])
async def put_email_settings(
    request: Request, wanted: EmailSettingsIn, session: Session, user: CurrentUser
) -> EmailSettingsOut:
    """Turn the school's notification emails on or off, and set their sender address."""
    return _email_out(request, await preferences.put_email_settings(session, user, wanted))


@router.post(
    "/progress-letters",
    status_code=status.HTTP_201_CREATED,
    tags=["progress letters"],
    responses=problems(404, 409),
)
async def send_progress_letters(
    wanted: LettersIn, session: Session, user: CurrentUser
) -> LettersSent:
    """The class teacher sends each student's parents a letter on the range (409 when
    this class's letters for this range were sent already)."""
    await letters.class_of_teacher(session, user, wanted.class_id)
    batch, count, deliveries = await letters.send_letters(
        session,
        school=user.school_id,
        class_id=wanted.class_id,
        author=user.account_id,
        period_from=wanted.date_from,
        period_to=wanted.date_to,
        comment=wanted.comment,
    )
    return LettersSent(batch_id=batch, letters=count, deliveries=deliveries)


LETTER_FIELDS = ("id", "student_id", "subject", "body", "summary", "created_at")


def _letter_out(letter: object, read_at: object) -> LetterOut:
    return LetterOut.model_validate(
        {**{name: getattr(letter, name) for name in LETTER_FIELDS}, "read_at": read_at}
    )


@router.get("/progress-letters", tags=["progress letters"])
async def list_progress_letters(
    session: Session,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[PageOffset, Query()] = 0,
) -> LetterPage:
    """A parent's progress letters, newest first."""
    user.require("parent")
    found, total = await letters.letters_of_parent(session, user, limit=limit, offset=offset)
    return LetterPage(
        items=[_letter_out(letter, read_at) for letter, read_at in found],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/progress-letters/sent", tags=["progress letters"], responses=problems(403, 404))
async def list_sent_progress_letters(
    session: Session,
    user: CurrentUser,
    class_id: Annotated[
        uuid.UUID | None, Query(description="one class's (its class teacher, the administration)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[PageOffset, Query()] = 0,
) -> SentLettersPage:
    """Progress letters sent, newest first: the class, the range, when, whether by the
    weekly schedule, how many letters, families and parents. A class teacher sees their
    own and their classes'; the director and deputies any class's of the school."""
    rows, total = await letters.sent_letters(session, user, class_id, limit=limit, offset=offset)
    return SentLettersPage(
        items=[SentLetters.model_validate(row, from_attributes=True) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/progress-letters/{letter_id}", tags=["progress letters"], responses=problems(404))
async def get_progress_letter(
    letter_id: uuid.UUID, session: Session, user: CurrentUser
) -> LetterOut:
    """One of the parent's letters (another family's: 404)."""
    user.require("parent")
    return _letter_out(*await letters.letter_of_parent(session, user, letter_id))


@router.post(
    "/progress-letters/{letter_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["progress letters"],
    responses=problems(404),
)
async def read_progress_letter(letter_id: uuid.UUID, session: Session, user: CurrentUser) -> None:
    user.require("parent")
    await letters.letter_of_parent(session, user, letter_id, read=True)


@router.get(
    "/progress-letters/schedules/{class_id}", tags=["progress letters"], responses=problems(404)
)
async def get_letter_schedule(
    class_id: uuid.UUID, session: Session, user: CurrentUser
) -> ScheduleOut:
    schedule = await letters.get_schedule(session, user, class_id)
    return ScheduleOut.model_validate(schedule, from_attributes=True)


@router.put(
    "/progress-letters/schedules/{class_id}", tags=["progress letters"], responses=problems(404)
)
async def put_letter_schedule(
    class_id: uuid.UUID, wanted: ScheduleIn, session: Session, user: CurrentUser
) -> ScheduleOut:
    """Send the class's letters weekly, for the seven days before the chosen day."""
    schedule = await letters.set_schedule(
        session, user, class_id, weekday=wanted.weekday, hour=wanted.hour, comment=wanted.comment
    )
    return ScheduleOut.model_validate(schedule, from_attributes=True)


@router.delete(
    "/progress-letters/schedules/{class_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    tags=["progress letters"],
    responses=problems(404),
)
async def delete_letter_schedule(class_id: uuid.UUID, session: Session, user: CurrentUser) -> None:
    await letters.drop_schedule(session, user, class_id)
