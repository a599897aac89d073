"""Archive storage: where sealed files live, behind a small interface.

Two stores: a local directory (`LocalStorage`, ARCHIVE_STORAGE=local, the default) and an
S3-compatible object store (`S3Storage`, ARCHIVE_STORAGE=s3: AWS S3, MinIO, Ceph RGW,
Yandex Object Storage...). Keys are `/`-separated relative paths, as object keys are.

Every write is atomic: no half-written file is ever visible under its final name. The
directory writes beside its place, flushes to disk and renames over it; the object store
makes an object visible only once its single PUT is complete, and the PUT carries the
content's MD5, so the server refuses bytes damaged on the way. A store that is full,
unwritable or unreachable raises `StorageError`, never a silent loss.
"""

import base64
import contextlib
import errno
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from archive.settings import Settings


class StorageError(Exception):
    """The storage cannot keep or give back a file (full, unwritable, unreachable)."""


class MissingFromStorage(StorageError):
    """The storage answers, and the file is not there."""


class StorageUnavailable(StorageError):
    """The storage does not answer (down, unreachable, timed out): worth retrying."""


class ArchiveStorage(Protocol):
    def put(self, key: str, content: bytes) -> None: ...
    def get(self, key: str) -> bytes:
        """The file's bytes; `MissingFromStorage` if it is not there."""
        ...

    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None:
        """Remove the file; a file already gone is no error."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Every key under the folder `prefix`, relative to it, sorted."""
        ...

    def path_of(self, key: str) -> Path | None:
        """The file on disk, for a store that has one."""
        ...


def checked_key(key: str) -> PurePosixPath:
    """A relative key without `..`, absolute parts or empty parts."""
    path = PurePosixPath(key)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"bad storage key {key!r}")
    if str(path) != key:
        raise ValueError(f"bad storage key {key!r}")
    return path


class LocalStorage:
    """Files under one directory (ARCHIVE_STORAGE_DIR)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        return self.root.joinpath(*checked_key(key).parts)

    def put(self, key: str, content: bytes) -> None:
        target = self.path_of(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(content)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            reason = "full" if exc.errno == errno.ENOSPC else "not writable"
            raise StorageError(f"archive storage {self.root} is {reason}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError as exc:
            raise MissingFromStorage(f"{key} is missing from the archive storage") from exc
        except OSError as exc:
            raise StorageError(f"{key} cannot be read: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self.path_of(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{key} cannot be removed: {exc}") from exc

    def list(self, prefix: str) -> list[str]:
        folder = self.path_of(prefix)
        if not folder.is_dir():
            return []
        return sorted(
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".part-")
        )


@dataclass(frozen=True)
class S3Location:
    """Where the S3-compatible store is and how to reach it (from ARCHIVE_S3_*)."""

    bucket: str
    endpoint_url: str | None = None  # None: AWS itself
    region: str = "us-east-1"
    prefix: str = ""  # every key goes under it ("archive/", say): one bucket, many uses
    access_key_id: str | None = None  # None: boto3's own chain (AWS_* variables, a role)
    secret_access_key: str | None = None
    addressing_style: str = "path"  # local servers have no per-bucket host names
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    attempts: int = 3  # in all, the first included

    def where(self) -> str:
        """The bucket and the endpoint, for messages (never the credentials)."""
        return f"s3://{self.bucket}/{self.prefix} at {self.endpoint_url or 'AWS'}"


# S3 error codes that mean the store is full or over its quota (AWS, MinIO, Ceph).
_FULL = {"QuotaExceeded", "XMinioStorageFull", "StorageFull", "InsufficientStorage"}
_DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AllAccessDisabled",
    "AccountProblem",
}
_UNAVAILABLE = {"ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout"}


class S3Storage:
    """Objects in one bucket of an S3-compatible store. boto3's client is thread-safe;
    its calls block, so the async code calls them in a thread (asyncio.to_thread), as it
    does the directory's."""

    def __init__(self, location: S3Location, client: Any = None) -> None:
        self.location = location
        self._client = client if client is not None else _client(location)

    def path_of(self, key: str) -> None:
        checked_key(key)
        return None

    def _key(self, key: str) -> str:
        return f"{self.location.prefix}{checked_key(key)}"

    def put(self, key: str, content: bytes) -> None:
        md5 = base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
        self._call(
            "put_object",
            key,
            "stored",
            Bucket=self.location.bucket,
            Key=self._key(key),
            Body=content,
            ContentMD5=md5,
            Metadata={"sha256": hashlib.sha256(content).hexdigest()},
        )

    def get(self, key: str) -> bytes:
        answer = self._call(
            "get_object", key, "read", Bucket=self.location.bucket, Key=self._key(key)
        )
        try:
            content: bytes = answer["Body"].read()
        except Exception as exc:
            raise self._failure(exc, key, "read") from exc
        return content

    def exists(self, key: str) -> bool:
        try:
            self._call(
                "head_object", key, "looked up", Bucket=self.location.bucket, Key=self._key(key)
            )
        except MissingFromStorage:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call("delete_object", key, "removed", Bucket=self.location.bucket, Key=self._key(key))

    def list(self, prefix: str) -> list[str]:
        start = f"{self._key(prefix)}/"
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.location.bucket, Prefix=start):
                keys.extend(item["Key"][len(start) :] for item in page.get("Contents", []))
        except Exception as exc:
            raise self._failure(exc, prefix, "listed") from exc
        return sorted(keys)

    def _call(self, operation: str, key: str, doing: str, **arguments: Any) -> Any:
        try:
            return getattr(self._client, operation)(**arguments)
        except Exception as exc:
            raise self._failure(exc, key, doing) from exc

    def _failure(self, exc: Exception, key: str, doing: str) -> StorageError:
        """The boto3 error as a StorageError that says what went wrong and where."""
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

        where = self.location.where()
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                return StorageError(f"archive storage {where}: the bucket does not exist")
            if code in ("NoSuchKey", "404", "NotFound") or (status == 404 and not code):
                return MissingFromStorage(f"{key} is missing from the archive storage")
            if code in _FULL or status == 507:
                return StorageError(f"archive storage {where} is full: {key} not {doing}")
            if code in _DENIED or status == 403:
                return StorageError(
                    f"archive storage {where} refuses access ({code or status}): "
                    f"check ARCHIVE_S3_ACCESS_KEY_ID and its rights; {key} not {doing}"
                )
            if code in _UNAVAILABLE or (isinstance(status, int) and status >= 500):
                return StorageUnavailable(
                    f"archive storage {where} is unavailable ({code or status}): {key} not {doing}"
                )
            return StorageError(f"archive storage {where}: {code or status}: {key} not {doing}")
        if isinstance(exc, ConnectionError | HTTPClientError):
            return StorageUnavailable(
                f"archive storage {where} is unreachable ({type(exc).__name__}): {key} not {doing}"
            )
        if isinstance(exc, BotoCoreError):
            return StorageError(f"archive storage {where}: {exc}: {key} not {doing}")
        return StorageError(f"archive storage {where}: {type(exc).__name__}: {key} not {doing}")


def _client(location: S3Location) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=location.access_key_id or None,
        aws_secret_access_key=location.secret_access_key or None,
        region_name=location.region,
    )
    return session.client(
        "s3",
        endpoint_url=location.endpoint_url or None,
        config=Config(
            s3={"addressing_style": location.addressing_style},
            connect_timeout=location.connect_timeout,
            read_timeout=location.read_timeout,
            retries={"total_max_attempts": location.attempts, "mode": "standard"},
            # Our own MD5 guards each PUT; the newer default CRC checksums are not known
            # to every S3-compatible server.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def storage_of(settings: "Settings") -> ArchiveStorage:
    """The configured store (ARCHIVE_STORAGE)."""
    if settings.storage == "local":
        return LocalStorage(settings.storage_dir)
    if not settings.s3_bucket:
        raise ValueError("ARCHIVE_STORAGE=s3 needs ARCHIVE_S3_BUCKET")
    prefix = settings.s3_prefix.strip("/")
    return S3Storage(
        S3Location(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            prefix=f"{prefix}/" if prefix else "",
            access_key_id=settings.s3_access_key_id or None,
            secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
            addressing_style=settings.s3_addressing_style,
            connect_timeout=settings.s3_connect_timeout,
            read_timeout=settings.s3_read_timeout,
        )
    )
