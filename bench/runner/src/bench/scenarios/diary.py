"""A student's diary week, read through journal's HTTP API at fixed arrival rates, against
raw asyncpg running the same two queries at the same rates."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from bench.figures import Figure, Profile
from bench.scenarios.common import rate_against_ceiling, raw_sql
from bench.stage import Stage
from journal.diary.service import access_query, lessons_query
from shared.security import User


@dataclass(frozen=True)
class Reader:
    token: str
    user: User  # who the token speaks for, to build the raw queries
    student_id: uuid.UUID


async def readers(stage: Stage, count: int) -> list[Reader]:
    """Students and parents, one family per class in turn, logged in through auth."""
    school = stage.school
    picked: list[tuple[str, User, uuid.UUID]] = []
    for i, school_class in enumerate(school.classes * 4):
        if len(picked) >= count or not school_class.students:
            break
        student = school_class.students[i // len(school.classes) % len(school_class.students)]
        assert student.account_id is not None
        if len(picked) % 2 == 0 or not student.guardians:
            user = User(
                account_id=student.account_id,
                school_id=school.id,
                roles=frozenset({"student"}),
                person_id=student.id,
            )
            picked.append((student.login, user, student.id))
        else:
            parent = student.guardians[0]
            assert parent.account_id is not None
            user = User(
                account_id=parent.account_id,
                school_id=school.id,
                roles=frozenset({"parent"}),
                person_id=parent.id,
                children=frozenset({student.id}),
            )
            picked.append((parent.login, user, student.id))
    tokens = await stage.logins([login for login, _, _ in picked])
    return [Reader(t, u, s) for t, (_, u, s) in zip(tokens, picked, strict=True)]


def school_weeks(stage: Stage) -> list[tuple[dt.date, dt.date]]:
    mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in stage.school.year.school_days()})
    return [(m, m + dt.timedelta(days=6)) for m in mondays]


async def run(stage: Stage, profile: Profile) -> list[Figure]:
    people = await readers(stage, profile.readers)
    weeks = school_weeks(stage)
    url = f"{stage.base_url}/api/journal/diary"

    def pick(i: int) -> tuple[Reader, tuple[dt.date, dt.date]]:
        return people[i % len(people)], weeks[(i // len(people)) % len(weeks)]

    async def read_over_http(i: int) -> None:
        reader, (first, last) = pick(i)
        async with stage.http.get(
            f"{url}/{reader.student_id}",
            params={"from": first.isoformat(), "to": last.isoformat()},
            headers={"Authorization": f"Bearer {reader.token}"},
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"diary answered {response.status}: {body[:200]!r}")

    pool = await stage.pool("journal", size=10)

    def compile_queries(i: int) -> tuple[tuple[str, list[Any]], tuple[str, list[Any]]]:
        reader, (first, last) = pick(i)
        return (
            raw_sql(access_query(reader.user, reader.student_id)),
            raw_sql(lessons_query(reader.user.school_id, reader.student_id, first, last)),
        )

    # Compiled before the clock starts, so the raw client spends nothing on SQLAlchemy.
    combinations = len(people) * len(weeks)
    compiled = [compile_queries(i) for i in range(combinations)]

    async def read_raw(i: int) -> None:
        access, lessons = compiled[i % combinations]
        async with pool.acquire() as conn, conn.transaction():
            await conn.fetchrow(access[0], *access[1])
            await conn.fetch(lessons[0], *lessons[1])

    return [
        await rate_against_ceiling(
            stage,
            profile,
            "diary week read (HTTP via nginx, distributed)",
            ours=("diary week over HTTP", read_over_http),
            ceiling=("raw asyncpg, same two queries", read_raw),
        )
    ]
