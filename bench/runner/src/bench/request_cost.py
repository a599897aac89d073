"""What journal's hottest requests cost in CPU: a diary week read and a mark post, driven
through journal's ASGI app in-process (no uvicorn, no nginx, no network), one request at
a time, on a generated school.

    ./school python -m bench.request_cost [--scale 0.25] [--diaries 1000] [--marks 500]

CPU time of this one process (the app and the in-process client together) ÷ requests,
best of `--rounds`: CPU time, not wall time, so that other work on a shared machine
changes it little. PostgreSQL's side is not counted. A measurement, not a judgement: it
prints. The databases are fresh and dropped afterwards (BENCH_PG_URL, as `./school bench`).
"""

import argparse
import asyncio
import datetime as dt
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx

from bench.stage import PASSWORD, databases
from datagen import GeneratedSchool, generate
from journal.main import create_app
from journal.settings import Settings
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.testing import TokenFactory


def teaching(school: GeneratedSchool) -> list[tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]]:
    """(teacher, lesson, the class's students) of every marked lesson above grade 1."""
    return [
        (lesson.assignment.teacher.id, lesson.id, [s.id for s in a.school_class.students])
        for lesson in school.lessons
        if (a := lesson.assignment).school_class.grade > 1
        and a.subject.curriculum.marked
        and a.school_class.students
    ]


async def cost(rounds: int, count: int, request: Callable[[int], Awaitable[None]]) -> float:
    """The best round's CPU ms per request (after a warm-up round)."""
    for i in range(min(count, 50)):
        await request(i)
    best = float("inf")
    for r in range(rounds):
        started = time.process_time()
        for i in range(count):
            await request((r + 1) * count + i)
        best = min(best, (time.process_time() - started) / count * 1000)
    return best


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.request_cost", description=__doc__)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--diaries", type=int, default=1000)
    parser.add_argument("--marks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    async with databases(keep=False) as urls:
        generated = await generate(urls, seed=1, scale=args.scale, password=PASSWORD)
        school = generated.first
        tokens = TokenFactory()
        app = create_app(
            Settings(database_url=urls["journal"]),
            bus=InProcessBus(InProcessBroker()),
            keys=tokens.keys(),
            role="api",
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://journal") as client,
        ):
            students = school.students[:200]
            student_tokens = {
                s.id: tokens.token(school_id=school.id, roles=["student"], person_id=s.id)
                for s in students
            }
            weeks = school_weeks_of(school)

            async def read(i: int) -> None:
                student = students[i % len(students)]
                first, last = weeks[(i // len(students)) % len(weeks)]
                response = await client.get(
                    f"/api/journal/diary/{student.id}",
                    params={"from": first.isoformat(), "to": last.isoformat()},
                    headers={"Authorization": f"Bearer {student_tokens[student.id]}"},
                )
                if response.status_code != 200:
                    raise RuntimeError(f"diary answered {response.status_code}")

            work = teaching(school)
            teacher_tokens = {
                t: tokens.token(school_id=school.id, roles=["teacher"], account_id=t)
                for t, _, _ in work
            }

            async def post(i: int) -> None:
                teacher, lesson, pupils = work[(i * 31) % len(work)]
                response = await client.post(
                    f"/api/journal/lessons/{lesson}/marks",
                    json={
                        "student_id": str(pupils[i % len(pupils)]),
                        "value": 2 + i % 4,
                        "work_type": "answer",
                    },
                    headers={"Authorization": f"Bearer {teacher_tokens[teacher]}"},
                )
                if response.status_code != 201:
                    raise RuntimeError(f"posting answered {response.status_code}")

            print(f"journal in-process at scale {args.scale}, CPU per request (best of rounds):")
            print(f"  diary week read: {await cost(args.rounds, args.diaries, read):.3f} ms")
            print(f"  posting a mark:  {await cost(args.rounds, args.marks, post):.3f} ms")


def school_weeks_of(school: GeneratedSchool) -> list[tuple[dt.date, dt.date]]:
    """Monday to Sunday of every week with school days."""
    mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in school.year.school_days()})
    return [(m, m + dt.timedelta(days=6)) for m in mondays]


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
