"""The running app: its lifespan creates a signing key, consumes journal's roster events and
relays auth's own events to the bus."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence

import httpx
from auth_testkit import PASSWORD, count

from auth import service
from auth.main import create_app
from auth.settings import Settings
from shared.bus import Subscription
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.contracts.journal import GuardianLinked, StudentEnrolled
from shared.db import Database
from shared.events import CloudEvent

MigratedDatabase = Callable[[str], Awaitable[Database]]


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(500):  # events travel asynchronously; wait, without timing
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_the_running_app_signs_consumes_and_publishes(
    migrated_database: MigratedDatabase,
) -> None:
    db = await migrated_database("auth")
    broker = InProcessBroker()
    observed: list[str] = []

    async def observe(events: Sequence[CloudEvent]) -> None:
        observed.extend(event.type for event in events)

    await InProcessBus(broker).start([Subscription("observer", ("auth.#",), observe)])
    bus = InProcessBus(broker)
    app = create_app(Settings(database_url=db.url, relay_poll_interval=0.05), bus=bus)
    school_id, student_id, guardian_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with app.router.lifespan_context(app):
            assert await count(db, "SELECT count(*) FROM signing_keys") == 1

            await bus.publish(
                StudentEnrolled(
                    school_id=school_id,
                    student_id=student_id,
                    class_id=uuid.uuid4(),
                ).to_cloudevent()
            )
            await bus.publish(
                GuardianLinked(
                    school_id=school_id,
                    guardian_id=guardian_id,
                    student_id=student_id,
                ).to_cloudevent()
            )
            await until(lambda: _guardianship_known(db, guardian_id))

            async with db.transaction() as session:
                await service.provision_school(
                    session,
                    name="Школа",
                    timezone="Asia/Yekaterinburg",
                    admin_login=f"admin-{uuid.uuid4().hex[:6]}",
                    admin_password=PASSWORD,
                    admin_last_name="Никитин",
                    admin_first_name="Олег",
                    passwords=app.state.passwords,
                )
            await until(lambda: _published(db, 2))
            await broker.drained()

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/api/auth/ready")).status_code == 200
                jwks = (await client.get("/api/auth/.well-known/jwks.json")).json()
                assert len(jwks["keys"]) == 1
    finally:
        await broker.close()

    assert sorted(observed) == ["auth.school.registered.v1", "auth.staff.created.v1"]


async def _guardianship_known(db: Database, guardian_id: uuid.UUID) -> bool:
    return (
        await count(db, "SELECT count(*) FROM guardianships WHERE guardian_id = :g", g=guardian_id)
        == 1
    )


async def _published(db: Database, expected: int) -> bool:
    return await count(db, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") == expected
