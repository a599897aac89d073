"""Settings shared by every service; each service subclasses with its own env prefix."""

from typing import Self

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # Deliveries a consumer handles at once, each in its own transaction: never more than
    # the pool holds, or the surplus waits for a connection and times out.
    prefetch: int = 10
    # In-place retries of a delivery failing on a passing outage (shared.bus).
    transient_retries: int = 10

    jwks_url: str = "http://127.0.0.1:8000/api/auth/.well-known/jwks.json"
    jwt_issuer: str = "school-auth"
    jwt_audience: str = "school"

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
    def _prefetch_fits_the_pool(self) -> Self:
        if self.prefetch > self.pool_size:
            raise ValueError(
                f"prefetch ({self.prefetch}) exceeds pool_size ({self.pool_size}): each "
                "delivery in hand holds a connection, so the surplus would time out waiting"
            )
        return self
