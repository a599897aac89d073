"""Settings shared by every service; each service subclasses with its own env prefix."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class BaseServiceSettings(BaseSettings):
    """Configuration read only from the environment (one prefix per service)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/school"
    # No AMQP URL means the service expects an in-process bus handed to create_app.
    amqp_url: str | None = None
    exchange: str = "school.events"
    delivery_limit: int = 5
    prefetch: int = 32

    jwks_url: str = "http://127.0.0.1:8000/api/auth/.well-known/jwks.json"
    jwt_issuer: str = "school-auth"
    jwt_audience: str = "school"

    # How long an API process keeps an idle HTTP connection open (uvicorn's keep-alive).
    # Longer than the gateway keeps its idle upstream connections (nginx: 60 s by
    # default), so the gateway never reuses a connection the service is closing.
    keep_alive_timeout: float = 75.0

    relay_poll_interval: float = 2.0
    relay_batch_size: int = 100
    log_level: str = "INFO"
