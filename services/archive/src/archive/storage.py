"""Archive storage: where sealed files live, behind a small interface.

Only the local directory is built (`LocalStorage`); an S3-compatible store would be one
more class with these five methods (keys are `/`-separated relative paths, as object keys
are). Every write is atomic: a file is written beside its place, flushed to disk and
renamed over it, so a crash leaves the old file or the new one, never half of one.
"""

import contextlib
import errno
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Protocol


class StorageError(Exception):
    """The storage cannot keep or give back a file (full, unwritable, missing)."""


class ArchiveStorage(Protocol):
    def put(self, key: str, content: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def path_of(self, key: str) -> Path | None:
        """The file on disk, for a store that has one (the offline check reads it)."""
        ...


def checked_key(key: str) -> PurePosixPath:
    """A relative key without `..`, absolute parts or empty parts."""
    path = PurePosixPath(key)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
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
            raise StorageError(f"{key} is missing from the archive storage") from exc
        except OSError as exc:
            raise StorageError(f"{key} cannot be read: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self.path_of(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{key} cannot be removed: {exc}") from exc


def storage_from(kind: str, root: Path) -> ArchiveStorage:
    """The configured store (ARCHIVE_STORAGE)."""
    if kind != "local":
        raise ValueError(f"ARCHIVE_STORAGE={kind!r}: only 'local' is built")
    return LocalStorage(root)
