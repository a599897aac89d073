"""The archive's service credential in the embedded mode: archive reads a closed year
through journal's export with a client-credentials token from auth, as in the distributed
mode, where an operator registers it (`python -m auth service-client add archive --scope
journal.export`). Here the launcher registers it on the first start and keeps its secret in
the data directory (mode 0600), so that a closed year is sealed without anyone's help; the
archive's storage and signing keys live in the data directory too, and so are in its
backups."""

import json
import os
from pathlib import Path

from auth import service_clients
from auth.passwords import Passwords
from auth.settings import Settings as AuthSettings
from shared.db import Database

NAME = "archive"
SCOPES = ["journal.export"]


async def archive_settings(data_dir: Path, auth_database_url: str, port: int) -> dict[str, object]:
    """The archive's settings overrides: its credential (registered once), its storage and
    keys under `<data-dir>/archive/`, and journal and auth at the embedded gateway."""
    home = _home(data_dir)
    saved = _saved(home)
    if saved is None:
        saved = _save(home, *await _register(auth_database_url))
    base = f"http://127.0.0.1:{port}/api"
    return {
        **saved,
        "journal_url": f"{base}/journal",
        "auth_token_url": f"{base}/auth/service-token",
        "storage_dir": home / "storage",
        "keys_dir": home / "keys",
    }


def _home(data_dir: Path) -> Path:
    home = data_dir.resolve() / "archive"
    home.mkdir(parents=True, exist_ok=True)
    return home


def _saved(home: Path) -> dict[str, str] | None:
    credential = home / "service-client.json"
    if not credential.exists():
        return None
    saved: dict[str, str] = json.loads(credential.read_text())
    return saved


def _save(home: Path, client_id: str, secret: str) -> dict[str, str]:
    saved = {"client_id": client_id, "client_secret": secret}
    written = os.open(home / "service-client.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(written, "w") as out:
        json.dump(saved, out)
    return saved


async def _register(auth_database_url: str) -> tuple[str, str]:
    """A new archive client; one left by an earlier data directory's start is disabled
    first (its secret is gone with that file)."""
    settings = AuthSettings(database_url=auth_database_url)
    db = Database(auth_database_url, pool_size=1)
    try:
        async with db.transaction() as session:
            if any(
                c.name == NAME and c.disabled_at is None
                for c in await service_clients.list_clients(session)
            ):
                await service_clients.disable_client(session, NAME)
            client, secret = await service_clients.add_client(
                session, Passwords.from_settings(settings), NAME, SCOPES
            )
            return client.client_id, secret
    finally:
        await db.dispose()
