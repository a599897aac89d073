"""The running app: its lifespan subscribes archive's consumer to the bus."""

import asyncio
import uuid

import httpx

from archive.main import create_app
from archive.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.contracts.journal import ClassOpened, StudentEnrolled
from shared.db import Database
from shared.testing import TokenFactory


async def test_journal_events_published_on_the_bus_are_kept(
    service_db: Database, tokens: TokenFactory
) -> None:
    school, klass = uuid.uuid4(), uuid.uuid4()
    broker = InProcessBroker()
    bus = InProcessBus(broker)
    app = create_app(Settings(database_url=service_db.url), bus=bus, keys=tokens.keys())
    token = tokens.token(school_id=school, roles=["director"])
    body: dict[str, object] = {}
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/api/archive/ready")).status_code == 200
                await bus.publish(
                    ClassOpened(
                        school_id=school, class_id=klass, name="9Б", grade=9
                    ).to_cloudevent()
                )
                await bus.publish(
                    StudentEnrolled(
                        school_id=school, student_id=uuid.uuid4(), class_id=klass
                    ).to_cloudevent()
                )
                for _ in range(500):  # events travel asynchronously; wait, without timing
                    body = (
                        await client.get(
                            "/api/archive/received-events/summary",
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    ).json()
                    if body["total"] == 2:
                        break
                    await asyncio.sleep(0.01)
    finally:
        await broker.close()

    assert body["counts"] == {"journal.class.opened.v1": 1, "journal.student.enrolled.v1": 1}
