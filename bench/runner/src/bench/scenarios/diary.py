"""A student's diary week, read through journal's HTTP API at fixed arrival rates, against
two ceilings running journal's own prebuilt statement (the access check and the diary in
one) at the same rates: a bare
uvicorn + Starlette endpoint behind the same kind of gateway (bench.bare: HTTP without
the framework, authentication and journal's code), and raw asyncpg (no HTTP at all)."""

import datetime as dt
import uuid
from dataclasses import dataclass

from bench import bare
from bench.figures import Figure, Profile
from bench.scenarios.common import Ceiling, rate_against_ceilings
from bench.stage import Stage
from journal.diary.service import READ_SQL


@dataclass(frozen=True)
class Reader:
    token: str
    student_id: uuid.UUID  # whose diary: their own, or their child's


async def readers(stage: Stage, count: int) -> list[Reader]:
    """Students and parents, one family per class in turn, logged in through auth."""
    school = stage.school
    picked: list[tuple[str, uuid.UUID]] = []
    for i, school_class in enumerate(school.classes * 4):
        if len(picked) >= count or not school_class.students:
            break
        student = school_class.students[i // len(school.classes) % len(school_class.students)]
        if len(picked) % 2 == 0 or not student.guardians:
            picked.append((student.login, student.id))
        else:
            picked.append((student.guardians[0].login, student.id))
    tokens = await stage.logins([login for login, _ in picked])
    return [Reader(t, s) for t, (_, s) in zip(tokens, picked, strict=True)]


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
    school_id = stage.school.id

    async def read_raw(i: int) -> None:
        # As journal runs them: no transaction, the caller no teacher (a student or parent).
        reader, (first, last) = pick(i)
        async with pool.acquire() as conn:
            await conn.fetchrow(READ_SQL, reader.student_id, school_id, None, first, last, True)

    async with stage.bare_http() as server:
        bare_url = f"{server.base_url}{bare.PREFIX}/diary/{school_id}"

        async def read_bare(i: int) -> None:
            reader, (first, last) = pick(i)
            async with stage.http.get(
                f"{bare_url}/{reader.student_id}",
                params={"from": first.isoformat(), "to": last.isoformat()},
            ) as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"bare diary answered {response.status}: {body[:200]!r}")

        return await rate_against_ceilings(
            stage,
            profile,
            "diary week read (HTTP via nginx, distributed)",
            ours=("diary week over HTTP", read_over_http),
            ceilings=[
                Ceiling(
                    "bare HTTP",
                    "bare uvicorn + Starlette via nginx, same statement, no auth",
                    read_bare,
                    share=0.5,
                    processes={"bare http": server.pid},
                ),
                Ceiling(
                    "raw asyncpg",
                    "raw asyncpg, same statement",
                    read_raw,
                    share=0.3,
                ),
            ],
        )
