"""The running app: its lifespan subscribes reporting's consumer to the bus."""

import asyncio
import uuid

import httpx
from reporting_school import School

from reporting.main import create_app
from reporting.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database
from shared.testing import TokenFactory


async def test_events_published_on_the_bus_reach_the_average(
    service_db: Database, tokens: TokenFactory, school: School
) -> None:
    klass, subject = uuid.uuid4(), uuid.uuid4()
    broker = InProcessBroker()
    bus = InProcessBus(broker)
    app = create_app(Settings(database_url=service_db.url), bus=bus, keys=tokens.keys())
    url = f"/api/reporting/class-subject-average?class_id={klass}&subject_id={subject}"
    body: dict[str, object] = {}
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/api/reporting/ready")).status_code == 200
                for event in (
                    school.class_opened(class_id=klass),
                    school.mark(class_id=klass, subject_id=subject, value=5, weight=1),
                    school.mark(class_id=klass, subject_id=subject, value=2, weight=2),
                ):
                    await bus.publish(event.to_cloudevent())
                for _ in range(500):  # events travel asynchronously; wait, without timing
                    response = await client.get(url, headers=school.token("director"))
                    body = response.json()
                    if response.status_code == 200 and body["marks_count"] == 2:
                        break
                    await asyncio.sleep(0.01)
    finally:
        await broker.close()

    assert body == {
        "class_id": str(klass),
        "subject_id": str(subject),
        "weighted_average": 3.0,
        "marks_count": 2,
    }
