"""Journal configuration, read from JOURNAL_* environment variables."""

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNAL_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/journal"
