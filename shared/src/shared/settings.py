"""Settings shared by every service; each service subclasses with its own env prefix."""

from typing import Self

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.bus import check_batching


class BaseServiceSettings(BaseSettings):
    """Configuration read only from the environment (one prefix per service)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/school"
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

    jwks_url: str = "http://127.0.0.1:8000/api/auth/.well-known/jwks.json"
    jwt_issuer: str = "school-auth"
    jwt_audience: str = "school"

    # How long an API process keeps an idle HTTP connection open (uvicorn's keep-alive).
    # Longer than the gateway keeps its idle upstream connections (4 s in
    # deploy/nginx/school.conf), so the gateway never reuses a connection the service is
    # closing.
    keep_alive_timeout: int = 75

    relay_poll_interval: float = 2.0
    relay_batch_size: int = 100
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _batches_fit_the_prefetch(self) -> Self:
        check_batching(self.consumer_batch_size, self.consumer_batch_wait, self.prefetch)
        return self
