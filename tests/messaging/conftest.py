"""Messaging fixtures: a migrated database rolled back per test, an app, tokens, events."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import httpx
import pytest

from messaging.consumers import subscriptions
from messaging.main import create_app
from messaging.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.contracts.journal import GuardianLinked, MarkPosted
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory, rolled_back

MigratedDatabase = Callable[[str], Awaitable[Database]]


@pytest.fixture(scope="session")
async def messaging_db(migrated_database: MigratedDatabase) -> Database:
    return await migrated_database("messaging")


@pytest.fixture
async def db(messaging_db: Database) -> AsyncIterator[Database]:
    async with rolled_back(messaging_db) as test_db:
        yield test_db


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
async def client(db: Database, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    bus = InProcessBus(InProcessBroker())
    app = create_app(Settings(database_url=db.url), bus=bus, keys=tokens.keys())
    app.state.db = db  # no lifespan in service tests
    app.state.bus = bus
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


Deliver = Callable[[Event], Awaitable[CloudEvent]]


@pytest.fixture
def deliver(db: Database) -> Deliver:
    """Hand an event to messaging's consumer as the bus would; returns the envelope."""
    [subscription] = subscriptions(db)

    async def send(event: Event) -> CloudEvent:
        envelope = CloudEvent.model_validate_json(event.to_cloudevent().to_json())
        await subscription.handler(envelope)
        return envelope

    return send


def mark_posted(
    school_id: uuid.UUID | None,
    student_id: uuid.UUID,
    *,
    value: int = 5,
    work_type: str = "answer",
    weight: int = 1,
    subject_name: str = "Математика",
    lesson_date: date = date(2026, 11, 28),
) -> MarkPosted:
    return MarkPosted(
        school_id=school_id,
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        lesson_date=lesson_date,
        student_id=student_id,
        class_id=uuid.uuid4(),
        subject_id=uuid.uuid4(),
        subject_name=subject_name,
        teacher_id=uuid.uuid4(),
        value=value,
        work_type=work_type,
        weight=weight,
    )


def guardian_linked(
    school_id: uuid.UUID, guardian_id: uuid.UUID, student_id: uuid.UUID
) -> GuardianLinked:
    return GuardianLinked(school_id=school_id, guardian_id=guardian_id, student_id=student_id)


@pytest.fixture
def make_mark() -> Callable[..., MarkPosted]:
    """Build a MarkPosted for a student (defaults: a 5 for an answer in Mathematics)."""
    return mark_posted


@pytest.fixture
def make_link() -> Callable[[uuid.UUID, uuid.UUID, uuid.UUID], GuardianLinked]:
    """Build a GuardianLinked(school, guardian, student)."""
    return guardian_linked
