"""The bare HTTP ceiling of the diary: uvicorn and Starlette, one route running journal's
own prebuilt statement on an asyncpg pool, with nothing else (no authentication, no
middleware, no dependency injection, no logging, no FastAPI).

Run as its own process behind its own nginx, configured as the distributed mode's gateway,
so that it pays for HTTP and the gateway as journal does: the distance between journal and
this ceiling is what the framework and journal's own code cost.

    BENCH_BARE_DSN=postgresql://... python -m uvicorn bench.bare:app --port 8099
"""

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from journal.diary.service import READ_SQL

# Under journal's prefix: the gateway (deploy/nginx/school.conf, rule for rule) routes it
# as it routes journal's diary.
PREFIX = "/api/journal/bare"
DSN_VARIABLE = "BENCH_BARE_DSN"
POOL_SIZE = 10  # as many connections as a service's pool (shared.db.Database)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    dsn = os.environ[DSN_VARIABLE]
    pool = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


async def diary(request: Request) -> Response:
    """GET /api/journal/bare/diary/{school_id}/{student_id}?from=…&to=…: what journal's diary
        runs, as a student reading their own week would (no teacher to look up): the access
    check and the diary in one statement."""
    school_id = uuid.UUID(request.path_params["school_id"])
    student_id = uuid.UUID(request.path_params["student_id"])
    first = dt.date.fromisoformat(request.query_params["from"])
    last = dt.date.fromisoformat(request.query_params["to"])
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        row = await connection.fetchrow(READ_SQL, student_id, school_id, None, first, last, True)
    if row is None:
        return PlainTextResponse("no such student", status_code=404)
    body: bytes = row["diary"]
    return Response(body, media_type="application/json")


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route(f"{PREFIX}/diary/{{school_id}}/{{student_id}}", diary),
        Route(f"{PREFIX}/health", health),
    ],
    lifespan=lifespan,
)
