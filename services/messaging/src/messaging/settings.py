"""Messaging configuration, from MESSAGING_* environment variables."""

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MESSAGING_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/messaging"

    # The SMTP server notification emails go through (none: no email is sent; each
    # school turns its emails on with PUT /api/messaging/email-settings).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0

    # Seconds between passes of the scheduled work (digests, weekly letters, email).
    jobs_interval: float = 30.0
    # The live stream: a comment line every `stream_heartbeat` seconds (keeps proxies
    # from closing it, and re-reads in case a wake-up was lost); a stream ends after
    # `stream_max_seconds`, and the client resumes with Last-Event-ID and a fresh token.
    stream_heartbeat: float = 15.0
    stream_max_seconds: float = 900.0

    # Internal mail: each attachment's size and how many a message may carry.
    mail_max_attachment_bytes: int = 10 * 1024 * 1024
    mail_max_attachments: int = 5
