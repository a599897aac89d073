"""The realistic data generator: schools with a year of lessons and marks, written by COPY
straight into each service's own database schema.

A fixed seed and a scale factor give the same data every time: scale 1 is a school of about
1,000 students in 40 classes, ~70 teachers, ~1,700 parents, ~38,600 lessons and ~190,000
marks with their corrections, attendance, remarks and thematic plans; `schools` > 1 is a
district of such schools. Downstream rows (outboxes, inboxes, logs, projections, notices)
come from the school's history of events as each consumer's bindings route them; a
differential test (tests/bench/test_datagen_differential.py) holds the whole output equal
to what the services write through their APIs.
"""

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from auth.passwords import Passwords
from auth.settings import Settings as AuthSettings
from datagen.curriculum import SchoolYear
from datagen.school import GeneratedSchool, build_school
from datagen.writers import write_school
from shared.db import asyncpg_dsn

__all__ = ["Generated", "GeneratedSchool", "SchoolYear", "build_school", "count", "generate"]

# The year the benchmarks run on: fixed, so every run sees the same data.
BENCH_YEAR = SchoolYear(2025)


def count(school: GeneratedSchool) -> Counter[str]:
    """How many of each thing a school holds."""
    return Counter(
        schools=1,
        classes=len(school.classes),
        students=len(school.students),
        parents=len(school.guardians),
        staff=len(school.staff),
        assignments=len(school.assignments),
        lessons=len(school.lessons),
        marks=len(school.marks),
        corrected_marks=sum(1 for m in school.marks if m.corrections),
        absences=len(school.attendance),
        remarks=len(school.remarks),
        plans=len(school.plans),
        timetable_entries=len(school.timetable),
        homework=sum(1 for lesson in school.lessons if lesson.homework is not None),
        final_marks=len(school.finals),
    )


@dataclass(frozen=True)
class Generated:
    first: GeneratedSchool  # the school the benchmarks act in (a district's first)
    counts: Counter[str]
    seconds: float


async def hash_password(password: str) -> str:
    """One argon2id hash, as auth makes them, shared by every generated account (hashing
    thousands of accounts one by one would take minutes and prove nothing)."""
    password_hash: str = await Passwords.from_settings(AuthSettings()).hash(password)
    return password_hash


async def generate(
    database_urls: Mapping[str, str],
    *,
    seed: int = 1,
    scale: float = 1.0,
    schools: int = 1,
    first_school: int = 1,
    year: SchoolYear = BENCH_YEAR,
    until: datetime | None = None,
    password: str,
) -> Generated:
    """Generate `schools` schools and COPY each into every service's database."""
    started = time.perf_counter()
    password_hash = await hash_password(password)
    connections = {
        service: await asyncpg.connect(asyncpg_dsn(url)) for service, url in database_urls.items()
    }
    first: GeneratedSchool | None = None
    counts: Counter[str] = Counter()
    try:
        for number in range(first_school, first_school + schools):
            school = build_school(seed=seed, number=number, scale=scale, year=year, until=until)
            await write_school(connections, school, password_hash)
            # A district's schools are written one at a time: memory holds one school (and
            # the first, which the benchmarks act in).
            first = first or school
            counts += count(school)
        for conn in connections.values():
            # As a database in use would be: vacuumed and analysed, so that autovacuum does
            # not start on the freshly loaded tables in the middle of a measurement.
            await conn.execute("VACUUM (ANALYZE)")
    finally:
        for conn in connections.values():
            await conn.close()
    if first is None:
        raise ValueError("no school to generate")
    return Generated(first, counts, time.perf_counter() - started)
