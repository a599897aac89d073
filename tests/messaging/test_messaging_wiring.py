"""The running app: its lifespan subscribes messaging's consumer to the bus."""

import asyncio
import uuid
from datetime import date

import httpx

from messaging.main import create_app
from messaging.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.contracts.journal import GuardianLinked, MarkPosted
from shared.db import Database
from shared.testing import TokenFactory


async def test_a_mark_published_on_the_bus_reaches_the_parents_notifications(
    service_db: Database, tokens: TokenFactory
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    broker = InProcessBroker()
    bus = InProcessBus(broker)
    app = create_app(Settings(database_url=service_db.url), bus=bus, keys=tokens.keys())
    token = tokens.token(school_id=school, roles=["parent"], person_id=parent, children=[student])
    mark = MarkPosted(
        school_id=school,
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        lesson_date=date(2026, 11, 28),
        student_id=student,
        class_id=uuid.uuid4(),
        subject_id=uuid.uuid4(),
        subject_name="Математика",
        teacher_id=uuid.uuid4(),
        value=5,
        work_type="answer",
        weight=1,
    )
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/api/messaging/ready")).status_code == 200
                link = GuardianLinked(school_id=school, guardian_id=parent, student_id=student)
                await bus.publish(link.to_cloudevent())
                await broker.drained()
                await bus.publish(mark.to_cloudevent())

                body: dict[str, object] = {}
                for _ in range(500):  # events travel asynchronously; wait, without timing
                    response = await client.get(
                        "/api/messaging/notifications",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    body = response.json()
                    if body["total"]:
                        break
                    await asyncio.sleep(0.01)
    finally:
        await broker.close()

    assert body["total"] == 1
    assert body["items"][0]["payload"]["mark_id"] == str(mark.mark_id)
