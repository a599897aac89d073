"""Test helpers: a real PostgreSQL server for tests, fresh databases, per-test rollback.

The server comes from TEST_POSTGRES_URL (an admin URL), else the machine's PostgreSQL on
127.0.0.1:5432, else an embedded one (pgserver), else testcontainers where Docker runs.
"""

import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import sqlalchemy.event
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from shared.db import Database, PooledConnection
from shared.security import USER_AUDIENCES, StaticKeys

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname or parts.hostname.startswith("/"):
        return True
    try:
        with socket.create_connection((parts.hostname, parts.port or 5432), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def postgres_server(workdir: Path) -> Iterator[str]:
    """Yield an admin libpq URL of a PostgreSQL server for the test run."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if _reachable(DEFAULT_ADMIN_URL):
        yield DEFAULT_ADMIN_URL
        return
    try:
        from pgserver import postgres_server as pgserver_api

        server = pgserver_api.get_server(workdir / "pg", cleanup_mode="stop")
        yield server.get_uri()
        return
    except Exception as exc:  # no embedded PostgreSQL on this platform: try Docker
        print(f"embedded PostgreSQL unavailable ({type(exc).__name__}); trying Docker")
    from testcontainers.community.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield container.get_connection_url()


def with_database(admin_url: str, name: str, driver: str = "postgresql+asyncpg") -> str:
    """The URL of database `name` on the admin URL's server, with a SQLAlchemy driver."""
    parts = urlsplit(admin_url)
    scheme = driver if driver else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


class RollbackDatabase(Database):
    """A Database whose transactions are savepoints inside one outer, rolled-back transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.url = str(connection.engine.url)
        self.engine = connection.engine
        self.connection = connection
        self.sessionmaker = async_sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    @asynccontextmanager
    async def pooled(self) -> AsyncIterator[PooledConnection]:
        """The outer transaction's connection itself, inside a savepoint of its own (as
        a session's work is): statements sent on it see what the test's sessions did, and
        a failure rolls back only what they did."""
        driver: asyncpg.Connection = (await self.connection.get_raw_connection()).driver_connection
        savepoint = f"pooled_{uuid.uuid4().hex}"
        await driver.execute(f"SAVEPOINT {savepoint}")
        try:
            yield PooledConnection(self.engine, driver, self.connection.invalidate)
        except BaseException:
            await driver.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
            raise
        await driver.execute(f"RELEASE SAVEPOINT {savepoint}")

    async def dispose(self) -> None:
        return None


@asynccontextmanager
async def rolled_back(db: Database) -> AsyncIterator[RollbackDatabase]:
    """A RollbackDatabase over `db` whose every change disappears afterwards."""
    async with db.engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield RollbackDatabase(connection)
        finally:
            await transaction.rollback()


class TokenFactory:
    """Mints access tokens the way auth does, with a throwaway key (for service tests)."""

    def __init__(
        self, issuer: str = "school-auth", audience: str | list[str] | None = None
    ) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from jwt.algorithms import OKPAlgorithm

        self.issuer = issuer
        # Like auth's default: a token for every user-facing service.
        self.audience = audience if audience is not None else list(USER_AUDIENCES)
        self.kid = uuid.uuid4().hex
        self._private = Ed25519PrivateKey.generate()
        public = OKPAlgorithm.to_jwk(self._private.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def keys(self) -> StaticKeys:
        return StaticKeys(self.jwks)

    def token(
        self,
        *,
        school_id: uuid.UUID,
        roles: list[str],
        account_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        children: list[uuid.UUID] | None = None,
        ttl_seconds: int = 600,
        **overrides: object,
    ) -> str:
        import time

        import jwt

        now = int(time.time())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(account_id or uuid.uuid4()),
            "iat": now,
            "exp": now + ttl_seconds,
            "school": str(school_id),
            "roles": roles,
        }
        if person_id:
            claims["person"] = str(person_id)
        if children is not None:
            claims["children"] = [str(c) for c in children]
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}  # None drops a claim
        return jwt.encode(
            claims, self._private, algorithm="EdDSA", headers={"kid": self.kid, "typ": "at+jwt"}
        )


@contextlib.contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements the database's engine sends meanwhile (an executemany counts
    once), to check how many round trips a piece of work takes."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    sqlalchemy.event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sqlalchemy.event.remove(db.engine.sync_engine, "before_cursor_execute", record)


def inserts_into(sent: list[str], table: str) -> int:
    """How many of the statements insert into `table`."""
    return sum(statement.lstrip().startswith(f"INSERT INTO {table} ") for statement in sent)
