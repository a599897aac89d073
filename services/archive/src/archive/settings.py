"""Archive configuration, from ARCHIVE_* environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCHIVE_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/archive"

    # Where sealed years are kept (archive.storage): `local`, a directory (`storage_dir`),
    # or `s3`, a bucket of an S3-compatible store (the `s3_*` settings below).
    storage: Literal["local", "s3"] = "local"
    storage_dir: Path = Path("var/archive/storage")
    # The S3-compatible store: its endpoint (empty: AWS itself), bucket, region and an
    # optional key prefix. The access key and secret come from the environment (empty:
    # boto3's own chain, AWS_* variables or an instance role); the secret is never shown.
    # Path-style addressing (`http://host/bucket/key`) suits local servers (MinIO, Ceph);
    # `virtual` or `auto` for stores that want per-bucket host names.
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_prefix: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    s3_connect_timeout: float = 5.0
    s3_read_timeout: float = 60.0
    # The schools' signing keys (private: never inside the storage, which is handed out
    # for offline checks). Made on first use, one folder per school.
    keys_dir: Path = Path("var/archive/keys")

    # Journal's export, read with a service token from auth (client credentials).
    journal_url: str = "http://127.0.0.1:8000/api/journal"
    auth_token_url: str = "http://127.0.0.1:8000/api/auth/service-token"
    client_id: str = ""
    client_secret: str = ""
    export_timeout: float = 300.0

    # Seal the years journal announces closed, in the consume process (and the embedded
    # app): every `seal_interval` seconds the years received and not sealed yet.
    seal_on_close: bool = True
    seal_interval: float = 30.0
    # Seconds to rest after each class journal is stored (to spare a busy disk; the
    # interruption test uses it to stop the job between two class journals).
    seal_pause: float = 0.0

    # Retention (archive.retention), counted from the year's end: the class journals (JSON
    # packages and PDFs) for `detailed_retention_years` (5, as paper class journals), the
    # summary of final marks for `summary_retention_years` (25, as the summary sheets).
    # The signed manifest stays for good: it says what was sealed and what was purged.
    detailed_retention_years: int = 5
    summary_retention_years: int = 25
