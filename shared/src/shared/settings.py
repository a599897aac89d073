"""Settings shared by every service; each service subclasses with its own env prefix."""

from typing import Self

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.bus import check_batching


class BaseServiceSettings(BaseSettings):
    """Configuration read only from the environment (one prefix per service)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/school"
    # Connections of the service's pool (no overflow, see shared.db.Database).
    pool_size: int = 10
    # Seconds a request or a delivery waits for a free connection (then: transient).
    pool_timeout: float = 10.0
    # Seconds a statement may run, and wait for a lock, before PostgreSQL cancels it
    # (set on every connection; answered as a retryable 503, retried on the bus).
    statement_timeout: float = 15.0
    lock_timeout: float = 5.0
    # No AMQP URL means the service expects an in-process bus handed to create_app.
    amqp_url: str | None = None
    exchange: str = "school.events"
    delivery_limit: int = 5
    # A consumer applies up to consumer_batch_size deliveries in one transaction, waiting
    # at most consumer_batch_wait seconds after the first for more. Its batches run one
    # after another (one database connection per consumer), so prefetch is not bounded by
    # the pool; it must hold at least a batch, and two let the next batch arrive while one
    # is applied.
    consumer_batch_size: int = 100
    consumer_batch_wait: float = 0.01
    prefetch: int = 200
    # In-place retries of a batch failing on a passing outage (shared.bus), then it fails.
    transient_retries: int = 10

    jwks_url: str = "http://127.0.0.1:8000/api/auth/.well-known/jwks.json"
    jwt_issuer: str = "school-auth"
    # How old the in-memory set of revoked sessions may get before a token check reloads
    # it from the service's token_revocations table (shared.revocations).
    revocation_refresh_interval: float = 1.0

    # How long an API process keeps an idle HTTP connection open (uvicorn's keep-alive).
    # Longer than the gateway keeps its idle upstream connections (4 s in
    # deploy/nginx/school.conf), so the gateway never reuses a connection the service is
    # closing.
    keep_alive_timeout: int = 75

    relay_poll_interval: float = 2.0
    relay_batch_size: int = 100
    # Failed publishes of one outbox row before it is parked (kept, reported, not retried).
    outbox_park_after: int = 20

    # Published outbox rows, inbox rows and finished idempotency keys older than this are
    # purged, every `purge_interval` seconds (shared.purge).
    retention_days: float = 7.0
    purge_interval: float = 3600.0
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _batches_fit_the_prefetch(self) -> Self:
        check_batching(self.consumer_batch_size, self.consumer_batch_wait, self.prefetch)
        return self
