"""Journal configuration, read from JOURNAL_* environment variables."""

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNAL_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/journal"

    # Homework attachments (kept in the database): at most this many bytes a file and
    # this many files a lesson.
    homework_max_file_bytes: int = 10 * 1024 * 1024
    homework_max_files: int = 5
